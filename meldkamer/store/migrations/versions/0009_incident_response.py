"""Per incident and discipline: first call, first unit dispatched, first unit on scene.

Revision ID: 0009
Revises: 0008

``incident_response`` holds, for each incident and each discipline dispatched to it, the
time its first call was taken, its first unit of that discipline was dispatched and its
first unit of that discipline reached the scene: the response-time figures
(``meldkamer.reports.kpi``) read these instead of the whole status history, so a year
of incidents is summed up in the database in well under a second. Backfilled here from
``unit_status_change`` (``dispatched``, ``on_scene``) and ``call``; kept since by the
transaction that writes the status history, with the three intervals in seconds
beside them (sorted and counted without parsing dates). ``ix_incident_created_at``: the figures
select a period of incidents by their creation time.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DISPATCHED = "dispatched"  # statuses.toml's dispatch_only status, as shipped
ON_SCENE = "on_scene"


def upgrade() -> None:
    op.create_table(
        "incident_response",
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("discipline", sa.String(length=20), nullable=False),
        sa.Column("call_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_scene_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processing_seconds", sa.Float(), nullable=True),
        sa.Column("travel_seconds", sa.Float(), nullable=True),
        sa.Column("total_seconds", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("incident_id", "discipline"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_incident_created_at", "incident", ["created_at"])
    op.execute(sa.text(
        "INSERT INTO incident_response (incident_id, discipline, dispatched_at, on_scene_at) "
        "SELECT h.incident_id, u.discipline, "
        "MIN(CASE WHEN h.to_status = :dispatched THEN h.at END), "
        "MIN(CASE WHEN h.to_status = :on_scene THEN h.at END) "
        "FROM unit_status_change h JOIN unit u ON u.id = h.unit_id "
        "WHERE h.incident_id IS NOT NULL AND h.to_status IN (:dispatched, :on_scene) "
        "GROUP BY h.incident_id, u.discipline"
    ).bindparams(dispatched=DISPATCHED, on_scene=ON_SCENE))
    op.execute(sa.text(
        "UPDATE incident_response SET call_at = (SELECT MIN(c.at) FROM call c "
        "WHERE c.incident_id = incident_response.incident_id)"
    ))
    sqlite = op.get_bind().dialect.name == "sqlite"

    def seconds(a: str, b: str) -> str:
        if sqlite:
            return f"ROUND((julianday({a}) - julianday({b})) * 86400.0, 3)"
        return f"EXTRACT(EPOCH FROM ({a} - {b}))"

    op.execute(sa.text(
        "UPDATE incident_response SET "
        f"processing_seconds = {seconds('dispatched_at', 'call_at')}, "
        f"travel_seconds = {seconds('on_scene_at', 'dispatched_at')}, "
        f"total_seconds = {seconds('on_scene_at', 'call_at')}"
    ))


def downgrade() -> None:
    op.drop_index("ix_incident_created_at", table_name="incident")
    op.drop_table("incident_response")
