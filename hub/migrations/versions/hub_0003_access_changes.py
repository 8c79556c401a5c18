"""pending changes of access rights (four-eyes)

Revision ID: hub_0003
Revises: hub_0002
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0003"
down_revision: str | Sequence[str] | None = "hub_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_access_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["hub_users.id"], name=op.f("fk_hub_access_changes_user_id_hub_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_access_changes")),
    )
    op.create_index(op.f("ix_hub_access_changes_user_id"), "hub_access_changes", ["user_id"], unique=False)
    op.create_index(op.f("ix_hub_access_changes_status"), "hub_access_changes", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_access_changes_status"), table_name="hub_access_changes")
    op.drop_index(op.f("ix_hub_access_changes_user_id"), table_name="hub_access_changes")
    op.drop_table("hub_access_changes")
