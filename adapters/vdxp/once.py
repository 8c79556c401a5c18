"""Every document to a partner exactly once: the record a send leaves before it leaves, and the look-up
on the axis's sent list that tells whether an attempt whose reply was lost arrived (domain.md §3.3).

`/sendEdoc` is not idempotent: the axis gives every call a new DocId, so a send whose reply is lost
after the axis stored it (a gateway's 504, a dropped connection, a reply later than our read timeout,
our process killed mid-call) must not simply be sent again. Before each attempt the sender writes an
`Attempt` in KV (`vdxp.try.<command id>`): what identifies the document (sender, recipients, message
type, số/ký hiệu, subject, content hash) and when it was tried. When a later delivery of the command
finds that record with an attempt that may have reached the axis, it lists what our centre sent
(`/getSentEdocList`) and takes the item that is that document: same sender and recipients, same
type, same notation and subject (or content hash, when the axis reports one), sent after the first
attempt, and not already claimed by another command (`vdxp.claim.<DocId>`). Only when no such item is
there, and the last uncertain attempt is older than the settle period (a slow axis may still be
storing it), is the document sent again.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, Field

from adapters.vdxp.auth import VIETNAM_TZ
from adapters.vdxp.protocol import MessageType, SentItem

TRY_PREFIX = "vdxp.try."
CLAIM_PREFIX = "vdxp.claim."
SENT_TIME_SKEW = timedelta(minutes=10)
"""How far the axis's clock (its sentTime) may be behind ours when we look for an attempt."""
_KEY_SAFE = re.compile(r"[-_=A-Za-z0-9]{1,200}")
_TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M")
_CHUNK = 1 << 20


def key_part(value: str) -> str:
    """A KV key segment for an axis id: the id itself when it is safe, else a hash of it."""
    if _KEY_SAFE.fullmatch(value):
        return value
    return "h" + hashlib.sha256(value.encode()).hexdigest()[:40]


def claim_key(doc_id: str) -> str:
    """KV key naming the command a DocId of the axis belongs to."""
    return CLAIM_PREFIX + key_part(doc_id)


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Attempt(BaseModel):
    """What one `axis.send` command tried to send, kept in KV until the axis confirmed it."""

    command_id: str
    message_type: MessageType
    from_code: str
    to_codes: list[str]
    notation: str | None = None
    subject: str | None = None
    document_id: str | None = None
    sha256: list[str] = Field(default_factory=list, description="Hashes of the files tried")
    first_at: AwareDatetime
    last_at: AwareDatetime = Field(description="When the last attempt that may have arrived ended")
    attempts: int = 0
    uncertain: int = Field(default=0, description="Attempts that may have reached the axis")

    def begin(self, sha256: str, now: datetime) -> None:
        """Count an attempt about to leave: it is uncertain until the axis answers."""
        self.attempts += 1
        self.uncertain += 1
        self.last_at = now
        if sha256 not in self.sha256:
            self.sha256.append(sha256)

    def never_arrived(self) -> None:
        """The last attempt certainly did not reach the axis (no connection was made)."""
        self.uncertain = max(self.uncertain - 1, 0)

    def settled(self, now: datetime, settle: timedelta) -> bool:
        """Whether an uncertain attempt had time enough to show up on the axis's sent list."""
        return now - self.last_at >= settle


def parse_sent_time(value: str | None) -> datetime | None:
    """The axis's sentTime (ISO, or day-first), Vietnam time when it names no zone; None if unreadable."""
    if not value:
        return None
    text = value.strip()
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _TIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)  # the zone is added below
                break
            except ValueError:
                continue
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM_TZ)


def _same_text(ours: str | None, theirs: str | None) -> bool:
    """Equal after Unicode and space normalisation; the axis not saying (None) does not contradict."""
    if theirs is None or not theirs.strip():
        return True
    if ours is None:
        return False

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split()).casefold()

    return norm(ours) == norm(theirs)


def _row_matches(row: SentItem, attempt: Attempt) -> bool:
    if row.message_type and row.message_type.lower() != attempt.message_type:
        return False
    if row.from_code and row.from_code != attempt.from_code:
        return False
    sent = parse_sent_time(row.sent_time)
    if sent is not None and sent < attempt.first_at - SENT_TIME_SKEW:
        return False
    extra = row.model_extra or {}
    content_hash = extra.get("contentSha256") or extra.get("content_sha256")
    if isinstance(content_hash, str) and content_hash:
        return content_hash.lower() in attempt.sha256
    return _same_text(attempt.notation, row.notation) and _same_text(attempt.subject, row.title)


def candidates(rows: list[SentItem], attempt: Attempt) -> list[str]:
    """DocIds of the sent items that are this attempt's document, oldest first.

    The axis lists one row per recipient of a sent item: an item matches when every row matches and
    its recipients are exactly the command's.
    """
    groups: dict[str, list[SentItem]] = defaultdict(list)
    for row in rows:
        groups[row.sender_doc_id].append(row)
    wanted = set(attempt.to_codes)
    found = [
        doc_id
        for doc_id, group in groups.items()
        if {r.to_code for r in group} == wanted and all(_row_matches(r, attempt) for r in group)
    ]

    def order(doc_id: str) -> tuple[int, str]:
        return (int(doc_id), "") if doc_id.isdigit() else (1 << 62, doc_id)

    return sorted(found, key=order)
