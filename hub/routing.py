"""Declarative content-based routing: subject pattern + predicates -> destination subjects.

The table is one YAML file. Each route names the events it takes (a NATS subject pattern), optional
predicates on envelope fields or payload fields, and one or more destination command subjects:

    routes:
      - name: urgent-documents-sms
        from: lt.doc.evt.received
        when:
          payload.priority: {in: ["Hỏa tốc", "Thượng khẩn"]}
        to: [lt.notify.cmd.sms, lt.notify.cmd.inapp]

A scalar predicate value means equality. Operators: eq, ne, in, not_in, exists, gt, gte, lt, lte, matches.

The same file says who may publish the events every consumer must be able to trust (those of the
axes and of signing). Each entry names event subjects, the message types that travel on them and the
envelope sources that may publish them:

    publishers:
      - subject: lt.doc.evt.received
        types: [document.received]
        sources: [vdxp, lgsp]

On a listed subject, an event of another type or from another source is refused (the consumer dead-
letters it with the reason); a listed type is refused on any other event subject. A table without a
`publishers` section keeps the packaged one's; `publishers: []` turns the check off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.envelope import Envelope

PACKAGED_ROUTES = Path(__file__).with_name("routes.yaml")
OPERATORS = ("eq", "ne", "in", "not_in", "exists", "gt", "gte", "lt", "lte", "matches")
ENVELOPE_FIELDS = (
    "type",
    "version",
    "source",
    "subject",
    "issue",
    "user_id",
    "correlation_id",
    "causation_id",
)
_SUBJECT_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+$|^\*$|^>$")


class RoutingTableError(ValueError):
    """The routing table is invalid; the message names the file, the line and the problem."""


def _check_subject(subject: str, allow_wildcards: bool) -> str:
    tokens = subject.split(".")
    for i, tok in enumerate(tokens):
        if not _SUBJECT_TOKEN.match(tok):
            raise ValueError(f"invalid subject token {tok!r} in {subject!r}")
        if tok in ("*", ">") and not allow_wildcards:
            raise ValueError(f"destination {subject!r} must not contain wildcards")
        if tok == ">" and i != len(tokens) - 1:
            raise ValueError(f"'>' must be the last token of {subject!r}")
    return subject


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcard semantics: '*' one token, '>' one or more trailing tokens."""
    p, s = pattern.split("."), subject.split(".")
    for i, tok in enumerate(p):
        if tok == ">":
            return len(s) > i
        if i >= len(s) or (tok != "*" and tok != s[i]):
            return False
    return len(p) == len(s)


class Predicate(BaseModel):
    """One condition on a field of the envelope or of its payload."""

    model_config = ConfigDict(frozen=True)

    field: str
    op: Literal["eq", "ne", "in", "not_in", "exists", "gt", "gte", "lt", "lte", "matches"]
    value: Any = None

    @field_validator("field")
    @classmethod
    def _field(cls, v: str) -> str:
        head = v.split(".", 1)[0]
        if head != "payload" and v not in ENVELOPE_FIELDS:
            raise ValueError(
                f"unknown field {v!r}: use payload.<path> or one of {', '.join(ENVELOPE_FIELDS)}"
            )
        if head == "payload" and v == "payload":
            raise ValueError("name a field inside the payload, e.g. payload.priority")
        return v

    @model_validator(mode="after")
    def _value(self) -> Predicate:
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"operator {self.op!r} needs a list of values")
        if self.op == "exists" and not isinstance(self.value, bool):
            raise ValueError("operator 'exists' needs true or false")
        if self.op == "matches":
            try:
                re.compile(str(self.value))
            except re.error as exc:
                raise ValueError(f"invalid regular expression {self.value!r}: {exc}") from None
        return self

    def holds(self, env: Envelope) -> bool:
        found, actual = _lookup(env, self.field)
        if self.op == "exists":
            return found is bool(self.value)
        if not found:
            return False
        try:
            return _apply(self.op, actual, self.value)
        except TypeError:
            return False


def _lookup(env: Envelope, path: str) -> tuple[bool, Any]:
    if not path.startswith("payload."):
        value = getattr(env, path)
        return value is not None, str(value) if path.endswith("_id") and value is not None else value
    current: Any = env.payload
    for part in path.split(".")[1:]:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return False, None
    return True, current


def _apply(op: str, actual: Any, expected: Any) -> bool:
    match op:
        case "eq":
            return bool(actual == expected)
        case "ne":
            return bool(actual != expected)
        case "in":
            return actual in expected
        case "not_in":
            return actual not in expected
        case "gt":
            return bool(actual > expected)
        case "gte":
            return bool(actual >= expected)
        case "lt":
            return bool(actual < expected)
        case "lte":
            return bool(actual <= expected)
        case "matches":
            return re.search(str(expected), str(actual)) is not None
    raise ValueError(op)


