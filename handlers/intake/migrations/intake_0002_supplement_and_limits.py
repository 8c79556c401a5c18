"""the supplement request (once, every item at once) on the dossier; shared rate-limit counters

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-12-20 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intake_0002"
down_revision: str | Sequence[str] | None = "intake_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("intake_dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supplement_items", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("supplement_requested_on", sa.Date(), nullable=True))
    op.create_table(
        "intake_rate_counts",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("slot", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", "slot", name=op.f("pk_intake_rate_counts")),
    )
    with op.batch_alter_table("intake_rate_counts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_rate_counts_expires"), ["expires"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intake_rate_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_rate_counts_expires"))
    op.drop_table("intake_rate_counts")
    with op.batch_alter_table("intake_dossiers", schema=None) as batch_op:
        batch_op.drop_column("supplement_requested_on")
        batch_op.drop_column("supplement_items")
