"""Open assignments found through a plain (unit_id, cleared_at) index, not a partial one.

The partial index of 0004 needs dialect options (sqlite_where, postgresql_where) on the
model, and naming the PostgreSQL option loads SQLAlchemy's whole PostgreSQL dialect, about
50 ms on every start of a SQLite workstation's CLI. ``unit_id = ? AND cleared_at IS NULL``
seeks the composite index just as fast on both databases.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assignment_unit_cleared", "assignment", ["unit_id", "cleared_at"])
    op.drop_index("ix_assignment_open_unit", table_name="assignment")


def downgrade() -> None:
    op.create_index(
        "ix_assignment_open_unit", "assignment", ["unit_id"],
        sqlite_where=sa.text("cleared_at IS NULL"),
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    op.drop_index("ix_assignment_unit_cleared", table_name="assignment")
