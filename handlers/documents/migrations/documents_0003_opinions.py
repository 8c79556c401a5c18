"""requests for opinions on a document and their answers

Revision ID: documents_0003
Revises: documents_0002
Create Date: 2026-12-04 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "documents_0003"
down_revision: str | Sequence[str] | None = "documents_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "doc_opinion_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("asked_by", sa.String(length=60), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit_ids", sa.JSON(), nullable=False),
        sa.Column("extensions", sa.JSON(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["doc_documents.id"],
            name=op.f("fk_doc_opinion_requests_document_id_doc_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doc_opinion_requests")),
    )
    with op.batch_alter_table("doc_opinion_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_doc_opinion_requests_document_id"), ["document_id"], unique=False
        )
    op.create_table(
        "doc_opinions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=60), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["doc_opinion_requests.id"],
            name=op.f("fk_doc_opinions_request_id_doc_opinion_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doc_opinions")),
        sa.UniqueConstraint("request_id", "user_id", name="uq_doc_opinions_request_user"),
    )
    with op.batch_alter_table("doc_opinions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_doc_opinions_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_doc_opinions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("doc_opinions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doc_opinions_user_id"))
        batch_op.drop_index(batch_op.f("ix_doc_opinions_request_id"))
    op.drop_table("doc_opinions")
    with op.batch_alter_table("doc_opinion_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doc_opinion_requests_document_id"))
    op.drop_table("doc_opinion_requests")
