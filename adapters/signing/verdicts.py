"""Plain Vietnamese and English verdicts for signature validation reports."""

from __future__ import annotations

from schemas.signing import Problem, Verdict

PROBLEM_TEXT: dict[Problem, tuple[str, str]] = {
    Problem.TAMPERED: (
        "nội dung đã bị thay đổi sau khi ký, chữ ký không còn khớp với văn bản",
        "the signed content was altered after signing; the signature no longer matches",
    ),
    Problem.UNSAFE_CHANGES: (
        "văn bản bị sửa đổi sau khi ký theo cách không được phép (không chỉ thêm chữ ký)",
        "the document was modified after signing in a way that is not allowed (not only signatures added)",
    ),
    Problem.NOT_COVERING_FILE: (
        "chữ ký không bao trùm toàn bộ phiên bản văn bản",
        "the signature does not cover its whole document revision",
    ),
    Problem.UNTRUSTED: (
        "chứng thư số không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy",
        "the certificate does not chain to a trusted root",
    ),
    Problem.EXPIRED: (
        "chứng thư số đã hết hạn hoặc chưa có hiệu lực tại thời điểm ký",
        "the certificate was expired or not yet valid at signing time",
    ),
    Problem.REVOKED: ("chứng thư số đã bị thu hồi", "the certificate has been revoked"),
    Problem.NO_REVOCATION_INFO: (
        "không có thông tin kiểm tra thu hồi chứng thư số đi kèm văn bản",
        "no revocation information is embedded to check the certificate",
    ),
    Problem.BAD_TIMESTAMP: ("dấu thời gian không hợp lệ", "the timestamp is not valid"),
    Problem.INVALID_SIGNATURE: (
        "chữ ký số không hợp lệ về mặt mật mã",
        "the signature is cryptographically invalid",
    ),
    Problem.NO_SIGNATURES: ("văn bản không có chữ ký số", "the document carries no digital signature"),
    Problem.UNVERIFIABLE: (
        "không kiểm tra được chuỗi chứng thư số với dữ liệu hiện có",
        "the certificate chain could not be checked with the data available",
    ),
}

# Problems that make a signature plainly invalid; the others leave it indeterminate.
FATAL = frozenset(
    {
        Problem.TAMPERED,
        Problem.UNSAFE_CHANGES,
        Problem.UNTRUSTED,
        Problem.EXPIRED,
        Problem.REVOKED,
        Problem.INVALID_SIGNATURE,
        Problem.NO_SIGNATURES,
    }
)


def changes_text(level: str | None, later: list[str]) -> tuple[str, str]:
    """Describe what happened to the document after a signature, in Vietnamese and English."""
    names = ", ".join(later)
    if level == "OTHER" or level is None:
        return (
            "Nội dung văn bản bị sửa đổi sau chữ ký này.",
            "The document content was modified after this signature.",
        )
    if level == "ANNOTATIONS":
        return (
            "Sau chữ ký này có thêm chú thích (annotation) vào văn bản.",
            "Annotations were added to the document after this signature.",
        )
    if later:
        return (
            f"Sau chữ ký này chỉ thêm chữ ký số: {names}.",
            f"Only signatures were added after this one: {names}.",
        )
    if level == "LTA_UPDATES":
        return (
            "Sau chữ ký này chỉ bổ sung dữ liệu kiểm tra dài hạn "
            "(chứng thư, thông tin thu hồi, dấu thời gian).",
            "Only long-term validation data (certificates, revocation data, timestamps) was added after it.",
        )
    return "Không có thay đổi nào sau chữ ký này.", "Nothing changed after this signature."


def verdict_for(problems: list[Problem]) -> Verdict:
    """Return VALID without problems, INVALID with a fatal one, INDETERMINATE otherwise."""
    if not problems:
        return Verdict.VALID
    if any(p in FATAL for p in problems):
        return Verdict.INVALID
    return Verdict.INDETERMINATE


def signature_messages(who: str, verdict: Verdict, problems: list[Problem]) -> tuple[str, str]:
    """Return (Vietnamese, English) one-sentence verdicts for one signature."""
    if verdict is Verdict.VALID:
        return f"Chữ ký của {who} hợp lệ.", f"The signature of {who} is valid."
    vi_reasons = "; ".join(PROBLEM_TEXT[p][0] for p in problems)
    en_reasons = "; ".join(PROBLEM_TEXT[p][1] for p in problems)
    if verdict is Verdict.INVALID:
        return (
            f"Chữ ký của {who} không hợp lệ: {vi_reasons}.",
            f"The signature of {who} is not valid: {en_reasons}.",
        )
    return (
        f"Chưa xác định được tính hợp lệ của chữ ký của {who}: {vi_reasons}.",
        f"The signature of {who} could not be confirmed: {en_reasons}.",
    )


def document_messages(verdicts: list[Verdict]) -> tuple[Verdict, str, str]:
    """Return the document verdict and its (Vietnamese, English) sentences."""
    if not verdicts:
        vi, en = PROBLEM_TEXT[Problem.NO_SIGNATURES]
        return Verdict.INVALID, f"Không hợp lệ: {vi}.", f"Not valid: {en}."
    n = len(verdicts)
    if all(v is Verdict.VALID for v in verdicts):
        return (
            Verdict.VALID,
            f"Văn bản hợp lệ: cả {n} chữ ký số đều hợp lệ và văn bản không bị sửa đổi trái phép.",
            f"The document is valid: all {n} signature(s) are valid and it was not altered improperly.",
        )
    bad = sum(v is Verdict.INVALID for v in verdicts)
    if bad:
        return (
            Verdict.INVALID,
            f"Văn bản không hợp lệ: {bad}/{n} chữ ký số không hợp lệ.",
            f"The document is not valid: {bad} of {n} signature(s) are invalid.",
        )
    return (
        Verdict.INDETERMINATE,
        f"Chưa xác định được tính hợp lệ của văn bản: có chữ ký chưa kiểm tra được đầy đủ ({n} chữ ký).",
        f"The document could not be fully confirmed: some of its {n} signature(s) could not be checked.",
    )
