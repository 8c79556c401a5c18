"""The hub runtime: connection, publishing, and the one reliable-consumer policy for every subscriber.

Policy (architecture.md): success -> ack; transient failure -> nak with a delay that grows with the
delivery count; permanent failure -> copy to the DLQ with the reason, then term; deliveries exhausted
-> DLQ too. Transactional consumers write an inbox row (consumer, message id) in the same transaction
as their effect, and the messages they emit go to the outbox in that transaction.

A handler that runs longer than the consumer's ack wait would be redelivered while it still runs (a
second copy of a slow send, concurrently). While a handler runs, the runtime tells JetStream the
message is in progress (`+WPI`) every third of the ack wait (`keep_alive`, on for every consumer; a
handler may also call `Delivery.in_progress()`), for at most `max_running` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims import PAYLOAD_MEDIA_TYPE, ClaimStore
from hub.db import Database
from hub.errors import PermanentError, describe, is_permanent
from hub.journal import Journal
from hub.models import InboxEntry, OutboxEntry
from hub.module import Module
from hub.natsauth import split_credentials
from hub.outbox import OutboxRelay
from hub.routing import RoutingTable
from hub.settings import Settings
from hub.topology import ADVISORIES, COMMANDS, DLQ, DLQ_PREFIX, EVENTS, SCHEDULES, provision
from schemas.envelope import Envelope
from schemas.registry import registry

log = structlog.get_logger(__name__)

Handler = Callable[["Delivery"], Awaitable[None]]
_EMIT_NS = uuid.UUID("6c1f6a52-58b5-4b8e-9d0e-6b2f1c6f0a11")


def stream_for(subject: str) -> str:
    """The stream that holds a subject."""
    if subject.startswith("$JS.EVENT.ADVISORY"):
        return ADVISORIES
    parts = subject.split(".")
    if parts[:2] == ["dlq", "lt"]:
        return DLQ
    if parts[:2] == ["sched", "lt"]:
        return SCHEDULES
    if len(parts) >= 3 and parts[2] == "cmd":
        return COMMANDS
    if len(parts) >= 3 and parts[2] == "evt":
        return EVENTS
    raise ValueError(f"subject {subject!r} belongs to no stream of the hub")


def canonical(type: str, version: int, payload: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """Validate a payload against its registered model and return its JSON form with defaults filled."""
    raw = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    return registry.validate(type, version, raw).model_dump(mode="json")


def header_safe(text: str, limit: int = 1000) -> str:
    """NATS header values are one line of ASCII: escape the rest."""
    flat = " ".join(text.split())[:limit]
    return flat.encode("ascii", "backslashreplace").decode("ascii")


@dataclass
class ConsumerSpec:
    """A durable pull consumer and its handler."""

    name: str
    subject: str
    handler: Handler
    transactional: bool = False
    types: frozenset[str] | None = None
    raw: bool = False
    batch: int = 64
    max_deliver: int = 6
    ack_wait: float = 30.0
    description: str = ""
    journal_handled: bool = True  # False when the handler journals its own hops (the router)
    keep_alive: bool = True  # tell JetStream a running handler's message is in progress
    max_running: float = 3600.0  # stop saying so after this long: a hung handler's message is redelivered

    @property
    def stream(self) -> str:
        return stream_for(self.subject)

    @property
    def progress_every(self) -> float:
        """How often a running handler's message is reported in progress (0: never)."""
        return max(self.ack_wait / 3, 0.05) if self.keep_alive else 0.0


class Progress:
    """The messages of one consumer whose handlers are running; `run` reports them in progress.

    One task per consumer, whatever the batch: each tick reports the messages that have been running
    for at least a tick, so a handler shorter than a third of the ack wait costs nothing.
    """

    def __init__(self, spec: ConsumerSpec) -> None:
        self.spec = spec
        self.running: dict[int, tuple[Msg, float]] = {}
        self.reported = 0

    @contextmanager
    def track(self, msg: Msg) -> Iterator[None]:
        """Count the message as running while the block runs."""
        self.running[id(msg)] = (msg, time.monotonic())
        try:
            yield
        finally:
            self.running.pop(id(msg), None)

    async def run(self) -> None:
        """Report every long-running message in progress, each tick, until cancelled."""
        every = self.spec.progress_every
        while True:
            await asyncio.sleep(every)
            now = time.monotonic()
            for key, (msg, since) in list(self.running.items()):
                running = now - since
                if running < every * 0.9:
                    continue
                if running > self.spec.max_running:
                    log.warning(
                        "consumer.handler_overrunning",
                        consumer=self.spec.name,
                        running_s=round(running, 1),
                        hint="no longer reported in progress: JetStream will redeliver it",
                    )
                    self.running.pop(key, None)
                    continue
                await _report_progress(self.spec.name, msg)
                self.reported += 1


