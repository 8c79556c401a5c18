"""receipt codes, limitation date, refusal grounds, evidence files, shared rate-limit counters

Revision ID: complaints_0002
Revises: complaints_0001
Create Date: 2026-12-20 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "complaints_0002"
down_revision: str | Sequence[str] | None = "complaints_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cmp_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_code", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("decision_known_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("rejected_ground", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_cmp_cases_receipt_code"), ["receipt_code"])
    with op.batch_alter_table("cmp_notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("files", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "cmp_rate_counts",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("slot", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", "slot", name=op.f("pk_cmp_rate_counts")),
    )
    with op.batch_alter_table("cmp_rate_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cmp_rate_counts_expires"), ["expires"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cmp_rate_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cmp_rate_counts_expires"))
    op.drop_table("cmp_rate_counts")
    with op.batch_alter_table("cmp_notes", schema=None) as batch_op:
        batch_op.drop_column("files")
    with op.batch_alter_table("cmp_cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cmp_cases_receipt_code"), type_="unique")
        batch_op.drop_column("rejected_ground")
        batch_op.drop_column("decision_known_on")
        batch_op.drop_column("receipt_code")
