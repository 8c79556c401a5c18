"""Why an incoming message is refused, told to the agency that sent it in Vietnamese (the one place).

The edXML codec names each problem in English for logs and the operator (`schemas/edxml/errors.py`:
the error's kind, the element's path, a technical detail). The 02 status we send back must be read by
a clerk at the other agency: `sentence(kind, field)` gives one Vietnamese sentence that names the
element in Vietnamese (with its edXML name in brackets, so their IT staff can find it), and
`rejection_description` the whole Description of the 02. The English detail stays in the
`axis.receive_failed` event (`reason`) and the log.

Kinds are the codec's error class names (`MissingFieldError`, ...) and the intake's own refusals
(`SENDER_MISMATCH`, `SIGNATURE_WRAPPING`, `TOO_LARGE`, `UNPROCESSABLE`).
"""

from __future__ import annotations

import re

from schemas.edxml.codes import StatusCode

SENDER_MISMATCH = "SenderMismatch"
SIGNATURE_WRAPPING = "SignatureWrapping"
TOO_LARGE = "TooLarge"
UNPROCESSABLE = "Unprocessable"

# An element's path, by its last segments (indexes dropped), -> its name for a clerk.
FIELD_NAMES: dict[str, str] = {
    "From/OrganId": "mã định danh của cơ quan gửi",
    "From/OrganName": "tên cơ quan gửi",
    "From": "thông tin cơ quan gửi",
    "To/OrganId": "mã định danh của cơ quan nhận",
    "To/OrganName": "tên cơ quan nhận",
    "To": "cơ quan nhận",
    "Subject": "trích yếu nội dung",
    "Code/CodeNumber": "số của văn bản",
    "Code/CodeNotation": "ký hiệu của văn bản",
    "Code": "số, ký hiệu của văn bản",
    "DocumentId": "mã định danh văn bản",
    "PromulgationInfo/PromulgationDate": "ngày ban hành",
    "PromulgationInfo/Place": "địa danh ban hành",
    "PromulgationInfo": "thông tin ban hành",
    "DocumentType/TypeName": "tên loại văn bản",
    "DocumentType/Type": "loại văn bản",
    "DocumentType": "loại văn bản",
    "SignerInfo/FullName": "họ tên người ký",
    "SignerInfo/Position": "chức vụ người ký",
    "SignerInfo": "thông tin người ký",
    "DueDate": "hạn xử lý",
    "OtherInfo/Priority": "độ khẩn",
    "OtherInfo": "thông tin khác",
    "ResponseFor/OrganId": "mã định danh của cơ quan có văn bản được phản hồi",
    "ResponseFor/Code": "số, ký hiệu của văn bản được phản hồi",
    "ResponseFor/DocumentId": "mã định danh của văn bản được phản hồi",
    "ResponseFor": "văn bản được phản hồi",
    "StatusCode": "mã trạng thái",
    "Description": "mô tả trạng thái",
    "Timestamp": "thời điểm cập nhật trạng thái",
    "StaffInfo": "thông tin cán bộ xử lý",
    "TraceHeaderList": "thông tin vết xử lý",
    "TraceHeader": "thông tin vết xử lý",
    "Bussiness": "thông tin nghiệp vụ",
    "Signature/KeyInfo": "chứng thư số của chữ ký",
    "Signature": "chữ ký số",
    "ContentTransferEncoded": "nội dung tệp đính kèm",
    "ContentId": "mã tệp đính kèm",
    "AttachmentName": "tên tệp đính kèm",
    "Attachment": "tệp đính kèm",
    "AttachmentEncoded": "phần tệp đính kèm",
    "edXMLManifest/Reference": "danh mục tệp đính kèm",
    "edXMLManifest": "danh mục tệp đính kèm",
    "MessageHeader": "phần đầu thông điệp",
    "edXMLHeader": "phần đầu thông điệp",
    "edXML": "phần tử gốc edXML",
    "<!DOCTYPE>": "khai báo DOCTYPE",
    "limit:depth": "số cấp lồng nhau của các phần tử",
    "limit:elements": "số phần tử",
    "limit:attributes": "số thuộc tính của một phần tử",
    "limit:attribute_size": "độ dài giá trị thuộc tính",
    "limit:text_size": "độ dài nội dung văn bản của một phần tử",
    "limit:attachments": "số tệp đính kèm",
}

