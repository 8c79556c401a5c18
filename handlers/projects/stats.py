"""Registry statistics: projects, capital in VND and USD, by country, sector, district or year."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.projects.models import Project

Dimension = Literal["country", "sector", "district", "year", "funding", "status"]
DIMENSIONS = {
    "country": Project.country,
    "sector": Project.sector,
    "district": Project.district,
    "year": Project.issued_year,
    "funding": Project.funding,
    "status": Project.status,
}


class StatsRow(BaseModel):
    """One value of the dimension (a country, a year, ...): how many projects, how much capital and land."""

    key: str | int | None
    projects: int
    capital_vnd: int
    capital_usd: int
    land_area_m2: float


class StatsReport(BaseModel):
    """The rows of one dimension, largest capital first, and their totals."""

    by: Dimension
    rows: list[StatsRow]
    projects: int
    capital_vnd: int
    capital_usd: int


async def grouped(
    session: AsyncSession, by: str, funding: str | None = None, status: str | None = None
) -> list[StatsRow]:
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
        StatsRow(
            key=r.key,
            projects=int(r.projects),
            capital_vnd=int(r.capital_vnd or 0),
            capital_usd=int(r.capital_usd or 0),
            land_area_m2=round(float(r.land_area_m2 or 0), 1),
        )
        for r in await session.execute(q)
    ]
    return sorted(rows, key=lambda r: (-r.capital_vnd, str(r.key)))


async def report(
    session: AsyncSession, by: Dimension, funding: str | None = None, status: str | None = None
) -> StatsReport:
    """The grouped rows of one dimension with their totals."""
    rows = await grouped(session, by, funding, status)
    return StatsReport(
        by=by,
        rows=rows,
        projects=sum(r.projects for r in rows),
        capital_vnd=sum(r.capital_vnd for r in rows),
        capital_usd=sum(r.capital_usd for r in rows),
    )
