"""Registry operations: register, adjust (a new version with what changed), status, bulk import."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select

from handlers.projects.models import Project, ProjectVersion
from hub.runtime import Unit
from schemas.projects import ProjectData


class RegistryError(Exception):
    """A request the registry refuses; the message is Vietnamese."""

    status_code = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProjectNotFound(RegistryError):
    status_code = 404


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
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


async def find(tx_session: Any, code: str) -> Project:
    p = (await tx_session.execute(select(Project).where(Project.code == code))).scalar_one_or_none()
    if p is None:
        raise ProjectNotFound(f"Không tìm thấy dự án mã {code}")
    found: Project = p
    return found


async def register(
    tx: Unit, data: ProjectData, *, when: datetime, by: str | None, emit: bool = True
) -> Project:
    """Enter a new project (version 1)."""
    if (await tx.session.execute(select(Project.id).where(Project.code == data.code))).first():
        raise RegistryError(f"Mã dự án {data.code} đã có trong danh mục; dùng điều chỉnh để thay đổi")
    return await _register(tx, data, when=when, by=by)


async def _register(tx: Unit, data: ProjectData, *, when: datetime, by: str | None) -> Project:
    p = Project(id=str(uuid.uuid4()), version=1)
    _snapshot(p, data, when)
    tx.session.add(p)
    tx.session.add(
        ProjectVersion(
            project_id=p.id, version=1, kind="registered", data=p.data, changed=[], reason="", at=when, by=by
        )
    )
    await tx.emit("project.registered", {"project": p.data, "version": 1}, issue=f"project:{data.code}")
    return p


async def adjust(
    tx: Unit,
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
        raise RegistryError(
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
    tx: Unit, p: Project, status: str, *, on: date, when: datetime, by: str | None, reason: str
) -> None:
    if p.status == status:
        raise RegistryError(f"Dự án {p.code} đã ở trạng thái {status}")
    if p.status == "terminated":
        raise RegistryError(f"Dự án {p.code} đã chấm dứt hoạt động, không thể đổi trạng thái")
    data = ProjectData.model_validate({**p.data, "status": status})
    await adjust(tx, p, data, when=when, by=by, reason=reason, kind="status")


async def import_projects(
    tx: Unit, items: list[ProjectData], *, when: datetime, by: str | None
) -> dict[str, int]:
    """Upsert by project code: new codes registered, differing ones adjusted, equal ones left alone."""
    codes = [d.code for d in items]
    existing: dict[str, Project] = {}
    for start in range(0, len(codes), 500):
        q = select(Project).where(Project.code.in_(codes[start : start + 500]))
        existing.update({p.code: p for p in (await tx.session.execute(q)).scalars()})
    counts = {"registered": 0, "adjusted": 0, "unchanged": 0}
    new_projects: list[dict[str, Any]] = []
    new_versions: list[dict[str, Any]] = []
    for data in items:
        p = existing.get(data.code)
        if p is None:
            fresh = Project(id=str(uuid.uuid4()), version=1)
            _snapshot(fresh, data, when)
            existing[data.code] = fresh
            new_projects.append({c.key: getattr(fresh, c.key) for c in Project.__table__.columns})
            new_versions.append(
                {
                    "project_id": fresh.id,
                    "version": 1,
                    "kind": "registered",
                    "data": fresh.data,
                    "changed": [],
                    "reason": "",
                    "at": when,
                    "by": by,
                }
            )
            await tx.emit(
                "project.registered", {"project": fresh.data, "version": 1}, issue=f"project:{data.code}"
            )
            counts["registered"] += 1
        elif await adjust(tx, p, data, when=when, by=by, reason="Nhập từ tệp Excel"):
            counts["adjusted"] += 1
        else:
            counts["unchanged"] += 1
    for start in range(0, len(new_projects), 1000):  # bulk insert: thousands of rows in a few statements
        await tx.session.execute(insert(Project), new_projects[start : start + 1000])
        await tx.session.execute(insert(ProjectVersion), new_versions[start : start + 1000])
    return counts
