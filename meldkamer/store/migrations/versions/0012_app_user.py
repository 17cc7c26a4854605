"""The people who log in: users with a role and an argon2 password hash.

Revision ID: 0012
Revises: 0011

``password_hash`` is an argon2id hash (argon2-cffi); the password itself is never stored.
``failed_logins`` and ``locked_until`` slow down guessing. A user is never deleted (the
audit trail names them): ``active`` false ends their access.

``login_token`` holds the CLI's logins (``meldkamer login``): only the SHA-256 of each token
(32 random bytes, so a plain hash suffices), whose user it is and when it expires.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=60), nullable=False, unique=True),
        sa.Column("full_name", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_table(
        "login_token",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("user_name", sa.String(length=60), nullable=False),
        sa.Column("workstation", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_token_user_name", "login_token", ["user_name"])


def downgrade() -> None:
    op.drop_index("ix_login_token_user_name", table_name="login_token")
    op.drop_table("login_token")
    op.drop_table("app_user")
