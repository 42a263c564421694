"""Signing in safely: page sessions the server can end, and throttled failures.

* ``sessions`` — a page session is a row, so logout ends it for every worker and a
  replayed cookie finds nothing;
* ``throttle`` — failed sign-ins counted per address and per username in a table, so
  every gunicorn worker sees the same count.
"""
