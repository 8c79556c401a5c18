"""One search box over documents, my tasks and people, with or without diacritics."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from portal.staff.client import Api
from portal.staff.kit import WHOLE, Who, db_of, render
from portal.staff.people import chart, fold, search_people

router = APIRouter(prefix="/staff", include_in_schema=False)


def _matching(rows: list[dict[str, Any]], q: str) -> list[dict[str, Any]]:
    """Rows holding every word of q somewhere in their fields, diacritics ignored."""
    words = fold(q).split()
    return [r for r in rows if all(w in fold(json.dumps(r, ensure_ascii=False)) for w in words)]


@router.get("/tim-kiem", response_class=HTMLResponse)
async def search(request: Request, who: Who, q: str = "") -> HTMLResponse:
    docs: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    found_dossiers: list[dict[str, Any]] = []
    if q.strip():
        async with Api(request) as api:
            doc_answer, task_answer, dossier_answer = await api.many(
                f"/documents?q={quote(q)}&limit=50",
                f"/tasks?scope=mine&limit={WHOLE}",
                f"/documents/dossiers?q={quote(q)}&limit=50",
            )
        docs = doc_answer.items
        found_dossiers = dossier_answer.items
        tasks = _matching(task_answer.items, q)
        units, users = await chart(db_of(request))
        people = search_people(users, units, q)
    return render(
        request,
        "search.html",
        who,
        title="Tìm kiếm",
        q=q,
        docs=docs,
        tasks=tasks,
        people=people,
        dossiers=found_dossiers,
    )
