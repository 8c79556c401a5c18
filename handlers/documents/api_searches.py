"""Documents API: the search's filters as one dependency, results exported to .pdf/.docx/.xlsx, and the
searches a person saved (Decree 30 App. VI I.III.6.e, g, h, k)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from handlers.documents import searches
from handlers.documents.api_common import FILE_RESPONSES, STAFF, download
from handlers.documents.search import ORDERS, SearchQuery
from hub.auth import CurrentPrincipal, require_roles
from hub.web import HubDep

router = APIRouter()
Order = Literal["newest", "oldest", "deadline", "subject", "number"]


def search_query(
    q: Annotated[
        str | None, Query(description="Words searched in metadata and full text, with or without diacritics")
    ] = None,
    direction: Literal["in", "out"] | None = None,
    status: str | None = None,
    deadline_status: str | None = None,
    year: int | None = None,
    addressed: Annotated[
        bool, Query(description="Only documents issued to the caller or their unit (internal delivery)")
    ] = False,
    register: Annotated[
        str | None, Query(description="Only the documents of this register (its code)")
    ] = None,
    order: Annotated[
        Order, Query(description="newest (default), oldest, deadline, subject, number")
    ] = "newest",
) -> SearchQuery:
    """The filters and the order of a documents search, from the query string."""
    return SearchQuery(
        q=q,
        direction=direction,
        status=status,
        deadline_status=deadline_status,
        year=year,
        addressed=addressed,
        register=register,
        order=order,
    )


SearchDep = Annotated[SearchQuery, Depends(search_query)]


@router.get("/export.{fmt}", dependencies=[require_roles(*STAFF)], responses=FILE_RESPONSES)
async def export_results(
    hub: HubDep, principal: CurrentPrincipal, query: SearchDep, fmt: Literal["pdf", "docx", "xlsx"]
) -> Response:
    """The documents a search finds, in its order, as a file marked with who exported it and when."""
    async with hub.db.session() as s:
        file = await searches.results_file(s, principal, query, fmt)
    return download(file)


class SavedSearch(BaseModel):
    """A search kept under a name: the documents list's filters."""

    name: str = Field(min_length=1, max_length=80)
    q: str = Field(default="", max_length=200)
    direction: Literal["", "in", "out"] = ""
    status: str = Field(default="", max_length=30)
    deadline_status: str = Field(default="", max_length=30)
    year: str = Field(default="", max_length=4, pattern=r"^(\d{4})?$")
    addressed: Literal["", "1"] = ""
    order: Literal["", "newest", "oldest", "deadline", "subject", "number"] = ""
    columns: str = Field(default="", max_length=100, pattern=r"^[a-z,]*$", description="Chosen list columns")


class SavedSearchOut(SavedSearch):
    order_label: str


def _out(kept: list[searches.Saved]) -> list[SavedSearchOut]:
    return [SavedSearchOut(**asdict(s), order_label=ORDERS.get(s.order or "newest", "")) for s in kept]


@router.get("/saved-searches", dependencies=[require_roles(*STAFF)])
async def list_saved(hub: HubDep, principal: CurrentPrincipal) -> list[SavedSearchOut]:
    """The caller's saved searches."""
    async with hub.db.session() as s:
        return _out(await searches.saved(s, principal))


@router.post("/saved-searches", status_code=201, dependencies=[require_roles(*STAFF)])
async def save_search(hub: HubDep, principal: CurrentPrincipal, body: SavedSearch) -> list[SavedSearchOut]:
    """Keep a search under a name (the same name replaces it); answers every saved search."""
    async with hub.db.session() as s:
        return _out(await searches.save(s, principal, searches.Saved(**body.model_dump())))


@router.delete("/saved-searches/{name}", dependencies=[require_roles(*STAFF)])
async def forget_search(hub: HubDep, principal: CurrentPrincipal, name: str) -> list[SavedSearchOut]:
    """Drop a saved search; answers those left."""
    async with hub.db.session() as s:
        return _out(await searches.forget(s, principal, name))
