"""Two-stage Decree 30 signing through the worker pool, validated by us and by poppler's pdfsig."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from adapters.signing.engine import SigningEngine
from adapters.signing.keys import load_extra_certs
from adapters.signing.pades_report import TrustSettings, validate_pdf
from adapters.signing.pades_sign import SigningRefused
from adapters.signing.settings import SigningConfig
from schemas.signing import PadesLevel, Problem, SigningStage, SignPdfRequest, ValidatePdfRequest, Verdict
from tests.adapters.signing.conftest import need_binary, write
from tests.adapters.signing.documents import CLERK_BOX, DEPUTY_BOX, LEADER_BOX, box, decision_pdf
from tests.adapters.signing.pki import GeneratedPKI


async def _approve_and_issue(engine: SigningEngine) -> bytes:
    pdf = decision_pdf()
    pdf, deputy = await engine.sign_pdf(
        pdf, SignPdfRequest(signer="deputy", box=box(DEPUTY_BOX), level=PadesLevel.B_T)
    )
    pdf, leader = await engine.sign_pdf(
        pdf, SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_T)
    )
    pdf, clerk = await engine.sign_pdf(
        pdf,
        SignPdfRequest(
            signer="clerk",
            stage=SigningStage.ISSUE,
            box=box(CLERK_BOX),
            level=PadesLevel.B_LT,
            document_number="15/QĐ-SKHĐT",
        ),
    )
    assert [deputy.field_name, leader.field_name, clerk.field_name] == ["Approval1", "Approval2", "Issue3"]
    assert "Nguyễn Văn An" in leader.signer_subject
    return pdf


@pytest.fixture(scope="module")
async def issued_pdf(engine: SigningEngine) -> bytes:
    return await _approve_and_issue(engine)


async def test_approvers_then_clerk_all_valid_in_our_validator(
    engine: SigningEngine, issued_pdf: bytes
) -> None:
    report = await engine.validate_pdf(issued_pdf)
    assert report.verdict is Verdict.VALID, report.model_dump_json(indent=1)
    assert report.message_vi.startswith("Văn bản hợp lệ")
    deputy, leader, clerk = report.signatures
    assert [s.signer.common_name for s in report.signatures if s.signer] == [
        "Trần Thị Bình",
        "Nguyễn Văn An",
        "Sở Kế hoạch và Đầu tư thành phố Hà Nội",
    ]
    # Approvers' signatures survive later signatures: only form filling happened after them.
    assert deputy.modification_level == leader.modification_level == "FORM_FILLING"
    assert clerk.modification_level == "LTA_UPDATES"  # B-LT: revocation data added after signing
    assert deputy.later_signatures == ["Approval2", "Issue3"]
    assert leader.changes_vi == "Sau chữ ký này chỉ thêm chữ ký số: Issue3."
    assert clerk.later_signatures == []
    assert clerk.changes_en.startswith("Only long-term validation data")
    assert [s.level for s in report.signatures] == ["B-T", "B-T", "B-LT"]
    assert all(s.timestamp_valid and s.timestamp_time for s in report.signatures)
    assert clerk.revocation == "good"
    assert [c.common_name for c in leader.chain] == [
        "Nguyễn Văn An",
        "Test CA Chính phủ",
        "Test Root CA Ban Cơ yếu",
    ]
    assert leader.message_vi == "Chữ ký của Nguyễn Văn An hợp lệ."


async def test_stamps_are_widgets_at_the_requested_boxes(issued_pdf: bytes) -> None:
    reader = PdfFileReader(io.BytesIO(issued_pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    rects = {
        str(a.get_object()["/T"]): tuple(round(float(v)) for v in a.get_object()["/Rect"])
        for a in page["/Annots"]
    }
    assert rects == {
        "Approval1": tuple(round(v) for v in DEPUTY_BOX),
        "Approval2": tuple(round(v) for v in LEADER_BOX),
        "Issue3": tuple(round(v) for v in CLERK_BOX),
    }
    # The page content itself is unchanged: number and date live in the clerk's appearance only.
    assert all("/AP" in a.get_object() for a in page["/Annots"])


async def test_poppler_pdfsig_accepts_every_signature(issued_pdf: bytes, tmp_path: Path) -> None:
    pdfsig = need_binary(shutil.which("pdfsig"), "pdfsig (poppler-utils)")
    path = write(tmp_path, "quyet-dinh.pdf", issued_pdf)
    out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, check=False).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 3, out
    assert "Nguyễn Văn An" in out
    assert "Trần Thị Bình" in out
    assert "Signature Field Name: Issue3" in out


async def test_validation_is_offline(
    issued_pdf: bytes, pki: GeneratedPKI, signing_config: SigningConfig
) -> None:
    trust = TrustSettings(roots=load_extra_certs(signing_config.trust_anchors))
    pki.stop()  # the CA, OCSP responder and TSA become unreachable, as on a closed network
    try:
        report = await validate_pdf(issued_pdf, ValidatePdfRequest(), trust)
    finally:
        pki.start()
    assert report.verdict is Verdict.VALID
    assert report.signatures[2].revocation == "good"


async def test_signing_does_not_block_the_event_loop(engine: SigningEngine) -> None:
    await engine.warm_up(["leader"])
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    pdf = decision_pdf()
    jobs = [
        engine.sign_pdf(pdf, SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_B))
        for _ in range(4)
    ]
    results = await asyncio.gather(*jobs)
    done.set()
    await task
    assert len({r.sha256 for _, r in results}) >= 1
    assert all(p.startswith(b"%PDF") for p, _ in results)
    assert ticks > 4  # the loop kept running other coroutines while workers signed


async def test_b_b_level_validates_with_unknown_revocation(engine: SigningEngine) -> None:
    signed, result = await engine.sign_pdf(
        decision_pdf(), SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_B)
    )
    assert result.level is PadesLevel.B_B
    report = await engine.validate_pdf(signed)
    assert report.verdict is Verdict.VALID, report.signatures[0].model_dump_json(indent=1)
    assert report.signatures[0].level == "B-B"
    assert report.signatures[0].revocation == "unknown"
    strict = await engine.validate_pdf(signed, ValidatePdfRequest(require_revocation_info=True))
    assert strict.verdict is Verdict.INDETERMINATE
    assert strict.signatures[0].problems == [Problem.NO_REVOCATION_INFO]


async def test_issue_without_number_is_rejected_before_signing() -> None:
    with pytest.raises(ValueError, match="document_number"):
        SignPdfRequest(signer="clerk", stage=SigningStage.ISSUE, box=box(CLERK_BOX))


async def test_unknown_signer_profile_is_named(engine: SigningEngine) -> None:
    with pytest.raises(Exception, match=r"unknown signer profile 'ghost' \(configured: clerk, deputy"):
        await engine.sign_pdf(decision_pdf(), SignPdfRequest(signer="ghost", box=box(LEADER_BOX)))


async def test_refusal_crosses_the_process_boundary_with_both_languages(engine: SigningEngine) -> None:
    with pytest.raises(SigningRefused) as info:
        await engine.sign_pdf(b"not a pdf", SignPdfRequest(signer="leader", box=box(LEADER_BOX)))
    assert "not a readable PDF" in info.value.en
    assert "PDF" in info.value.vi


async def test_a_dead_worker_is_replaced(signing_config: SigningConfig) -> None:
    async with SigningEngine(signing_config.model_copy(update={"workers": 1})) as engine:
        (pid,) = await engine.warm_up(["leader"])
        os.kill(pid, signal.SIGKILL)  # e.g. a token driver crashing the worker
        signed, result = await engine.sign_pdf(
            decision_pdf(), SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_B)
        )
        assert signed.startswith(b"%PDF")
        assert result.field_name == "Approval1"
        assert await engine.warm_up([]) != {pid}
