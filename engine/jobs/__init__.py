"""The job queue: outbound calls made outside any case's transaction.

A command that needs something from outside (a record from the exchange platform, later
an SMS or an e-mail) never makes the call itself: it ``enqueue``-s a job in its own
transaction and commits.  The job runner (``services.jobs``, run by the scheduler process
and ``govflow jobs run-once``) claims due jobs holding no case lock, makes the call with
no transaction open, and hands the answer to the kind's ``apply`` — a second command,
under the case lock, that must be idempotent.  See docs/ARCHITECTURE.md "Jobs".

- ``models``    the ``jobs`` table and its states
- ``queue``     enqueue, claim, and record what became of a job
- ``registry``  what each kind of job does (``Handler``), by kind
"""
