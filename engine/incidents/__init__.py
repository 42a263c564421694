"""Incidents: a step the engine ran on its own failed, and failed again when retried.

A timer's continuation, a service task or a run-time expression met by the scheduler has
no person to tell; instead of being retried on every tick forever, the failure is counted
(``policy``), retried with a growing pause, and after the last attempt kept as an open
incident (``models``) with the case in ``error`` until an administrator retries it.
"""
