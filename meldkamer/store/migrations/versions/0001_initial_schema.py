"""Initial schema: incidents, calls, units, assignments, log, audit chain, full-text search.

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 12:14:02.738047
"""

from alembic import op
import sqlalchemy as sa


GENESIS = "0" * 64

# Full-text search over the incident log (notes are log entries), and the rules that keep
# the audit trail append-only and the log unchangeable, in each dialect's own terms.
SQLITE_EXTRA = [
    "CREATE VIRTUAL TABLE log_fts USING fts5(text, content='log_entry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER log_entry_fts_insert AFTER INSERT ON log_entry BEGIN "
    "INSERT INTO log_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER log_entry_fts_delete AFTER DELETE ON log_entry BEGIN "
    "INSERT INTO log_fts(log_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER log_entry_no_update BEFORE UPDATE ON log_entry BEGIN "
    "SELECT RAISE(ABORT, 'log_entry is append-only'); END",
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN "
    "SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN "
    "SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
POSTGRES_EXTRA = [
    # Accents folded like SQLite's remove_diacritics (no unaccent extension needed).
    "ALTER TABLE log_entry ADD COLUMN text_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', translate(text, 'àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ', "
    "'aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY'))) STORED",
    "CREATE INDEX ix_log_entry_text_tsv ON log_entry USING gin (text_tsv)",
    "CREATE FUNCTION meldkamer_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION meldkamer_append_only()",
    "CREATE TRIGGER log_entry_no_update BEFORE UPDATE ON log_entry "
    "FOR EACH ROW EXECUTE FUNCTION meldkamer_append_only()",
]

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_key', sa.String(length=40), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('island', sa.String(length=2), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('location_state', sa.String(length=10), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('classification', sa.String(length=20), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.String(length=4), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disposition', sa.String(length=20), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index('ix_incident_state', ['state'], unique=False)

    op.create_table('incident_counter',
    sa.Column('island', sa.String(length=2), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('island', 'year')
    )
    op.create_table('station',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('discipline', sa.String(length=20), nullable=False),
    sa.Column('island', sa.String(length=2), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('caller_number', sa.String(length=40), nullable=False),
    sa.Column('caller_name', sa.String(length=200), nullable=False),
    sa.Column('callback_number', sa.String(length=40), nullable=False),
    sa.Column('taken_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_caller_number'), ['caller_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_incident_id'), ['incident_id'], unique=False)

    op.create_table('log_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_log_entry_incident_id'), ['incident_id'], unique=False)

    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('callsign', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('discipline', sa.String(length=20), nullable=False),
    sa.Column('capabilities', sa.JSON(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('island', sa.String(length=2), nullable=False),
    sa.Column('issi', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('status_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('position_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('callsign'),
    sa.UniqueConstraint('issi')
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_island'), ['island'], unique=False)

    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatched_by', sa.String(length=60), nullable=False),
    sa.Column('override_reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=30), nullable=False),
    sa.Column('to_status', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user', sa.String(length=60), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_status_change_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index('ix_unit_status_change_unit', ['unit_id', 'id'], unique=False)
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '%s')" % GENESIS)
    if op.get_bind().dialect.name == "sqlite":
        for stmt in SQLITE_EXTRA:
            op.execute(stmt)
    else:
        for stmt in POSTGRES_EXTRA:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS log_fts")
    else:
        op.execute("DROP FUNCTION IF EXISTS meldkamer_append_only() CASCADE")
    with op.batch_alter_table('unit_status_change', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_status_change_unit')
        batch_op.drop_index(batch_op.f('ix_unit_status_change_incident_id'))

    op.drop_table('unit_status_change')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_unit_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_incident_id'))

    op.drop_table('assignment')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_island'))

    op.drop_table('unit')
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_log_entry_incident_id'))

    op.drop_table('log_entry')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_incident_id'))
        batch_op.drop_index(batch_op.f('ix_call_caller_number'))

    op.drop_table('call')
    op.drop_table('station')
    op.drop_table('incident_counter')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_state')

    op.drop_table('incident')
    op.drop_table('audit_head')
    op.drop_table('audit_event')
