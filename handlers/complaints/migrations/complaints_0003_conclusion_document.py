"""the conclusion's outgoing document (numbered, sealed and issued by the documents module)

Revision ID: complaints_0003
Revises: complaints_0002
Create Date: 2026-12-05 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "complaints_0003"
down_revision: str | Sequence[str] | None = "complaints_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cmp_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conclusion_document_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cmp_cases", schema=None) as batch_op:
        batch_op.drop_column("conclusion_document_id")
