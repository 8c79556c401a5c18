"""why a document's files are not in the full-text index

Revision ID: documents_0004
Revises: documents_0003
Create Date: 2026-12-04 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "documents_0004"
down_revision: str | Sequence[str] | None = "documents_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("doc_documents") as batch:
        batch.add_column(sa.Column("index_note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("doc_documents") as batch:
        batch.drop_column("index_note")