async def _report_progress(consumer: str, msg: Msg) -> None:
    try:
        await msg.in_progress()
    except Exception as exc:  # the connection is down: JetStream may redeliver, nothing else to do
        log.debug("consumer.in_progress_failed", consumer=consumer, error=describe(exc))


class Work:
    """One database transaction whose emitted messages leave through the outbox after commit."""

    def __init__(self, hub: Hub, session: AsyncSession, source: str, user_id: str | None) -> None:
        self.hub = hub
        self.session = session
        self.source = source
        self.user_id = user_id
        self.emitted: list[Envelope] = []

    async def emit(
        self,
        type: str,
        payload: BaseModel | dict[str, Any],
        *,
        issue: str | None = None,
        subject: str | None = None,
        **fields: Any,
    ) -> Envelope:
        env = self._envelope(type, payload, issue=issue, **fields)
        env.subject = subject or registry.spec(env.type, env.version).subject
        data = await self.hub.encode(env)
        self.session.add(
            OutboxEntry(
                message_id=str(env.id),
                subject=env.subject,
                data=data,
                headers={"Nats-Msg-Id": str(env.id), "Lt-Type": env.type},
                created_at=datetime.now(UTC),
            )
        )
        self.emitted.append(env)
        return env

    def _envelope(self, type: str, payload: BaseModel | dict[str, Any], **fields: Any) -> Envelope:
        body = canonical(type, fields.get("version", 1), payload)
        fields.setdefault("user_id", self.user_id)
        return Envelope(type=type, source=self.source, payload=body, **fields)


class Delivery(Work):
    """One message delivered to one consumer."""

    def __init__(
        self,
        hub: Hub,
        spec: ConsumerSpec,
        msg: Msg,
        envelope: Envelope | None,
        payload: BaseModel | None,
        session: AsyncSession | None,
    ) -> None:
        super().__init__(hub, session, spec.name, envelope.user_id if envelope else None)  # type: ignore[arg-type]
        self.spec = spec
        self.msg = msg
        self._envelope_in = envelope
        self._payload = payload
        self.delivered = msg.metadata.num_delivered if msg.reply else 1

    @property
    def consumer(self) -> str:
        return self.spec.name

    async def in_progress(self) -> None:
        """Tell JetStream this message is still being worked on (resets its ack wait)."""
        if self.msg.reply:
            await _report_progress(self.spec.name, self.msg)

    @property
    def envelope(self) -> Envelope:
        if self._envelope_in is None:
            raise PermanentError(f"consumer {self.spec.name} is raw: it has no envelope")
        return self._envelope_in

    @property
    def payload(self) -> Any:
        return self._payload

    def _envelope(self, type: str, payload: BaseModel | dict[str, Any], **fields: Any) -> Envelope:
        parent = self.envelope
        body = canonical(type, fields.get("version", 1), payload)
        # Deterministic ids: a retried handler re-emits the same ids, which JetStream de-duplicates.
        n = len(self.emitted)
        fields.setdefault("id", uuid.uuid5(_EMIT_NS, f"{parent.id}:{self.spec.name}:{n}"))
        fields.setdefault("issue", parent.issue)
        fields = {k: v for k, v in fields.items() if not (k == "issue" and v is None)}
        return parent.caused(type, self.spec.name, body, **fields)

    async def emit(
        self,
        type: str,
        payload: BaseModel | dict[str, Any],
        *,
        issue: str | None = None,
        subject: str | None = None,
        **fields: Any,
    ) -> Envelope:
        if self.session is not None:
            return await super().emit(type, payload, issue=issue, subject=subject, **fields)
        env = self._envelope(type, payload, issue=issue, **fields)
        env.subject = subject or registry.spec(env.type, env.version).subject
        await self.hub.publish_envelope(env)
        self.emitted.append(env)
        return env


