"""Log lines keep their English template and fields, so each reader sees their language.

Revision ID: 0007
Revises: 0006

Lines written before this revision have no template: they are shown as they were
written (in Dutch, the room's language then).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("log_entry", sa.Column("template", sa.Text(), nullable=True))
    op.add_column("log_entry", sa.Column("fields", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    op.drop_column("log_entry", "fields")
    op.drop_column("log_entry", "template")
