"""Who may change the department's evaluation settings: the refusal shared by the leaders' steps.

Who sees which assessment is decided in `service.py` (`may_see`, `may_review`) and `periods.py`
(`group_to_handle`); the README's "Access rules" table is the summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.errors import Forbidden
from hub.orgchart import LEADER

if TYPE_CHECKING:
    from hub.auth import Principal


def require_leader(p: Principal, step: str) -> None:
    """Refuse (403) anyone but a leader of the department the step `step` (Vietnamese words)."""
    if not p.has(LEADER):
        raise Forbidden(f"Chỉ lãnh đạo Sở được {step}")
