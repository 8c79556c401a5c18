"""Comment threads (trao đổi) on a module's objects: a document, a task.

Each module keeps its comments in its own table (the mixin's columns and a foreign key to the object,
in the module's migration) and decides who may read and write the thread: whoever may read the object.
This file holds what every thread does alike: check and store a comment, read the thread with each
author's name and unit, and name the people already in the conversation (they are told of a new one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from hub.errors import Invalid
from hub.orgchart import Unit, User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

MAX_BODY = 4000
MAX_THREAD = 500  # comments read back at the most (the newest)


class CommentColumns:
    """The columns every comment table has; the module adds the foreign key to its object."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass
class CommentView:
    """One comment as the thread's readers see it."""

    id: str
    author_id: str
    author_name: str
    author_unit: str
    body: str
    created_at: datetime
    mine: bool


class CommentIn(BaseModel):
    """A new comment."""

    body: str = Field(min_length=1, max_length=MAX_BODY)


class CommentOut(BaseModel):
    """One comment of a thread, as the API answers it."""

    id: str
    author_id: str
    author_name: str
    author_unit: str
    body: str
    created_at: datetime
    mine: bool = Field(description="Written by the caller")


def out(views: list[CommentView]) -> list[CommentOut]:
    """The thread as the API answers it."""
    return [CommentOut.model_validate(v, from_attributes=True) for v in views]


def checked_body(text: str) -> str:
    """The comment's text, trimmed; empty or too long is refused, naming the limit."""
    body = text.strip()
    if not body:
        raise Invalid("Nội dung trao đổi không được để trống", field="body")
    if len(body) > MAX_BODY:
        raise Invalid(f"Nội dung trao đổi dài quá {MAX_BODY} ký tự", field="body")
    return body


def new_comment(table: Any, subject: str, subject_id: str, author_id: str, text: str) -> Any:
    """A row of `table` (a CommentColumns table whose object key is the column `subject`)."""
    return table(
        id=str(uuid.uuid4()),
        author_id=author_id,
        body=checked_body(text),
        created_at=datetime.now(UTC),
        **{subject: subject_id},
    )


def _with_authors(table: Any) -> Any:
    return (
        select(table, User.full_name, Unit.name)
        .outerjoin(User, User.id == table.author_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
    )


def _view(row: Any, name: str | None, unit: str | None, viewer_id: str) -> CommentView:
    return CommentView(
        id=row.id,
        author_id=row.author_id,
        author_name=name or "Cán bộ đã nghỉ",
        author_unit=unit or "",
        body=row.body,
        created_at=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
        mine=row.author_id == viewer_id,
    )


async def thread(
    session: AsyncSession, table: Any, subject: str, subject_id: str, viewer_id: str
) -> list[CommentView]:
    """The thread on one object, oldest first, with each author's name and unit."""
    stmt = (
        _with_authors(table)
        .where(getattr(table, subject) == subject_id)
        .order_by(table.created_at.desc(), table.id)
        .limit(MAX_THREAD)
    )
    rows = (await session.execute(stmt)).all()
    return [_view(row, name, unit, viewer_id) for row, name, unit in rows][::-1]


async def one(session: AsyncSession, table: Any, comment_id: str, viewer_id: str) -> CommentOut:
    """One comment (just written) as the API answers it."""
    await session.flush()
    row, name, unit = (await session.execute(_with_authors(table).where(table.id == comment_id))).one()
    return CommentOut.model_validate(_view(row, name, unit, viewer_id), from_attributes=True)


async def concerned(session: AsyncSession, wanted: set[str | None], author: str) -> list[str]:
    """The active people among `wanted` (ids, None skipped), never the author: whom a new comment tells."""
    ids = [i for i in wanted if i and i != author]
    if not ids:
        return []
    return sorted(await session.scalars(select(User.id).where(User.id.in_(ids), User.active)))


async def commenters(session: AsyncSession, table: Any, subject: str, subject_id: str) -> set[str]:
    """Everyone who has written in the thread."""
    rows = await session.scalars(select(table.author_id).where(getattr(table, subject) == subject_id))
    return set(rows)
