"""Incident store: tables, engines, migrations and search."""
