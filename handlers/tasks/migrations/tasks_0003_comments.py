"""comment threads on tasks

Revision ID: tasks_0003
Revises: tasks_0002
Create Date: 2026-12-04 18:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tasks_0003"
down_revision: str | Sequence[str] | None = "tasks_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_comments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=60), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("task_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["task_tasks.id"], name=op.f("fk_task_comments_task_id_task_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_comments")),
    )
    op.create_index("ix_task_comments_task_created", "task_comments", ["task_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_task_comments_task_created", table_name="task_comments")
    op.drop_table("task_comments")
