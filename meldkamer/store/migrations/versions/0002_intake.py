"""Intake support: caller flags, database facts (training or live), location index.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caller_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_caller_flag_number", "caller_flag", ["number"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.execute("INSERT INTO meta (key, value) VALUES ('kind', 'live')")
    op.create_index("ix_incident_lat_lon", "incident", ["lat", "lon"])


def downgrade() -> None:
    op.drop_index("ix_incident_lat_lon", table_name="incident")
    op.drop_table("meta")
    op.drop_index("ix_caller_flag_number", table_name="caller_flag")
    op.drop_table("caller_flag")
