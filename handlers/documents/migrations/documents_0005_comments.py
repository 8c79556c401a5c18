"""comment threads on documents

Revision ID: documents_0005
Revises: documents_0004
Create Date: 2026-12-04 18:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "documents_0005"
down_revision: str | Sequence[str] | None = "documents_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "doc_comments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=60), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["doc_documents.id"], name=op.f("fk_doc_comments_document_id_doc_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doc_comments")),
    )
    op.create_index(
        "ix_doc_comments_document_created", "doc_comments", ["document_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_doc_comments_document_created", table_name="doc_comments")
    op.drop_table("doc_comments")