class Route(BaseModel):
    """One line of the routing table."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_.]*$")
    from_: str = Field(alias="from")
    when: list[Predicate] = Field(default_factory=list)
    to: list[str] = Field(min_length=1)
    description: str = ""

    @field_validator("from_")
    @classmethod
    def _from(cls, v: str) -> str:
        _check_subject(v, allow_wildcards=True)
        if not (v.startswith("lt.") and (v.split(".")[2:3] in (["evt"], ["*"], [">"]) or v == "lt.>")):
            raise ValueError(f"routes take events: {v!r} must match lt.<domain>.evt.<name> subjects")
        return v

    @field_validator("when", mode="before")
    @classmethod
    def _when(cls, v: Any) -> Any:
        if isinstance(v, dict):
            out = []
            for field, cond in v.items():
                if isinstance(cond, dict):
                    if len(cond) != 1:
                        raise ValueError(
                            f"predicate on {field!r} must have exactly one operator of {OPERATORS}"
                        )
                    ((op, value),) = cond.items()
                    if op not in OPERATORS:
                        raise ValueError(f"unknown operator {op!r} on {field!r}; expected one of {OPERATORS}")
                    out.append({"field": field, "op": op, "value": value})
                else:
                    out.append({"field": field, "op": "eq", "value": cond})
            return out
        return v

    @field_validator("to")
    @classmethod
    def _to(cls, v: list[str]) -> list[str]:
        for dest in v:
            _check_subject(dest, allow_wildcards=False)
            parts = dest.split(".")
            if len(parts) < 4 or parts[0] != "lt" or parts[2] != "cmd":
                raise ValueError(
                    f"destination {dest!r} must be a command subject lt.<domain>.cmd.<name> "
                    "(an event destination would loop back into the router)"
                )
        if len(set(v)) != len(v):
            raise ValueError("a destination is listed twice")
        return v

    def matches(self, env: Envelope) -> bool:
        return subject_matches(self.from_, env.subject) and all(p.holds(env) for p in self.when)


def is_event_subject(subject: str) -> bool:
    """Whether the subject is an event's: lt.<domain>.evt.<name>."""
    parts = subject.split(".")
    return len(parts) >= 4 and parts[0] == "lt" and parts[2] == "evt"


class Publisher(BaseModel):
    """Who may publish the events of some subjects: the envelope sources, and the types they carry."""

    model_config = ConfigDict(extra="forbid")

    subject: str
    sources: list[str] = Field(min_length=1)
    types: list[str] = Field(default_factory=list)
    description: str = ""

    @field_validator("subject")
    @classmethod
    def _subject(cls, v: str) -> str:
        _check_subject(v, allow_wildcards=True)
        parts = v.split(".")
        if len(parts) < 4 or parts[0] != "lt" or parts[2] != "evt":
            raise ValueError(f"publishers are checked on events: {v!r} must match lt.<domain>.evt.<name>")
        return v

    def refusal(self, env: Envelope) -> str | None:
        """Why this rule refuses the event, or None when it lets it through."""
        if not subject_matches(self.subject, env.subject):
            if self.types and env.type in self.types and is_event_subject(env.subject):
                return f"message type {env.type!r} travels only on {self.subject}, not on {env.subject}"
            return None
        if self.types and env.type not in self.types:
            return f"{env.subject} carries {', '.join(self.types)}, not {env.type!r}"
        if env.source not in self.sources:
            return (
                f"source {env.source!r} may not publish {env.subject} "
                f"(only {', '.join(self.sources)} may): forged or misrouted event, not applied"
            )
        return None


class RoutingTableModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    routes: list[Route] = Field(default_factory=list)
    publishers: list[Publisher] | None = None

    @model_validator(mode="after")
    def _unique(self) -> RoutingTableModel:
        seen: set[str] = set()
        for r in self.routes:
            if r.name in seen:
                raise ValueError(f"route name {r.name!r} is used twice")
            seen.add(r.name)
        return self


@dataclass(frozen=True)
class Decision:
    route: Route
    destination: str


class RoutingTable:
    """The loaded, validated table."""

    def __init__(
        self,
        routes: Iterable[Route],
        source: str = "<memory>",
        publishers: Iterable[Publisher] | None = None,
    ) -> None:
        self.routes = list(routes)
        self.source = source
        self.publishers = None if publishers is None else list(publishers)

    def decide(self, env: Envelope) -> list[Decision]:
        return [Decision(r, d) for r in self.routes if r.matches(env) for d in r.to]

    def refusal(self, env: Envelope) -> str | None:
        """Why a consumer must refuse this delivered event (its `subject` set), or None to take it."""
        for rule in self.publishers or ():
            reason = rule.refusal(env)
            if reason is not None:
                return reason
        return None

    @classmethod
    def load(cls, path: Path | None = None) -> RoutingTable:
        """Load a table; one that declares no publishers keeps the packaged table's."""
        path = path or PACKAGED_ROUTES
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RoutingTableError(f"{path}: cannot read routing table: {exc}") from None
        table = cls.parse(text, str(path))
        if table.publishers is None and path.resolve() != PACKAGED_ROUTES.resolve():
            table.publishers = cls.load(PACKAGED_ROUTES).publishers
        return table

    @classmethod
    def parse(cls, text: str, source: str = "<string>") -> RoutingTable:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = str(mark.line + 1) if mark else "?"
            problem = getattr(exc, "problem", None) or str(exc)
            raise RoutingTableError(f"{source}:{where}: not valid YAML: {problem}") from None
        if data is None:
            data = {"routes": []}
        try:
            model = RoutingTableModel.model_validate(data)
        except ValidationError as exc:
            lines = []
            for err in exc.errors():
                line = _line_of(node, err["loc"])
                loc = ".".join(str(p) for p in err["loc"])
                lines.append(f"{source}:{line}: {loc}: {err['msg']}")
            raise RoutingTableError("invalid routing table\n" + "\n".join(lines)) from None
        return cls(model.routes, source, model.publishers)


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int:
    """The 1-based line of the deepest YAML node that the error location reaches."""
    line = (node.start_mark.line + 1) if node is not None else 1
    current = node
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            key = "from" if part == "from_" else part
            nxt = next((v for k, v in current.value if getattr(k, "value", None) == key), None)
            if nxt is None:
                # the `when` mapping becomes a list: index i is the i-th key
                if isinstance(part, int) and part < len(current.value):
                    k, nxt = current.value[part]
                    line = k.start_mark.line + 1
                break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            nxt = current.value[part]
        else:
            break
        current = nxt
        line = current.start_mark.line + 1
    return line
