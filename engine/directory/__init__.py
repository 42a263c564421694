"""The directory: departments (a tree of offices, each serving an administrative
division) and the people who sign in, as administrators keep them.

``rules`` says what a valid department or user is, ``passwords`` what a strong password
is, ``standing`` whether a signed-in user may still act, ``views`` the JSON shapes, and
``csv_import`` reads the first set-up from spreadsheets.  The use cases (one transaction
each, role checks, audit events) are ``engine.services.departments`` and ``.users``.
"""
