"""Decree 335/2025 scores: product facts, points on assessments, unit confirmations, staff kind

Revision ID: evaluation_0002
Revises: evaluation_0001
Create Date: 2026-12-14 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "evaluation_0002"
down_revision: str | Sequence[str] | None = "evaluation_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ev_task_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_weight", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("quality_errors", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("quality_errors_excused", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("delay_cause", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("delay_confirmed_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("external_ref", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_ev_task_evidence_unit_id"), ["unit_id"], unique=False)

    with op.batch_alter_table("ev_assessments", schema=None) as batch_op:
        # rows from before Decree 335 were evaluated by levels (Decree 90/2020)
        batch_op.add_column(sa.Column("scheme", sa.String(length=8), nullable=False, server_default="nd90"))
        batch_op.add_column(sa.Column("general_self", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("general_points", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("general_note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("task_points_entered", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("task_note", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("disqualified", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("scored_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("total_points", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("scored_level", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "ev_period_units",
        sa.Column("cycle_id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=False),
        sa.Column("opened_by", sa.String(length=40), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=40), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cap", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("cycle_id", "unit_id", name=op.f("pk_ev_period_units")),
    )
    op.create_table(
        "ev_staff",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_ev_staff")),
    )


def downgrade() -> None:
    op.drop_table("ev_staff")
    op.drop_table("ev_period_units")
    with op.batch_alter_table("ev_assessments", schema=None) as batch_op:
        for name in (
            "confirmed_at",
            "scored_level",
            "total_points",
            "scored_by",
            "disqualified",
            "task_note",
            "task_points_entered",
            "general_note",
            "general_points",
            "general_self",
            "scheme",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("ev_task_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ev_task_evidence_unit_id"))
        for name in (
            "document_id",
            "external_ref",
            "source",
            "delay_confirmed_by",
            "delay_cause",
            "quality_errors_excused",
            "quality_errors",
            "product_weight",
        ):
            batch_op.drop_column(name)
