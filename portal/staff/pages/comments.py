"""Comment threads (trao đổi) on a document's and a task's page: each form posts to the module's API
and comes back to the thread."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal.staff.client import Api
from portal.staff.kit import Who, back, document_page, text_of

router = APIRouter(prefix="/staff", include_in_schema=False)
ANCHOR = "#trao-doi"


async def _post(request: Request, api_path: str, page: str) -> Response:
    form = await request.form()
    body = text_of(form, "body")
    if not body:
        answer = back(page, err="Cần ghi nội dung trao đổi")
    else:
        async with Api(request) as api:
            result = await api.post(api_path, {"body": body})
        ok = "Đã gửi trao đổi; người đang xử lý được thông báo"
        answer = back(page, ok=ok) if result.ok else back(page, err=result.error)
    answer.headers["location"] += ANCHOR
    return answer


@router.post("/van-ban/{doc_id}/trao-doi")
async def on_document(request: Request, doc_id: str, who: Who) -> Response:
    return await _post(request, f"/documents/{doc_id}/comments", document_page(doc_id))


@router.post("/cong-viec/{task_id}/trao-doi")
async def on_task(request: Request, task_id: str, who: Who) -> Response:
    return await _post(request, f"/tasks/{task_id}/comments", f"/staff/cong-viec/{task_id}")
