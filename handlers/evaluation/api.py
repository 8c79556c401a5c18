"""The evaluation REST API (/api/evaluation): quota, unit cycles, cycles, assessments, decision, results.

Routes only read the request, call the service and shape the answer; refusals are the service's
domain errors, answered by the app's handler.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from handlers.evaluation import EvaluationModule, periods, quota, service
from handlers.evaluation.export import XLSX
from handlers.evaluation.settings import EvaluationSettings
from handlers.evaluation.views import (
    AssessmentDetail,
    AssessmentView,
    Board,
    CycleDetail,
    CycleIn,
    CycleItem,
    Decision,
    DecisionIn,
    Department,
    LevelIn,
    MyAssessment,
    OpenedCycle,
    PeriodIn,
    PeriodOpened,
    QuotaIn,
    ReviewedAssessment,
    ScoresIn,
    SelfIn,
    StaffIn,
    StaffView,
    UnitCyclesIn,
    UnitCyclesView,
    YearBoard,
)
from hub.auth import CurrentPrincipal
from hub.web import HubDep, Page, Paging, module_of, transaction
from schemas.evaluation import QuotaWarning

router = APIRouter(prefix="/evaluation", tags=["evaluation"])


def settings_of(request: Request) -> EvaluationSettings:
    return module_of(request, "evaluation", EvaluationModule).settings


@router.put("/quota")
async def set_quota(hub: HubDep, p: CurrentPrincipal, body: QuotaIn) -> QuotaIn:
    """Set the largest share of 'excellent' a unit may give ('*': the default)."""
    async with hub.db.session() as s:
        return await quota.set_rule(s, p, body)


@router.put("/units/{unit_id}/cycles")
async def set_unit_cycles(
    hub: HubDep, p: CurrentPrincipal, unit_id: str, body: UnitCyclesIn
) -> UnitCyclesView:
    """Say which shorter cycles (quarter, month) a unit evaluates by, besides the year."""
    async with hub.db.session() as s:
        return await service.set_unit_cycles(s, p, unit_id, body)


@router.post("/cycles", status_code=201)
async def open_cycle(hub: HubDep, p: CurrentPrincipal, body: CycleIn) -> OpenedCycle:
    """Open a cycle: everyone evaluated in the units gets an assessment to fill in."""
    async with hub.db.session() as s:
        return await service.open_cycle(s, p, body)


@router.get("/cycles")
async def cycles(hub: HubDep, p: CurrentPrincipal, page: Paging) -> Page[CycleItem]:
    """The cycles, oldest period first."""
    async with hub.db.session() as s:
        items, total = await service.cycles(s, page.offset, page.limit)
    return Page.of(items, total, page)


@router.get("/cycles/{cycle_id}")
async def cycle_detail(hub: HubDep, p: CurrentPrincipal, cycle_id: str) -> CycleDetail:
    """The cycle and where each person stands (officers see only themselves)."""
    async with hub.db.session() as s:
        return await service.cycle_detail(s, p, cycle_id)


@router.post("/cycles/{cycle_id}/self")
async def self_assess(hub: HubDep, p: CurrentPrincipal, cycle_id: str, body: SelfIn) -> AssessmentView:
    """The self-assessment: a civil servant's general points, a public employee's proposed level."""
    async with hub.db.session() as s:
        return await service.self_assess(s, p, cycle_id, body)


@router.get("/cycles/{cycle_id}/assessments/{user_id}")
async def assessment(hub: HubDep, p: CurrentPrincipal, cycle_id: str, user_id: str) -> AssessmentDetail:
    """One assessment with the suggested level and the evidence behind it (for the reviewer)."""
    async with hub.db.session() as s:
        return await service.assessment(s, p, cycle_id, user_id)


@router.post("/cycles/{cycle_id}/assessments/{user_id}/review")
async def review(
    hub: HubDep, p: CurrentPrincipal, cycle_id: str, user_id: str, body: LevelIn
) -> ReviewedAssessment:
    """The unit head's review (leaders review unit heads); the evidence seen is kept with it."""
    async with hub.db.session() as s:
        return await service.review(s, p, cycle_id, user_id, body)


@router.get("/cycles/{cycle_id}/quota")
async def quota_warnings(
    request: Request, hub: HubDep, p: CurrentPrincipal, cycle_id: str, page: Paging
) -> Page[QuotaWarning]:
    """Units over their 'excellent' quota with the levels proposed so far."""
    async with hub.db.session() as s:
        warnings = await service.quota_warnings(s, p, cycle_id, settings_of(request))
    return Page.whole(warnings, page)


@router.post("/cycles/{cycle_id}/decide")
async def decide(request: Request, p: CurrentPrincipal, cycle_id: str, body: DecisionIn) -> Decision:
    """The director decides every level of the cycle; published as evaluation.decided."""
    async with transaction(request, service.SOURCE, p.id) as work:
        return await service.decide(work, p, cycle_id, body, settings_of(request))


