"""The outage journal: commands kept locally while the database is away, replayed once.

``store`` is the journal's own SQLite file; ``outage`` decides what is journaled, probes the
database with backoff and replays. See ``docs/outage.md``.
"""
