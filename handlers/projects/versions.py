"""Versioned writes of the registry: register (version 1), adjust (a new version naming what changed),
status changes, and the bulk upsert of an import. Refusals are `hub.errors` domain errors."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.projects.models import Project, ProjectVersion
from hub.errors import Conflict, NotFound
from hub.runtime import Work
from schemas.projects import STATUS_LABELS, ProjectData

LOOKUP_BATCH = 500  # codes per `IN (...)` when an import looks up the projects it already has


def _snapshot(p: Project, data: ProjectData, when: datetime) -> None:
    p.code = data.code
    p.name = data.name
    p.funding = data.funding
    p.status = data.status
    p.district = data.district
    p.sector = data.sector
    p.country = data.country
    p.certificate_number = data.certificate_number
    p.first_issued_on = data.first_issued_on
    p.issued_year = data.first_issued_on.year
    p.adjusted_on = data.adjusted_on
    p.land_area_m2 = data.land_area_m2
    p.capital_vnd = data.capital_vnd
    p.capital_usd = data.capital_usd
    p.data = data.model_dump(mode="json")
    p.updated_at = when


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The fields whose values differ between two versions' data, sorted."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


async def find(session: AsyncSession, code: str) -> Project:
    """The project with this code (NotFound otherwise)."""
    p = (await session.execute(select(Project).where(Project.code == code))).scalar_one_or_none()
    if p is None:
        raise NotFound(f"Không tìm thấy dự án mã {code}")
    return p


async def register(tx: Work, data: ProjectData, *, when: datetime, by: str | None) -> Project:
    """Enter a new project (version 1)."""
    if (await tx.session.execute(select(Project.id).where(Project.code == data.code))).first():
        raise Conflict(
            f"Mã dự án {data.code} đã có trong danh mục; dùng điều chỉnh để thay đổi", field="code"
        )
    p = _fresh(data, when)
    tx.session.add(p)
    try:
        await tx.session.flush()
    except IntegrityError:  # a concurrent registration of the same code committed first
        raise Conflict(f"Mã dự án {data.code} đã có", field="code") from None
    tx.session.add(ProjectVersion(**_first_version(p, when, by)))
    await _announce(tx, p)
    return p


def _fresh(data: ProjectData, when: datetime) -> Project:
    p = Project(id=str(uuid.uuid4()), version=1)
    _snapshot(p, data, when)
    return p


def _first_version(p: Project, when: datetime, by: str | None) -> dict[str, Any]:
    return {
        "project_id": p.id,
        "version": 1,
        "kind": "registered",
        "data": p.data,
        "changed": [],
        "reason": "",
        "at": when,
        "by": by,
    }


async def _announce(tx: Work, p: Project) -> None:
    await tx.emit("project.registered", {"project": p.data, "version": 1}, issue=f"project:{p.code}")


async def adjust(
    tx: Work,
    p: Project,
    data: ProjectData,
    *,
    when: datetime,
    by: str | None,
    reason: str,
    kind: str = "adjusted",
) -> list[str]:
    """Record an adjustment as a new version; the fields that changed are returned (empty: nothing to do)."""
    if data.code != p.code:
        raise Conflict(
            f"Không được đổi mã dự án ({p.code} -> {data.code}): mã dự án là duy nhất suốt đời dự án"
        )
    new = data.model_dump(mode="json")
    changed = changed_fields(p.data, new)
    if not changed:
        return []
    old_status = p.status
    p.version += 1
    _snapshot(p, data, when)
    tx.session.add(
        ProjectVersion(
            project_id=p.id,
            version=p.version,
            kind=kind,
            data=new,
            changed=changed,
            reason=reason,
            at=when,
            by=by,
        )
    )
    issue = f"project:{p.code}"
    if changed == ["status"]:
        await tx.emit(
            "project.status_changed",
            {
                "code": p.code,
                "version": p.version,
                "old_status": old_status,
                "new_status": data.status,
                "on": when.date(),
                "reason": reason,
            },
            issue=issue,
        )
    else:
        await tx.emit(
            "project.adjusted",
            {"project": new, "version": p.version, "changed": changed, "reason": reason},
            issue=issue,
        )
    return changed


async def set_status(
    tx: Work, p: Project, status: str, *, on: date, when: datetime, by: str | None, reason: str
) -> None:
    """Suspend, resume or terminate: a new version of kind `status` (a terminated project stays so)."""
    if p.status == status:
        raise Conflict(f"Dự án {p.code} đã ở trạng thái '{STATUS_LABELS.get(status, status)}'")
    if p.status == "terminated":
        raise Conflict(f"Dự án {p.code} đã chấm dứt hoạt động, không thể đổi trạng thái")
    data = ProjectData.model_validate({**p.data, "status": status})
    await adjust(tx, p, data, when=when, by=by, reason=reason, kind="status")


class ImportCounts(TypedDict):
    """What an import did: new codes registered, differing rows adjusted, equal rows left alone."""

    registered: int
    adjusted: int
    unchanged: int


async def import_projects(
    tx: Work, items: list[ProjectData], *, when: datetime, by: str | None, insert_batch: int = 1000
) -> ImportCounts:
    """Upsert by project code: new codes registered, differing ones adjusted, equal ones left alone."""
    existing = await _existing(tx.session, [d.code for d in items])
    counts = ImportCounts(registered=0, adjusted=0, unchanged=0)
    new_projects: list[dict[str, Any]] = []
    new_versions: list[dict[str, Any]] = []
    for data in items:
        p = existing.get(data.code)
        if p is None:
            fresh = _fresh(data, when)
            existing[data.code] = fresh
            new_projects.append({c.key: getattr(fresh, c.key) for c in Project.__table__.columns})
            new_versions.append(_first_version(fresh, when, by))
            await _announce(tx, fresh)
            counts["registered"] += 1
        elif await adjust(tx, p, data, when=when, by=by, reason="Nhập từ tệp Excel"):
            counts["adjusted"] += 1
        else:
            counts["unchanged"] += 1
    for start in range(0, len(new_projects), insert_batch):  # thousands of rows in a few statements
        await tx.session.execute(insert(Project), new_projects[start : start + insert_batch])
        await tx.session.execute(insert(ProjectVersion), new_versions[start : start + insert_batch])
    return counts


async def _existing(session: AsyncSession, codes: list[str]) -> dict[str, Project]:
    """The projects the registry already has among these codes, by code."""
    found: dict[str, Project] = {}
    for start in range(0, len(codes), LOOKUP_BATCH):
        q = select(Project).where(Project.code.in_(codes[start : start + LOOKUP_BATCH]))
        found.update({p.code: p for p in (await session.execute(q)).scalars()})
    return found
