"""Fault injection of the VDXP simulator: the faults shared by both axes' simulators
(`adapters/axis/simulation.py`), aimed by URL path (`paths`, e.g. `["/sendEdoc"]`, so polling does not
consume a fault meant for sending).
"""

from __future__ import annotations

from pydantic import Field

from adapters.axis import simulation as shared


class FaultSpec(shared.FaultSpec):
    """A fault of the VDXP simulator, limited to some operations if `paths` is set."""

    paths: list[str] | None = Field(default=None, description="Only these operations, e.g. ['/sendEdoc']")

    def applies_to(self, call: str | None) -> bool:
        """Whether the fault strikes a call of this path (`/sendEdoc`, with or without a trailing slash);
        a call with no path (None) is struck by any fault."""
        if self.paths is None or call is None:
            return True
        wanted = {p.rstrip("/") or "/" for p in self.paths}
        return (call.rstrip("/") or "/") in wanted


Faults = shared.Faults[FaultSpec]
