"""where the seal goes on a document another module prepared (its own layout)

Revision ID: documents_0007
Revises: documents_0006
Create Date: 2026-12-05 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "documents_0007"
down_revision: str | Sequence[str] | None = "documents_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("doc_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seal_box", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("doc_documents", schema=None) as batch_op:
        batch_op.drop_column("seal_box")
