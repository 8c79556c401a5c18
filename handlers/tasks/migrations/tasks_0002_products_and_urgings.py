"""Decree 335/2025 products and typed urging: product weight, delay causes, judgements, urgings

Revision ID: tasks_0002
Revises: tasks_0001
Create Date: 2026-12-03 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tasks_0002"
down_revision: str | Sequence[str] | None = "tasks_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task_tasks", schema=None) as batch_op:
        # tasks from before: one standard product each
        batch_op.add_column(sa.Column("product_weight", sa.Float(), nullable=False, server_default="1"))

    op.create_table(
        "task_delay_causes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("given_by", sa.String(length=40), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task_tasks.id"], name=op.f("fk_task_delay_causes_task_id_task_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_delay_causes")),
    )
    with op.batch_alter_table("task_delay_causes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_delay_causes_task_id"), ["task_id"], unique=False)

    op.create_table(
        "task_assessments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(length=40), nullable=False),
        sa.Column("quality_errors", sa.Integer(), nullable=False),
        sa.Column("quality_errors_excused", sa.Integer(), nullable=False),
        sa.Column("excused_reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("assessed_by", sa.String(length=40), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task_tasks.id"], name=op.f("fk_task_assessments_task_id_task_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_assessments")),
    )
    with op.batch_alter_table("task_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_assessments_task_id"), ["task_id"], unique=False)

    op.create_table(
        "task_urgings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=40), nullable=True),
        sa.Column("by_user_id", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task_tasks.id"], name=op.f("fk_task_urgings_task_id_task_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_urgings")),
    )
    with op.batch_alter_table("task_urgings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_urgings_task_id"), ["task_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_urgings_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_task_urgings_unit_time", ["unit_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_urgings", schema=None) as batch_op:
        batch_op.drop_index("ix_task_urgings_unit_time")
        batch_op.drop_index(batch_op.f("ix_task_urgings_user_id"))
        batch_op.drop_index(batch_op.f("ix_task_urgings_task_id"))
    op.drop_table("task_urgings")
    with op.batch_alter_table("task_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_assessments_task_id"))
    op.drop_table("task_assessments")
    with op.batch_alter_table("task_delay_causes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_delay_causes_task_id"))
    op.drop_table("task_delay_causes")
    with op.batch_alter_table("task_tasks", schema=None) as batch_op:
        batch_op.drop_column("product_weight")