SENTENCES: dict[str, str] = {
    "MissingFieldError": "thiếu {field} hoặc để trống",
    "InvalidFieldError": "{field} không đúng định dạng hoặc vượt quá giới hạn cho phép",
    "DuplicateRecipientError": "{field} bị khai báo trùng (một cơ quan nhận xuất hiện nhiều lần)",
    "MalformedXmlError": "tệp không phải là XML hợp lệ (sai cú pháp XML)",
    "EntityReferenceError": "tệp tham chiếu thực thể (entity) không được khai báo",
    "UnsafeXmlError": "tệp chứa khai báo DOCTYPE hoặc thực thể (entity), không được phép vì lý do an toàn",
    "MessageTooLargeError": "dung lượng {field} vượt quá giới hạn tiếp nhận",
    "XmlLimitError": "{field} vượt quá giới hạn tiếp nhận",
    "NotEdxmlError": "tệp không phải là thông điệp edXML đúng loại "
    "(văn bản điện tử hoặc thông điệp trạng thái)",
    "AttachmentError": "{field} không hợp lệ hoặc không giải nén được",
    "InvalidBase64Error": "{field} không phải là dữ liệu base64 hợp lệ",
    "ManifestMismatchError": "tệp đính kèm không khớp với {field}",
    "SignatureError": "{field} không hợp lệ",
    "MissingSignatureError": "văn bản chưa được ký số",
    "InvalidSignatureError": "chữ ký số không hợp lệ: nội dung đã bị thay đổi sau khi ký "
    "hoặc chữ ký sai cấu trúc",
    "UntrustedSignerError": "chứng thư số của người ký không được tin cậy (không do tổ chức chứng thực được "
    "công nhận cấp, hoặc đã hết hiệu lực)",
    "WeakAlgorithmError": "chữ ký số dùng thuật toán SHA-1, không còn được chấp nhận",
    SENDER_MISMATCH: "{field} ghi trong văn bản không khớp với cơ quan gửi mà trục liên thông ghi nhận",
    SIGNATURE_WRAPPING: "nội dung được ký số khác với nội dung phần đầu thông điệp",
    TOO_LARGE: "dung lượng văn bản vượt quá giới hạn tiếp nhận của hệ thống",
    UNPROCESSABLE: "hệ thống không xử lý được văn bản sau nhiều lần thử, đề nghị gửi lại",
}
GENERIC = "văn bản điện tử không hợp lệ"
_DEFAULT_FIELD: dict[str, str] = {
    "MessageTooLargeError": "thông điệp",
    "AttachmentError": "tệp đính kèm",
    "InvalidBase64Error": "nội dung tệp đính kèm",
    "ManifestMismatchError": "danh mục tệp đính kèm (edXMLManifest)",
    "SignatureError": "chữ ký số",
    SENDER_MISMATCH: "mã định danh của cơ quan gửi (From/OrganId)",
}
_INDEX = re.compile(r"\[(\d+)\]")


def field_name(path: str | None) -> str | None:
    """The Vietnamese name of an element path, with its edXML name: `trích yếu nội dung (Subject)`."""
    if not path:
        return None
    segments = [s for s in path.split("/") if s]
    plain = [_INDEX.sub("", s) for s in segments]
    for size in (2, 1):
        key = "/".join(plain[-size:])
        if len(plain) >= size and key in FIELD_NAMES:
            name = FIELD_NAMES[key]
            ordinal = _ordinal(segments)
            element = key if key.startswith("<") else "/".join(plain[-size:])
            return f"{name}{ordinal} ({element})"
    return f"phần tử {'/'.join(plain[-2:])}"


def _ordinal(segments: list[str]) -> str:
    """` thứ 2` when a repeated element is meant, else nothing (the first of one is just itself)."""
    for segment in reversed(segments):
        found = _INDEX.search(segment)
        if found:
            return f" thứ {found.group(1)}" if int(found.group(1)) > 1 else ""
    return ""


def sentence(kind: str | None, field: str | None = None) -> str:
    """Why the message is refused, as a sentence part that follows `Lý do: `."""
    template = SENTENCES.get(kind or "")
    if template is None:
        named = field_name(field)
        return f"{GENERIC} ({named})" if named else GENERIC
    named = field_name(field) or _DEFAULT_FIELD.get(kind or "", "nội dung văn bản")
    return template.format(field=named)


def rejection_description(kind: str | None, field: str | None = None) -> str:
    """The Description of the 02 we send back: the official wording, then the reason."""
    reason = sentence(kind, field)
    return f"{StatusCode.REJECTED.description}. Lý do: {reason[:1].upper()}{reason[1:]}."
