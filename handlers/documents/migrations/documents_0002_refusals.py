"""electronic documents refused at intake, for the clerk

Revision ID: documents_0002
Revises: documents_0001
Create Date: 2026-12-04 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "documents_0002"
down_revision: str | Sequence[str] | None = "documents_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "doc_refusals",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("axis", sa.String(length=10), nullable=False),
        sa.Column("from_code", sa.String(length=40), nullable=True),
        sa.Column("from_name", sa.String(length=200), nullable=True),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("edoc_document_id", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rejection_sent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doc_refusals")),
    )
    with op.batch_alter_table("doc_refusals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_doc_refusals_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("doc_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doc_refusals_at"))
    op.drop_table("doc_refusals")
