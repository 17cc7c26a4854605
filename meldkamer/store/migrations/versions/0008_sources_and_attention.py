"""Log lines carry their source; incidents keep their attention acknowledgements.

Revision ID: 0008
Revises: 0007

``log_entry.source_kind`` and ``source_detail`` say who or what wrote a line (the
operator, a radio with its callsign and ISSI, the simulator, a scenario, the system).
The table is append-only (a trigger refuses UPDATE): adding a column does not update a
row, and lines written before this revision keep NULL, "not recorded", and are shown
with their user as before. Audit events carry their source inside their data, which
the hash already covers, so the chain of old and new events verifies unchanged.

``incident.unattended_ack_at`` and ``overdue_ack_at``: when an operator last
acknowledged each attention flag; ``attention_noted``: the codes the system last logged
as raised, so the flag is logged once however many workstations watch.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("log_entry", sa.Column("source_kind", sa.String(length=20), nullable=True))
    op.add_column("log_entry", sa.Column("source_detail", sa.String(length=120),
                                         nullable=True))
    op.add_column("incident", sa.Column("unattended_ack_at", sa.DateTime(timezone=True),
                                        nullable=True))
    op.add_column("incident", sa.Column("overdue_ack_at", sa.DateTime(timezone=True),
                                        nullable=True))
    op.add_column("incident", sa.Column("attention_noted", sa.String(length=40),
                                        nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("incident", "attention_noted")
    op.drop_column("incident", "overdue_ack_at")
    op.drop_column("incident", "unattended_ack_at")
    op.drop_column("log_entry", "source_detail")
    op.drop_column("log_entry", "source_kind")
