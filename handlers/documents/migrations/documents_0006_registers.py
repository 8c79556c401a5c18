"""registers kept as data, and the abbreviations of the notation

Revision ID: documents_0006
Revises: documents_0005
Create Date: 2026-12-04 18:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "documents_0006"
down_revision: str | Sequence[str] | None = "documents_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    registers = op.create_table(
        "doc_registers",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("document_types", sa.JSON(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_doc_registers")),
    )
    op.create_table(
        "doc_notations",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("abbreviation", sa.String(length=30), nullable=False),
        sa.Column("updated_by", sa.String(length=60), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_doc_notations")),
    )
    at = datetime.now(UTC)
    # the two registers every office keeps, under the codes the documents already carry
    op.bulk_insert(
        registers,
        [
            {
                "code": "VBDEN",
                "name": "Sổ văn bản đến",
                "direction": "in",
                "document_types": [],
                "confidential": False,
                "active": True,
                "created_at": at,
            },
            {
                "code": "VBDI",
                "name": "Sổ văn bản đi",
                "direction": "out",
                "document_types": [],
                "confidential": False,
                "active": True,
                "created_at": at,
            },
        ],
    )


def downgrade() -> None:
    op.drop_table("doc_notations")
    op.drop_table("doc_registers")
