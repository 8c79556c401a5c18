"""Fault injection of the LGSP simulator (chaos tests): a delay, an HTTP error or a dropped connection.

The faults shared by both axes' simulators (`adapters/axis/simulation.py`), aimed by SOAP operation. A fault
strikes before the request is handled (the axis never sees it) unless `after_processing` is set: then
the axis handles the request (a sent message is stored and delivered) and only the reply goes wrong:

- "store then drop the reply": `{"after_processing": true, "drop_connection": true}` (or a
  `status_code` such as 504, what a gateway in front of the axis answers);
- "answer after N seconds": `{"after_processing": true, "delay_seconds": N}` (N beyond the client's
  operation timeout, so the client gives up while the message is already stored).

`operations` limits a fault to some SOAP operations (e.g. `["SendDocument"]`, read from SOAPAction),
so polling does not consume it; `count` and `seconds` bound how long it lasts.
"""

from __future__ import annotations

from pydantic import Field

from adapters.axis import simulation as shared


class FaultSpec(shared.FaultSpec):
    """A fault of the LGSP simulator, limited to some SOAP operations if `operations` is set."""

    operations: list[str] | None = Field(
        default=None, description="Only these operations, e.g. ['SendDocument']"
    )

    def applies_to(self, call: str | None) -> bool:
        """Whether the fault strikes a call of this operation (None: the request named none)."""
        return self.operations is None or call in self.operations


Faults = shared.Faults[FaultSpec]


def operation_of(soap_action: str | None) -> str | None:
    """The operation a SOAPAction names (`urn:lienthong:lgsp:v1#SendDocument` or `SendDocument`)."""
    action = (soap_action or "").strip().strip('"')
    return action.rpartition("#")[2] or None
