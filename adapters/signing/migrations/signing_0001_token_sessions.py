"""signing tables: token signing sessions

Revision ID: signing_0001
Revises:
Create Date: 2026-12-10 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "signing_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("signing",)
depends_on: str | Sequence[str] | None = "hub_0002"


def upgrade() -> None:
    op.create_table(
        "sign_token_sessions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("document_id", sa.String(length=120), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("original", sa.JSON(), nullable=False),
        sa.Column("prepared", sa.JSON(), nullable=False),
        sa.Column("signed_attrs", sa.LargeBinary(), nullable=False),
        sa.Column("document_digest", sa.LargeBinary(), nullable=False),
        sa.Column("reserved_start", sa.Integer(), nullable=False),
        sa.Column("reserved_end", sa.Integer(), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=False),
        sa.Column("certificate_check", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed", sa.JSON(), nullable=True),
        sa.Column("signer_subject", sa.String(length=500), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_token_sessions")),
    )
    with op.batch_alter_table("sign_token_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_sign_token_sessions_owner", ["owner"], unique=False)
        batch_op.create_index("ix_sign_token_sessions_due", ["state", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_token_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_token_sessions_due")
        batch_op.drop_index("ix_sign_token_sessions_owner")
    op.drop_table("sign_token_sessions")