@dataclass
class Hub:
    """Composition root of one process: NATS, database, journal, claim check, routing, consumers."""

    settings: Settings
    modules: list[Module] = field(default_factory=list)
    nc: NatsClient | None = None
    js: JetStreamContext | None = None
    consumers: list[ConsumerSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.db = Database(self.settings.database_url)
        self.journal = Journal(self.db)
        self.routing = RoutingTable.load(self.settings.routes_file)
        self.relay = OutboxRelay(self)
        self._tasks: list[asyncio.Task[None]] = []
        self._subs: list[JetStreamContext.PullSubscription] = []
        self._running = False
        self._claims: ClaimStore | None = None
        self.started_at: datetime | None = None
        self.progress: dict[str, Progress] = {}  # per consumer: handlers running, in-progress reports

    # -- wiring -------------------------------------------------------------------------------------

    def consumer(
        self,
        name: str,
        subject: str,
        *,
        transactional: bool = False,
        types: list[str] | None = None,
        raw: bool = False,
        batch: int | None = None,
        max_deliver: int | None = None,
        ack_wait: float | None = None,
        description: str = "",
        journal_handled: bool = True,
        keep_alive: bool = True,
        max_running: float | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register a durable pull consumer running under the hub's reliability policy.

        While the handler runs its message is reported in progress (unless `keep_alive=False`), so a
        handler longer than `ack_wait` is not redelivered concurrently, for at most `max_running` s.
        """
        if any(c.name == name for c in self.consumers):
            raise ValueError(f"consumer name {name!r} is already registered")
        stream_for(subject)

        def decorate(handler: Handler) -> Handler:
            self.consumers.append(
                ConsumerSpec(
                    name=name,
                    subject=subject,
                    handler=handler,
                    transactional=transactional,
                    types=frozenset(types) if types else None,
                    raw=raw,
                    batch=batch or self.settings.fetch_batch,
                    max_deliver=max_deliver or self.settings.max_deliver,
                    ack_wait=ack_wait or self.settings.ack_wait_seconds,
                    description=description or (handler.__doc__ or "").strip(),
                    journal_handled=journal_handled,
                    keep_alive=keep_alive,
                    max_running=max_running or ConsumerSpec.max_running,
                )
            )
            return handler

        return decorate

    def module(self, name: str) -> Module:
        """The loaded module called `name` (its API reaches its own state through this)."""
        for module in self.modules:
            if module.name == name:
                return module
        raise LookupError(f"module {name!r} is not loaded in this hub")

    @property
    def claims(self) -> ClaimStore:
        if self._claims is None:
            raise RuntimeError("the hub is not connected yet")
        return self._claims

    def _connect_options(self) -> dict[str, Any]:
        s = self.settings
        opts: dict[str, Any] = {"name": "lienthong", "max_reconnect_attempts": -1, "reconnect_time_wait": 0.5}
        if s.nats_creds:
            opts["user_credentials"] = str(s.nats_creds)
        if s.nats_user:
            opts["user"] = s.nats_user
            opts["password"] = s.nats_password.get_secret_value() if s.nats_password else ""
        return opts

    async def connect(self, servers: list[str]) -> None:
        """Connect to NATS, provision the topology, make the claim store.

        Credentials in a server URL are sent as connect options instead (the explicit settings win),
        so the URL the connection reports, which health checks and pages show, carries none.
        """
        plain, from_url = split_credentials(servers)
        self.nc = await nats.connect(servers=plain, **{**from_url, **self._connect_options()})
        self.js = self.nc.jetstream()
        changes = await provision(self.js, self.settings.stream_replicas)
        for change in changes:
            log.info("topology.provisioned", change=change)
        self._claims = ClaimStore(self.js)

    async def start(self, servers: list[str], consume: bool = True) -> None:
        """Connect, set up modules, start consumers, relay and journal (consume=False: API only)."""
        await self.connect(servers)
        for module in self.modules:
            module.setup(self)
        self.journal.start()
        self.relay.start()
        self._running = True
        for spec in self.consumers if consume else []:
            sub = await self._subscribe(spec)
            self._subs.append(sub)
            self._tasks.append(asyncio.create_task(self._consume(spec, sub), name=f"consumer-{spec.name}"))
        for module in self.modules if consume else []:
            await module.start(self)
        self.started_at = datetime.now(UTC)
        log.info("hub.started", consumers=len(self.consumers), modules=[m.name for m in self.modules])

    async def stop(self) -> None:
        """Stop the modules, then the consumers, the relay and the connection; every wait is bounded
        (`stop_timeout_seconds`), and what did not stop in time is logged and left behind."""
        bound = self.settings.stop_timeout_seconds
        for module in reversed(self.modules):
            stopping = asyncio.create_task(module.stop(), name=f"stop-{module.name}")
            done, _ = await asyncio.wait({stopping}, timeout=bound)
            if not done:  # not awaited again: a stop that ignores its cancellation must not hold us
                stopping.cancel()
                log.warning("module.stop_timed_out", module=module.name, seconds=bound)
            elif not stopping.cancelled() and stopping.exception() is not None:
                log.warning("module.stop_failed", module=module.name, error=str(stopping.exception()))
        self._running = False
        if self._tasks:
            # consumers finish the batch in hand, then stop fetching
            grace = min(self.settings.ack_wait_seconds, bound)
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                _, stuck = await asyncio.wait(pending, timeout=bound)
                for task in stuck:
                    log.warning("consumer.stop_timed_out", task=task.get_name(), seconds=bound)
            self._tasks.clear()
        for sub in self._subs:
            try:
                await sub.unsubscribe()
            except Exception as exc:
                log.debug("consumer.unsubscribe_failed", error=str(exc))
        self._subs.clear()
        await self.relay.stop()
        await self.journal.stop()
        if self.nc is not None and not self.nc.is_closed:
            try:
                await self.nc.drain()
            except Exception:
                await self.nc.close()
        await self.db.dispose()

    def consumer_config(self, spec: ConsumerSpec) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            durable_name=spec.name,
            filter_subject=spec.subject,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_wait=spec.ack_wait,
            max_deliver=spec.max_deliver,
            max_ack_pending=max(spec.batch * 4, 256),
            description=spec.description[:200] or None,
        )

    async def _subscribe(self, spec: ConsumerSpec) -> JetStreamContext.PullSubscription:
        assert self.js is not None
        return await self.js.pull_subscribe(
            spec.subject, durable=spec.name, stream=spec.stream, config=self.consumer_config(spec)
        )

    async def _consume(self, spec: ConsumerSpec, sub: JetStreamContext.PullSubscription) -> None:
        """Fetch batches from the durable pull consumer and handle each batch concurrently."""
        progress = Progress(spec)
        self.progress[spec.name] = progress
        ticker = None
        if spec.keep_alive:
            ticker = asyncio.create_task(progress.run(), name=f"progress-{spec.name}")
        try:
            await self._fetch_loop(spec, sub, progress)
        finally:
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker

    async def _fetch_loop(
        self, spec: ConsumerSpec, sub: JetStreamContext.PullSubscription, progress: Progress
    ) -> None:
        while self._running:
            try:
                msgs = await sub.fetch(spec.batch, timeout=1.0)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            except (
                nats.errors.ConnectionClosedError,
                nats.errors.ConnectionReconnectingError,
                nats.js.errors.ServiceUnavailableError,
                nats.errors.NoRespondersError,
            ) as exc:
                log.info("consumer.waiting_for_nats", consumer=spec.name, error=type(exc).__name__)
                await asyncio.sleep(0.5)
                continue
            except Exception as exc:  # never let one consumer die silently
                log.error("consumer.fetch_failed", consumer=spec.name, error=describe(exc))
                await asyncio.sleep(1.0)
                continue
            if len(msgs) == 1:
                await self._handle_tracked(spec, msgs[0], progress)
            else:
                await asyncio.gather(*(self._handle_tracked(spec, m, progress) for m in msgs))

    async def _handle_tracked(self, spec: ConsumerSpec, msg: Msg, progress: Progress) -> None:
        with progress.track(msg):
            await self._handle(spec, msg)

    # -- publishing ----------------------------------------------------------------------------------

    async def encode(self, env: Envelope) -> bytes:
        """Serialize; a payload above the threshold moves to the Object Store behind a claim check."""
        data = env.to_bytes()
        if len(data) > self.settings.claim_threshold_bytes and env.payload:
            body = json.dumps(env.payload, ensure_ascii=False).encode()
            claim = await self.claims.put(body, media_type=PAYLOAD_MEDIA_TYPE)
            data = env.model_copy(update={"payload": {}, "claim": claim}).to_bytes()
        return data

    async def publish_raw(self, subject: str, data: bytes, headers: dict[str, str]) -> None:
        assert self.js is not None
        await self.js.publish(subject, data, headers=headers)

    async def publish_envelope(self, env: Envelope, *, journal_payload: bool = False) -> None:
        """Publish an envelope; `journal_payload` also keeps its payload in the journal row (for a
        small event the portal lists without reading the streams, e.g. `axis.receive_failed`)."""
        data = await self.encode(env)
        await self.publish_raw(env.subject, data, {"Nats-Msg-Id": str(env.id), "Lt-Type": env.type})
        extra: dict[str, Any] = {"payload": env.payload} if journal_payload and env.payload else {}
        self.journal.record(env, "published", env.source, size=len(data), **extra)

    async def publish(
        self,
        type: str,
        payload: BaseModel | dict[str, Any],
        *,
        source: str,
        issue: str | None = None,
        user_id: str | None = None,
        subject: str | None = None,
        version: int = 1,
        journal_payload: bool = False,
        **fields: Any,
    ) -> Envelope:
        """Validate the payload against its registered type and publish it on the type's subject."""
        spec = registry.spec(type, version)
        body = canonical(type, version, payload)
        env = Envelope(
            type=type, version=version, source=source, issue=issue, user_id=user_id, payload=body, **fields
        )
        env.subject = subject or spec.subject
        await self.publish_envelope(env, journal_payload=journal_payload)
        return env

    @asynccontextmanager
    async def transaction(self, source: str, user_id: str | None = None) -> AsyncIterator[Work]:
        """A database transaction whose emitted messages are published after commit (outbox)."""
        async with self.db.sessions() as session:
            async with session.begin():
                unit = Work(self, session, source, user_id)
                yield unit
            for env in unit.emitted:
                self.journal.record(env, "published", source, via="outbox")
        if unit.emitted:
            self.relay.kick()

    # -- consuming -----------------------------------------------------------------------------------

    def backoff(self, delivered: int) -> float:
        """Delay before the next attempt: exponential in the delivery count, capped, with jitter."""
        base = float(self.settings.retry_base_seconds * (2 ** max(delivered - 1, 0)))
        return float(min(base, self.settings.retry_max_seconds) * random.uniform(0.95, 1.05))

    async def _handle(self, spec: ConsumerSpec, msg: Msg) -> None:
        started = time.perf_counter()
        delivered = msg.metadata.num_delivered
        headers = msg.headers or {}
        replay_for = headers.get("Lt-Replay-For")
        if replay_for and replay_for != spec.name:
            await msg.ack()
            return
        env: Envelope | None = None
        try:
            if spec.raw:
                outcome = await self._run(spec, msg, None, None)
            else:
                env = Envelope.model_validate_json(msg.data)
                env.subject = msg.subject
                structlog.contextvars.bind_contextvars(
                    message_id=str(env.id), correlation_id=str(env.correlation_id), issue=env.issue
                )
                self._check_publisher(env)
                if env.claim is not None and env.claim.media_type == PAYLOAD_MEDIA_TYPE and not env.payload:
                    env.payload = json.loads(await self.claims.get(env.claim))
                if spec.types is not None and env.type not in spec.types:
                    raise PermanentError(
                        f"consumer {spec.name} does not handle message type {env.type!r} "
                        f"(it takes {', '.join(sorted(spec.types))})"
                    )
                payload = registry.validate(env.type, env.version, env.payload)
                outcome = await self._run(spec, msg, env, payload)
        except Exception as exc:
            await self._failed(spec, msg, env, delivered, exc, started)
            return
        finally:
            structlog.contextvars.unbind_contextvars("message_id", "correlation_id", "issue")
        await msg.ack()
        if env is not None and spec.journal_handled:
            elapsed = (time.perf_counter() - started) * 1000
            self.journal.record(
                env, "handled", spec.name, outcome=outcome, delivery=delivered, duration_ms=elapsed
            )

    def _check_publisher(self, env: Envelope) -> None:
        """Refuse an event from a source that may not publish it (the routing table's `publishers`):
        a permanent failure, so it goes to the dead letters with the reason and is never applied."""
        refusal = self.routing.refusal(env)
        if refusal is not None:
            log.warning("message.forged_source", subject=env.subject, type=env.type, source=env.source)
            raise PermanentError(refusal)

    async def _run(
        self, spec: ConsumerSpec, msg: Msg, env: Envelope | None, payload: BaseModel | None
    ) -> str:
        if not spec.transactional:
            await spec.handler(Delivery(self, spec, msg, env, payload, None))
            return "ok"
        message_id = (
            str(env.id) if env else (msg.headers or {}).get("Nats-Msg-Id", str(msg.metadata.sequence.stream))
        )
        delivery: Delivery | None = None
        try:
            async with self.db.sessions() as session, session.begin():
                if await session.get(InboxEntry, (spec.name, message_id)) is not None:
                    return "duplicate"
                delivery = Delivery(self, spec, msg, env, payload, session)
                await spec.handler(delivery)
                session.add(
                    InboxEntry(consumer=spec.name, message_id=message_id, processed_at=datetime.now(UTC))
                )
        except IntegrityError:
            async with self.db.sessions() as session:
                if await session.get(InboxEntry, (spec.name, message_id)) is not None:
                    return "duplicate"  # a concurrent delivery of the same message won the race
            raise
        if delivery is not None and delivery.emitted:
            for out in delivery.emitted:
                self.journal.record(out, "published", spec.name, via="outbox")
            self.relay.kick()
        return "ok"

    async def _failed(
        self,
        spec: ConsumerSpec,
        msg: Msg,
        env: Envelope | None,
        delivered: int,
        exc: Exception,
        started: float,
    ) -> None:
        error = describe(exc)
        permanent = is_permanent(exc)
        record_env = env or _placeholder(msg)
        elapsed = (time.perf_counter() - started) * 1000
        if permanent or delivered >= spec.max_deliver:
            reason = "permanent" if permanent else "exhausted"
            try:
                await self.dead_letter(spec.name, msg, reason, error, delivered)
            except Exception as dlq_exc:  # cannot dead-letter now: let JetStream redeliver later
                log.error("dlq.publish_failed", consumer=spec.name, error=str(dlq_exc))
                await msg.nak(delay=self.backoff(delivered))
                return
            await msg.term()
            log.warning("message.dead_lettered", consumer=spec.name, reason=reason, error=error)
            self.journal.record(
                record_env,
                "dead_lettered",
                spec.name,
                outcome=reason,
                delivery=delivered,
                duration_ms=elapsed,
                error=error,
            )
            return
        delay = self.backoff(delivered)
        await msg.nak(delay=delay)
        log.info("message.retry", consumer=spec.name, delivery=delivered, delay=round(delay, 3), error=error)
        self.journal.record(
            record_env,
            "retried",
            spec.name,
            outcome="nak",
            delivery=delivered,
            duration_ms=elapsed,
            error=error,
            delay=round(delay, 3),
        )

    async def dead_letter(self, consumer: str, msg: Msg, reason: str, error: str, deliveries: int) -> None:
        """Copy a message to the DLQ stream with why it died (de-duplicated per consumer and sequence)."""
        meta = msg.metadata
        original = msg.headers or {}
        headers = {k: v for k, v in original.items() if k.startswith("Lt-") and not k.startswith("Lt-Dlq")}
        headers.update(
            {
                "Nats-Msg-Id": f"dlq-{consumer}-{meta.stream}-{meta.sequence.stream}",
                "Lt-Dlq-Consumer": consumer,
                "Lt-Dlq-Reason": reason,
                "Lt-Dlq-Error": header_safe(error),
                "Lt-Dlq-Deliveries": str(deliveries),
                "Lt-Dlq-Subject": msg.subject,
                "Lt-Dlq-Stream": meta.stream,
                "Lt-Dlq-Seq": str(meta.sequence.stream),
                "Lt-Dlq-Message-Id": original.get("Nats-Msg-Id", ""),
            }
        )
        assert self.js is not None
        await self.js.publish(f"{DLQ_PREFIX}{consumer}", msg.data, headers=headers)


def _placeholder(msg: Msg) -> Envelope:
    """Something to journal for a message that is not a valid envelope."""
    headers = msg.headers or {}
    try:
        mid = uuid.UUID(headers.get("Nats-Msg-Id", ""))
    except ValueError:
        mid = uuid.uuid5(_EMIT_NS, f"{msg.subject}:{msg.metadata.sequence.stream}")
    env = Envelope(id=mid, type=headers.get("Lt-Type", "<invalid>"), source="?", subject=msg.subject)
    return env


async def wait_for(
    condition: Callable[[], Awaitable[bool]], timeout: float = 20.0, every: float = 0.05
) -> bool:
    """Poll an async condition until it holds or the timeout passes (for tests and start-up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return True
        await asyncio.sleep(every)
    return await condition()
