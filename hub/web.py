"""The web kit every module API uses: the hub of a request, a transaction, typed pages, domain errors.

A route reaches the running hub with `HubDep`, writes through `transaction(...)` (outbox published
after commit), returns lists as `Page[T]` read with `PageParams`, and lets services raise
`hub.errors.DomainError`: `install_error_handler` answers it with its status and Vietnamese message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from hub.errors import DomainError
from hub.runtime import Hub, Work

T = TypeVar("T")
MAX_PAGE = 500
DEFAULT_PAGE = 50


def hub_of(request: Request) -> Hub:
    """The running hub behind the app that serves this request."""
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(hub_of)]


@asynccontextmanager
async def transaction(request: Request, source: str, user_id: str | None = None) -> AsyncIterator[Work]:
    """One database transaction of a request; messages emitted in it leave through the outbox."""
    async with hub_of(request).transaction(source=source, user_id=user_id) as unit:
        yield unit


class PageParams(BaseModel):
    """Which slice of a list the caller asked for (`?limit=&offset=`)."""

    limit: int = DEFAULT_PAGE
    offset: int = 0


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page")] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, description="rows skipped")] = 0,
) -> PageParams:
    """Read `limit` and `offset` from the query string, bounded."""
    return PageParams(limit=limit, offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """One page of a list: the rows, how many there are in all, and which slice this is."""

    items: list[T]
    total: int = Field(ge=0)
    limit: int = Field(ge=1)
    offset: int = Field(ge=0)

    @classmethod
    def of(cls, items: list[T], total: int, params: PageParams) -> Page[T]:
        """A page of `items` out of `total`, as asked by `params`."""
        return cls(items=items, total=total, limit=params.limit, offset=params.offset)

    @classmethod
    def whole(cls, items: list[T], params: PageParams) -> Page[T]:
        """Slice an in-memory list (small lists computed whole) into the asked page."""
        chunk = items[params.offset : params.offset + params.limit]
        return cls(items=chunk, total=len(items), limit=params.limit, offset=params.offset)


def install_error_handler(app: FastAPI) -> None:
    """Answer every `DomainError` with its status and `{"detail": message}` (plus the field, if any)."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        body: dict[str, str] = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return JSONResponse(body, status_code=exc.status)


M = TypeVar("M")


def module_of(request: Request, name: str, kind: type[M]) -> M:
    """The `name` module of this request's hub, checked to be a `kind` (for a router's dependencies)."""
    found = hub_of(request).module(name)
    if not isinstance(found, kind):
        raise TypeError(f"module {name!r} is a {type(found).__name__}, not a {kind.__name__}")
    return found
