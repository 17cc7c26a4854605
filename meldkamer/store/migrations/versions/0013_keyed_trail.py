"""A trail no one can quietly rewrite: keyed chain start, forward-only head, append-only log.

Revision ID: 0013
Revises: 0012

- ``meta`` records from which sequence the chain is keyed (HMAC-SHA256 with the
  installation key; the events before it stay plain SHA-256), the chain's id (the name of
  each workstation's checkpoint file) and the highest incident, call, assignment and log
  ids written before the trail carried row digests (those rows are "not covered").
  These ``audit_*`` rows can be neither changed nor deleted.
- ``audit_head`` only moves forward, and only to an event that is stored with that hash.
- ``log_entry`` is append-only like ``audit_event``. The one way to change a line is the
  retention pass's pseudonymisation: only ``text``, ``template`` and ``fields`` may change,
  and only while the same transaction holds a ``log.pseudonymise`` audit event for that line
  beyond the head (inserted, its head not yet moved: i.e. written by this transaction,
  since writers hold the head's lock).
- On PostgreSQL a statement trigger refuses TRUNCATE of audit_event, audit_head, log_entry
  and meta; SQLite has no TRUNCATE, its DELETE triggers cover it.
"""

import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_PSEUDONYMISED = (
    "NEW.id = OLD.id AND NEW.incident_id = OLD.incident_id AND NEW.at = OLD.at "
    "AND NEW.\"user\" = OLD.\"user\" AND NEW.kind = OLD.kind "
    "AND EXISTS (SELECT 1 FROM audit_event e WHERE e.action = 'log.pseudonymise' "
    "AND e.entity = 'log_entry' AND e.entity_key = CAST(OLD.id AS TEXT) "
    "AND e.seq > (SELECT h.seq FROM audit_head h WHERE h.id = 1))"
)
_FORWARD = (
    "(NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.hash = OLD.hash) OR "
    "(NEW.id = OLD.id AND NEW.seq > OLD.seq AND EXISTS (SELECT 1 FROM audit_event e "
    "WHERE e.seq = NEW.seq AND e.hash = NEW.hash))"
)

SQLITE_UP = [
    "DROP TRIGGER log_entry_no_update",
    "CREATE TRIGGER log_entry_no_update BEFORE UPDATE ON log_entry "
    f"WHEN NOT ({_PSEUDONYMISED}) BEGIN "
    "SELECT RAISE(ABORT, 'log_entry is append-only'); END",
    "CREATE TRIGGER log_entry_no_delete BEFORE DELETE ON log_entry BEGIN "
    "SELECT RAISE(ABORT, 'log_entry is append-only'); END",
    f"CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head WHEN NOT ({_FORWARD}) "
    "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward to a stored event'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN "
    "SELECT RAISE(ABORT, 'audit_head only moves forward to a stored event'); END",
    "CREATE TRIGGER audit_head_one_row BEFORE INSERT ON audit_head "
    "WHEN (SELECT count(*) FROM audit_head) > 0 BEGIN "
    "SELECT RAISE(ABORT, 'audit_head only moves forward to a stored event'); END",
    "CREATE TRIGGER meta_audit_no_update BEFORE UPDATE ON meta "
    "WHEN OLD.key LIKE 'audit_%' BEGIN SELECT RAISE(ABORT, 'the audit facts are fixed'); END",
    "CREATE TRIGGER meta_audit_no_delete BEFORE DELETE ON meta "
    "WHEN OLD.key LIKE 'audit_%' BEGIN SELECT RAISE(ABORT, 'the audit facts are fixed'); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER meta_audit_no_delete",
    "DROP TRIGGER meta_audit_no_update",
    "DROP TRIGGER audit_head_one_row",
    "DROP TRIGGER audit_head_no_delete",
    "DROP TRIGGER audit_head_forward",
    "DROP TRIGGER log_entry_no_delete",
    "DROP TRIGGER log_entry_no_update",
    "CREATE TRIGGER log_entry_no_update BEFORE UPDATE ON log_entry BEGIN "
    "SELECT RAISE(ABORT, 'log_entry is append-only'); END",
]
POSTGRES_UP = [
    "CREATE FUNCTION meldkamer_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'UPDATE' AND {_PSEUDONYMISED} THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'log_entry is append-only'; END $$",
    "DROP TRIGGER log_entry_no_update ON log_entry",
    "CREATE TRIGGER log_entry_append_only BEFORE UPDATE OR DELETE ON log_entry "
    "FOR EACH ROW EXECUTE FUNCTION meldkamer_log_guard()",
    "CREATE FUNCTION meldkamer_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'UPDATE' AND ({_FORWARD}) THEN RETURN NEW; END IF; "
    "IF TG_OP = 'INSERT' AND NOT EXISTS (SELECT 1 FROM audit_head) THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'audit_head only moves forward to a stored event'; END $$",
    "CREATE TRIGGER audit_head_forward BEFORE INSERT OR UPDATE OR DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION meldkamer_head_forward()",
    "CREATE FUNCTION meldkamer_meta_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF OLD.key LIKE 'audit_%' THEN RAISE EXCEPTION 'the audit facts are fixed'; END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER meta_audit_fixed BEFORE UPDATE OR DELETE ON meta "
    "FOR EACH ROW EXECUTE FUNCTION meldkamer_meta_guard()",
    *(f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
      "FOR EACH STATEMENT EXECUTE FUNCTION meldkamer_append_only()"
      for t in ("audit_event", "audit_head", "log_entry", "meta")),
]
POSTGRES_DOWN = [
    *(f"DROP TRIGGER {t}_no_truncate ON {t}"
      for t in ("audit_event", "audit_head", "log_entry", "meta")),
    "DROP TRIGGER meta_audit_fixed ON meta",
    "DROP FUNCTION meldkamer_meta_guard()",
    "DROP TRIGGER audit_head_forward ON audit_head",
    "DROP FUNCTION meldkamer_head_forward()",
    "DROP TRIGGER log_entry_append_only ON log_entry",
    "DROP FUNCTION meldkamer_log_guard()",
    "CREATE TRIGGER log_entry_no_update BEFORE UPDATE ON log_entry "
    "FOR EACH ROW EXECUTE FUNCTION meldkamer_append_only()",
]


def upgrade() -> None:
    conn = op.get_bind()
    head = conn.execute(sa.text("SELECT seq FROM audit_head WHERE id = 1")).scalar() or 0
    covered = {t: int(conn.execute(sa.text(f'SELECT coalesce(max(id), 0) FROM "{t}"'))
                      .scalar() or 0)
               for t in ("incident", "call", "assignment", "log_entry")}
    meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.String))
    op.bulk_insert(meta, [
        {"key": "audit_keyed_from", "value": str(int(head) + 1)},
        {"key": "audit_chain_id", "value": uuid.uuid4().hex},
        {"key": "audit_rows_from", "value": json.dumps(covered, sort_keys=True)},
    ])
    for statement in SQLITE_UP if conn.dialect.name == "sqlite" else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in SQLITE_DOWN if conn.dialect.name == "sqlite" else POSTGRES_DOWN:
        op.execute(statement)
    op.execute("DELETE FROM meta WHERE key IN "
               "('audit_keyed_from', 'audit_chain_id', 'audit_rows_from')")
