"""session versions on accounts (logout and password change end every session) and the login throttle

Revision ID: hub_0005
Revises: hub_0004
Create Date: 2026-12-03 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0005"
down_revision: str | Sequence[str] | None = "hub_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_users") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "hub_login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hub_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("hub_login_throttle")
    with op.batch_alter_table("hub_users") as batch:
        batch.drop_column("session_version")
