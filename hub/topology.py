"""JetStream topology: streams, Object Store and KV buckets, created or updated idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nats.js import JetStreamContext, api
from nats.js.errors import BucketNotFoundError, NotFoundError

from hub.claims import CONTENT_BUCKET

DAY = 24 * 3600

EVENTS = "EVENTS"
COMMANDS = "COMMANDS"
DLQ = "DLQ"
ADVISORIES = "ADVISORIES"
SCHEDULES = "SCHEDULES"

EVENT_SUBJECTS = "lt.*.evt.>"
COMMAND_SUBJECTS = "lt.*.cmd.>"
DLQ_SUBJECTS = "dlq.lt.>"
DLQ_PREFIX = "dlq.lt."
SCHEDULE_SUBJECTS = "sched.lt.>"
MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>"

KV_BUCKETS = {"lt-health": "adapter health and circuit state", "lt-cursors": "adapter polling cursors"}


@dataclass
class StreamPlan:
    name: str
    subjects: list[str]
    retention: api.RetentionPolicy
    max_age_days: float
    description: str
    duplicate_window: float = 600.0
    extra: dict[str, Any] = field(default_factory=dict)

    def config(self, replicas: int) -> api.StreamConfig:
        return api.StreamConfig(
            name=self.name,
            subjects=self.subjects,
            retention=self.retention,
            storage=api.StorageType.FILE,
            max_age=self.max_age_days * DAY,
            duplicate_window=self.duplicate_window,
            num_replicas=replicas,
            description=self.description,
            **self.extra,
        )


def stream_plans() -> list[StreamPlan]:
    return [
        StreamPlan(EVENTS, [EVENT_SUBJECTS], api.RetentionPolicy.LIMITS, 90, "Facts, replayable per module"),
        StreamPlan(
            COMMANDS, [COMMAND_SUBJECTS], api.RetentionPolicy.WORK_QUEUE, 30, "Instructions, work queue"
        ),
        StreamPlan(DLQ, [DLQ_SUBJECTS], api.RetentionPolicy.LIMITS, 365, "Dead letters with reasons"),
        StreamPlan(
            ADVISORIES,
            [MAX_DELIVERIES_ADVISORY],
            api.RetentionPolicy.LIMITS,
            7,
            "Max-deliveries advisories, so no exhausted message is missed",
        ),
        StreamPlan(
            SCHEDULES,
            [SCHEDULE_SUBJECTS],
            api.RetentionPolicy.LIMITS,
            400,
            "Durable scheduled messages (reminders, deadlines)",
            extra={"allow_msg_schedules": True},
        ),
    ]


async def provision(js: JetStreamContext, replicas: int = 1) -> list[str]:
    """Create or update every stream and bucket; return what changed."""
    changes = []
    for plan in stream_plans():
        cfg = plan.config(replicas)
        try:
            info = await js.stream_info(plan.name)
        except NotFoundError:
            await js.add_stream(cfg)
            changes.append(f"created stream {plan.name}")
            continue
        current = info.config
        if (
            list(current.subjects or []) != plan.subjects
            or current.max_age != cfg.max_age
            or current.description != cfg.description
            or current.duplicate_window != cfg.duplicate_window
        ):
            cfg.num_replicas = current.num_replicas  # replica changes are an operator's decision
            await js.update_stream(cfg)
            changes.append(f"updated stream {plan.name}")
    try:
        await js.object_store(CONTENT_BUCKET)
    except (BucketNotFoundError, NotFoundError):
        await js.create_object_store(
            CONTENT_BUCKET,
            config=api.ObjectStoreConfig(description="claim-checked content", replicas=replicas),
        )
        changes.append(f"created object store {CONTENT_BUCKET}")
    for bucket, description in KV_BUCKETS.items():
        try:
            await js.key_value(bucket)
        except (BucketNotFoundError, NotFoundError):
            await js.create_key_value(
                config=api.KeyValueConfig(
                    bucket=bucket, description=description, replicas=replicas, history=5
                )
            )
            changes.append(f"created key-value bucket {bucket}")
    return changes


async def describe(js: JetStreamContext) -> list[dict[str, Any]]:
    """Streams with their consumers and delivery state, for `lienthong topology show` and the portal."""
    out = []
    for plan in stream_plans():
        try:
            info = await js.stream_info(plan.name)
        except NotFoundError:
            out.append({"stream": plan.name, "missing": True})
            continue
        consumers = []
        for c in await js.consumers_info(plan.name):
            consumers.append(
                {
                    "name": c.name,
                    "filter": c.config.filter_subject,
                    "pending": c.num_pending,
                    "ack_pending": c.num_ack_pending,
                    "max_ack_pending": c.config.max_ack_pending,
                    "redelivered": c.num_redelivered,
                    "waiting": c.num_waiting,
                }
            )
        out.append(
            {
                "stream": plan.name,
                "subjects": info.config.subjects,
                "retention": str(getattr(info.config.retention, "value", info.config.retention)),
                "messages": info.state.messages,
                "bytes": info.state.bytes,
                "replicas": info.config.num_replicas,
                "consumers": consumers,
            }
        )
    return out
