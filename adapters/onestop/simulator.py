"""A one-stop system simulator on a real HTTP socket: files dossiers, sends signed webhooks, takes status.

Run it beside the hub for demos (`python -m adapters.onestop.simulator --hub-url ... --secret ...`)
or through SimulatorServer (what `make run` embeds in development, and tests start on a free port).
With a data file it keeps its dossiers across restarts, so the hub's status callbacks still find them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, HTTPException, Request, status
from pydantic import BaseModel, Field

from adapters.onestop.hmac_auth import HmacRefused, hmac_headers, verify
from hub.listener import ThreadedServer
from schemas.intake import Applicant, DossierAction


class SimFile(BaseModel):
    """A scanned document sent inline with the webhook."""

    name: str
    content_base64: str
    content_type: str = "application/pdf"


class NewSimDossier(BaseModel):
    procedure_code: str
    applicant: Applicant
    documents: list[SimFile] = Field(default_factory=list)
    channel: str = "online"


class SimEvent(BaseModel):
    action: DossierAction
    unit_id: str | None = None
    note: str = ""
    documents: list[SimFile] = Field(default_factory=list)


class OnestopSimulator:
    """State of the simulated one-stop system."""

    def __init__(
        self, hub_webhook_url: str, secret: str, retries: int = 5, data_file: Path | None = None
    ) -> None:
        self.hub_webhook_url = hub_webhook_url
        self.secret = secret
        self.retries = retries
        self.data_file = data_file
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.deliveries: list[dict[str, Any]] = []
        if data_file is not None and data_file.is_file():
            self.dossiers = json.loads(data_file.read_text(encoding="utf-8"))
        self._ids = itertools.count(len(self.dossiers) + 1)
        self._lock = threading.Lock()

    def new_id(self) -> str:
        with self._lock:
            return f"MC-{next(self._ids):06d}"

    def save(self) -> None:
        """Write the dossiers to the data file (atomically), when there is one."""
        if self.data_file is None:
            return
        with self._lock:
            text = json.dumps(self.dossiers, ensure_ascii=False, indent=1)
            self.data_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.data_file.with_suffix(self.data_file.suffix + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.data_file)

    def send(self, event: dict[str, Any]) -> dict[str, Any]:
        """POST one signed webhook, retrying on failure with the same delivery id."""
        data = json.dumps(event, ensure_ascii=False, default=str).encode()
        delivery = str(uuid.uuid4())
        last: str = ""
        for attempt in range(self.retries):
            try:
                r = httpx.post(
                    self.hub_webhook_url,
                    content=data,
                    headers=hmac_headers(self.secret, data, delivery),
                    timeout=10,
                )
                record = {
                    "delivery": delivery,
                    "status": r.status_code,
                    "attempt": attempt + 1,
                    "event": event,
                }
                self.deliveries.append(record)
                if r.status_code < 500:
                    return record
                last = f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                last = str(exc)
            time.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"webhook to {self.hub_webhook_url} failed: {last}")


def create_app(sim: OnestopSimulator) -> FastAPI:
    app = FastAPI(title="Hệ thống một cửa (mô phỏng)")

    @app.post("/api/dossiers", status_code=201)
    def file_dossier(body: NewSimDossier) -> dict[str, Any]:
        """A citizen files a dossier; the hub is told at once."""
        ext = sim.new_id()
        sim.dossiers[ext] = {"external_id": ext, "status": "received", "code": None, "history": []}
        sim.save()
        event = {"action": "received", "external_id": ext, **body.model_dump(mode="json")}
        delivery = sim.send(event)
        if delivery["status"] >= 300:
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"hub refused the dossier: {delivery['status']}")
        return {"external_id": ext}

    @app.post("/api/dossiers/{external_id}/events")
    def dossier_event(external_id: str, body: SimEvent) -> dict[str, Any]:
        """A desk officer records a step in the one-stop system; the hub is told."""
        if external_id not in sim.dossiers:
            raise HTTPException(404, f"no dossier {external_id}")
        event = {"external_id": external_id, **body.model_dump(mode="json")}
        return sim.send(event)

    @app.post("/api/dossiers/{external_id}/status")
    async def status_from_hub(external_id: str, request: Request) -> dict[str, bool]:
        """The hub reports the dossier's code, status and appointment."""
        raw = await request.body()
        try:
            verify(sim.secret, dict(request.headers), raw)
        except HmacRefused as exc:
            raise HTTPException(401, str(exc)) from None
        if external_id not in sim.dossiers:
            raise HTTPException(404, f"no dossier {external_id}")
        facts = json.loads(raw)
        d = sim.dossiers[external_id]
        d.update({k: facts.get(k) for k in ("code", "status", "due_date", "unit_id")})
        d["history"].append(facts.get("status"))
        sim.save()
        return {"ok": True}

    @app.get("/api/dossiers")
    def dossiers() -> list[dict[str, Any]]:
        """Every dossier the system knows, newest first."""
        return list(reversed(sim.dossiers.values()))

    @app.get("/api/dossiers/{external_id}")
    def show(external_id: str) -> dict[str, Any]:
        if external_id not in sim.dossiers:
            raise HTTPException(404, f"no dossier {external_id}")
        return sim.dossiers[external_id]

    return app


class SimulatorServer(ThreadedServer):
    """The simulator on a real socket in a background thread."""

    def __init__(self, simulator: OnestopSimulator, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(create_app(simulator), "onestop-sim", host, port)
        self.simulator = simulator

    def start(self, timeout: float = 20.0) -> SimulatorServer:
        super().start(timeout)
        return self


def main() -> None:
    parser = argparse.ArgumentParser(description="Simulated one-stop system")
    parser.add_argument("--hub-url", required=True, help="The hub's webhook URL")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=8620)
    args = parser.parse_args()
    uvicorn.run(create_app(OnestopSimulator(args.hub_url, args.secret)), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
