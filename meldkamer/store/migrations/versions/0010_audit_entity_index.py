"""Audit events found by their entity: CAP alerts are kept as audit events (entity
``cap_alert``) and the workstation lists those in force every minute; without an index that
scans the whole trail.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_event_entity", "audit_event", ["entity", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_entity", table_name="audit_event")
