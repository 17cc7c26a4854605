"""Commands by their id: executing a command twice returns the first result.

Revision ID: 0011
Revises: 0010

Every change is a command with a UUID (``meldkamer.commands``). The transaction that runs
it stores a row here, in the same commit: its name, who executed it from which workstation,
the first audit sequence it wrote and its result. A second execution with the same id
(a retry after a lost reply, a journal replayed after an outage) finds the row and returns
the stored result instead of acting again; the primary key makes two racing executions
of one id commit at most once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "command_record",
        sa.Column("command_id", sa.String(length=36), primary_key=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("user", sa.String(length=60), nullable=False),
        sa.Column("workstation", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
    )
    op.create_index("ix_command_record_seq", "command_record", ["seq"])


def downgrade() -> None:
    op.drop_index("ix_command_record_seq", table_name="command_record")
    op.drop_table("command_record")
