"""Demo organisation chart for `make run`: the department's units and one account per role."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from hub.auth import hash_password
from hub.db import Database
from hub.orgchart import ADMIN, CLERK, LEADER, OFFICER, OPERATOR, UNIT_HEAD, VIEWER, Unit, User

UNITS = [
    ("BGD", "Ban Giám đốc", None),
    ("VP", "Văn phòng Sở", None),
    ("TH", "Phòng Tổng hợp, Quy hoạch", None),
    ("DNDT", "Phòng Đăng ký đầu tư", None),
    ("DKKD", "Phòng Đăng ký kinh doanh", None),
    ("TTr", "Thanh tra Sở", None),
]

# username, full name, position, unit, roles
STAFF = [
    ("giamdoc", "Nguyễn Văn Hùng", "Giám đốc Sở", "BGD", [LEADER]),
    ("phogiamdoc", "Trần Thị Lan", "Phó Giám đốc Sở", "BGD", [LEADER]),
    ("vanthu", "Lê Thị Hoa", "Văn thư", "VP", [CLERK]),
    ("chanhvanphong", "Phạm Minh Đức", "Chánh Văn phòng", "VP", [UNIT_HEAD]),
    ("truongphongth", "Đỗ Quang Vinh", "Trưởng phòng Tổng hợp", "TH", [UNIT_HEAD]),
    ("chuyenvien", "Vũ Thị Mai", "Chuyên viên", "TH", [OFFICER]),
    ("chuyenvien2", "Hoàng Văn Nam", "Chuyên viên", "DNDT", [OFFICER]),
    ("truongphongdt", "Bùi Thanh Tùng", "Trưởng phòng Đăng ký đầu tư", "DNDT", [UNIT_HEAD]),
    ("vanhanh", "Ngô Thị Thu", "Cán bộ vận hành", "VP", [OPERATOR, VIEWER]),
    ("quantri", "Đặng Quốc Anh", "Quản trị hệ thống", "VP", [ADMIN, OPERATOR, VIEWER]),
]


async def seed_demo(db: Database, password: str | None = None) -> str | None:
    """Create the demo chart when no account exists; return the shared demo password, or None."""
    async with db.session() as s:
        if await s.scalar(select(func.count()).select_from(User)):
            return None
        password = password or secrets.token_urlsafe(9)
        hashed = hash_password(password)
        for uid, name, parent in UNITS:
            s.add(Unit(id=uid, name=name, parent_id=parent))
        await s.flush()
        for username, full_name, position, unit, roles in STAFF:
            s.add(
                User(
                    id=username,
                    username=username,
                    full_name=full_name,
                    position=position,
                    unit_id=unit,
                    roles=roles,
                    email=f"{username}@skhdt.hanoi.gov.vn",
                    password_hash=hashed,
                )
            )
        await s.flush()
        for unit_id, head in (
            ("BGD", "giamdoc"),
            ("VP", "chanhvanphong"),
            ("TH", "truongphongth"),
            ("DNDT", "truongphongdt"),
        ):
            (await s.get(Unit, unit_id)).head_user_id = head  # type: ignore[union-attr]
    return password
