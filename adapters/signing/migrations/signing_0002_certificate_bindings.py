"""signing tables: USB token certificates bound to people

Revision ID: signing_0002
Revises: signing_0001
Create Date: 2026-12-03 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "signing_0002"
down_revision: str | Sequence[str] | None = "signing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_certificate_bindings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=120), nullable=False),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("bound_by", sa.String(length=120), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unbound_by", sa.String(length=120), nullable=True),
        sa.Column("unbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_certificate_bindings")),
    )
    op.create_index(
        "ix_sign_certificate_bindings_sha", "sign_certificate_bindings", ["certificate_sha256"], unique=False
    )
    op.create_index(
        op.f("ix_sign_certificate_bindings_user_id"), "sign_certificate_bindings", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("sign_certificate_bindings")
