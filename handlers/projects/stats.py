"""Registry statistics: projects, capital in VND and USD, by country, sector, district or year."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.projects.models import Project

DIMENSIONS = {
    "country": Project.country,
    "sector": Project.sector,
    "district": Project.district,
    "year": Project.issued_year,
    "funding": Project.funding,
    "status": Project.status,
}


async def grouped(
    session: AsyncSession, by: str, funding: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """One row per value of the dimension: count, capital VND and USD, land area; largest capital first."""
    column = DIMENSIONS[by]
    q = select(
        column.label("key"),
        func.count().label("projects"),
        func.sum(Project.capital_vnd).label("capital_vnd"),
        func.sum(Project.capital_usd).label("capital_usd"),
        func.sum(Project.land_area_m2).label("land_area_m2"),
    ).group_by(column)
    if funding:
        q = q.where(Project.funding == funding)
    if status:
        q = q.where(Project.status == status)
    rows = [
        {
            "key": r.key,
            "projects": int(r.projects),
            "capital_vnd": int(r.capital_vnd or 0),
            "capital_usd": int(r.capital_usd or 0),
            "land_area_m2": round(float(r.land_area_m2 or 0), 1),
        }
        for r in await session.execute(q)
    ]
    return sorted(rows, key=lambda r: (-r["capital_vnd"], str(r["key"])))
