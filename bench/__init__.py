"""Benchmarks: ``make bench`` (``python -m bench``) prints a table; never part of the tests."""
