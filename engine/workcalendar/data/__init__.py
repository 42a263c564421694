"""Shipped year schedules, ``<year>.json``; regenerate with ``generate_years.py``."""