@router.get("/cycles/{cycle_id}/results.xlsx", response_class=Response)
async def results_file(request: Request, hub: HubDep, p: CurrentPrincipal, cycle_id: str) -> Response:
    """Results per person and statistics per unit."""
    async with hub.db.session() as s:
        data = await service.results_file(s, p, cycle_id, settings_of(request))
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="ket-qua-danh-gia-{cycle_id}.xlsx"'},
    )


# -- Decree 335/2025: periods of a unit, marks, confirmation, the department, the year ---------------------


@router.put("/staff/{user_id}")
async def set_staff(hub: HubDep, p: CurrentPrincipal, user_id: str, body: StaffIn) -> StaffView:
    """Say whether a person is a civil servant (Decree 335) or a public employee (Decree 90)."""
    async with hub.db.session() as s:
        return await periods.set_staff(s, p, user_id, body)


@router.post("/periods", status_code=201)
async def open_period(hub: HubDep, p: CurrentPrincipal, body: PeriodIn) -> PeriodOpened:
    """Open a month or a quarter for a unit (a unit head: their own)."""
    async with hub.db.session() as s:
        return await periods.open_period(s, p, body)


@router.get("/mine")
async def mine(hub: HubDep, p: CurrentPrincipal, page: Paging) -> Page[MyAssessment]:
    """The caller's own assessments, newest period first."""
    async with hub.db.session() as s:
        rows = await periods.mine(s, p)
    return Page.whole(rows, page)


@router.get("/cycles/{cycle_id}/units/{unit_id}")
async def unit_board(
    request: Request, hub: HubDep, p: CurrentPrincipal, cycle_id: str, unit_id: str
) -> Board:
    """A unit's staff in the cycle: scores with their evidence, the cap (its head or a leader)."""
    async with hub.db.session() as s:
        return await periods.board(s, p, cycle_id, unit_id, settings_of(request))


@router.post("/cycles/{cycle_id}/units/{unit_id}/scores")
async def unit_marks(
    request: Request, hub: HubDep, p: CurrentPrincipal, cycle_id: str, unit_id: str, body: ScoresIn
) -> Board:
    """The unit head's marks: general points (and exceptions) or a public employee's level."""
    async with hub.db.session() as s:
        return await periods.save_marks(s, p, cycle_id, unit_id, body, settings_of(request))


@router.post("/cycles/{cycle_id}/units/{unit_id}/confirm")
async def unit_confirm(
    request: Request, hub: HubDep, p: CurrentPrincipal, cycle_id: str, unit_id: str
) -> Board:
    """Confirm the unit's results: scores frozen with their evidence, the 20 % cap applied."""
    async with hub.db.session() as s:
        return await periods.confirm(s, p, cycle_id, unit_id, settings_of(request))


@router.get("/cycles/{cycle_id}/managers")
async def managers_board(request: Request, hub: HubDep, p: CurrentPrincipal, cycle_id: str) -> Board:
    """The unit heads in the cycle, scored from their units' products (leaders)."""
    async with hub.db.session() as s:
        return await periods.board(s, p, cycle_id, periods.MANAGERS, settings_of(request))


@router.post("/cycles/{cycle_id}/managers/scores")
async def managers_marks(
    request: Request, hub: HubDep, p: CurrentPrincipal, cycle_id: str, body: ScoresIn
) -> Board:
    """A leader's marks for the unit heads."""
    async with hub.db.session() as s:
        return await periods.save_marks(s, p, cycle_id, periods.MANAGERS, body, settings_of(request))


@router.post("/cycles/{cycle_id}/managers/confirm")
async def managers_confirm(request: Request, hub: HubDep, p: CurrentPrincipal, cycle_id: str) -> Board:
    """Confirm the unit heads' results, the cap applied among them."""
    async with hub.db.session() as s:
        return await periods.confirm(s, p, cycle_id, periods.MANAGERS, settings_of(request))


@router.get("/cycles/{cycle_id}/department")
async def department(request: Request, hub: HubDep, p: CurrentPrincipal, cycle_id: str) -> Department:
    """The department in the cycle: each unit's progress, levels and cap."""
    async with hub.db.session() as s:
        return await periods.department(s, p, cycle_id, settings_of(request))


@router.get("/years/{year}/units/{unit_id}")
async def year_board(
    request: Request, hub: HubDep, p: CurrentPrincipal, year: int, unit_id: str
) -> YearBoard:
    """A unit's civil servants over the year: the mean of their months or quarters, the cap applied."""
    async with hub.db.session() as s:
        return await periods.year_board(s, p, year, unit_id, settings_of(request))
