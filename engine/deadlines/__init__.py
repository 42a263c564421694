"""Time limits (时限): the calendar the engine counts on, deadlines of cases and tasks,
the stopped clock, and their states (ok → warning → overdue; met / missed)."""
