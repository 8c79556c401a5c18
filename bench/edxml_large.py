"""Peak memory of parsing an edoc with a large attachment: streaming API versus whole-document parse.

Run: `.venv/bin/python -m bench.edxml_large [MEGABYTES] [--zip]` (default 50 MB, plain base64).
Builds the message on disk with the streaming builder, then measures each method in a fresh
subprocess (so ru_maxrss is that method's own high-water mark): the streaming parse into a file
sink, lxml iterparse + b64decode, and the in-memory `parse_edoc` (whole-document lxml parse +
b64decode). Prints tracemalloc peak and RSS growth as ratios to the file size and to the baseline.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from lxml import etree

from schemas.edxml import (
    AttachmentInfo,
    AttachmentSource,
    BuildOptions,
    EdocHeader,
    FileSink,
    MessageHeader,
    Organization,
    parse_edoc,
    stream_edoc,
    write_edoc,
)
from schemas.edxml.codes import EDXML_NS
from schemas.edxml.content import unwrap

MB = 1024 * 1024


def build(directory: Path, megabytes: int, zipped: bool) -> Path:
    """Write an edoc with one attachment of random bytes, streaming it from a file."""
    payload = directory / "payload.bin"
    with payload.open("wb") as out:
        for _ in range(megabytes):
            out.write(os.urandom(MB))
    header = EdocHeader(
        message_header=MessageHeader(
            from_=Organization(organ_id="000.00.31.H26", organ_name="Sở Nội vụ Hà Nội"),
            to=[Organization(organ_id="000.00.00.G22", organ_name="Văn phòng Chính phủ")],
            document_id="000.00.31.H26,2026/11/20,123/SNV-VP",
            subject="V/v gửi hồ sơ dung lượng lớn",
        )
    )
    info = AttachmentInfo(content_id="big", attachment_name="ho-so.pdf", content_type="application/pdf")
    path = directory / "large.edxml"
    with path.open("wb") as out:
        write_edoc(out, header, [AttachmentSource(info, payload)], BuildOptions(zip_attachments=zipped))
    return path


def _streaming(path: Path, out: Path) -> None:
    stream_edoc(path, FileSink(out))


def _iterparse(path: Path, out: Path) -> None:
    tag = f"{{{EDXML_NS}}}ContentTransferEncoded"
    for _, element in etree.iterparse(str(path), events=("end",), huge_tree=True, resolve_entities=False):
        if element.tag == tag:
            data, _ = unwrap(base64.b64decode(element.text or ""), "attachment", 1 << 40)
            (out / "attachment").write_bytes(data)
            element.clear()


def _whole(path: Path, out: Path) -> None:
    message = parse_edoc(path.read_bytes())
    for attachment in message.attachments:
        (out / attachment.content_id).write_bytes(attachment.data)


METHODS = {"streaming": _streaming, "iterparse": _iterparse, "whole-document": _whole}


def measure(method: str, path: Path) -> dict[str, float]:
    """Run one method in this process and return its memory peaks (bytes) and duration (s)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with tempfile.TemporaryDirectory() as out:
        tracemalloc.start()
        started = time.perf_counter()
        METHODS[method](path, Path(out))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        written = sum(f.stat().st_size for f in Path(out).iterdir())
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"tracemalloc_peak": peak, "rss_growth": after - before, "seconds": elapsed, "written": written}


def _run_isolated(method: str, path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.edxml_large", "--measure", method, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def main(argv: list[str]) -> None:
    """Build the message, measure every method in isolation, print the comparison."""
    if argv[:1] == ["--measure"]:
        print(json.dumps(measure(argv[1], Path(argv[2]))))
        return
    megabytes = int(next((a for a in argv if a.isdigit()), "50"))
    zipped = "--zip" in argv
    with tempfile.TemporaryDirectory() as directory:
        path = build(Path(directory), megabytes, zipped)
        size = path.stat().st_size
        print(
            f"edXML file: {size / MB:.1f} MB ({megabytes} MB attachment, {'zipped' if zipped else 'plain'})"
        )
        results = {method: _run_isolated(method, path) for method in METHODS}
    baseline = results["whole-document"]
    print(f"{'method':<16}{'tracemalloc':>12}{'/file':>8}{'RSS growth':>12}{'/file':>8}{'time/base':>11}")
    for method, r in results.items():
        assert r["written"] == megabytes * MB, f"{method} wrote {r['written']} bytes"
        traced, rss = r["tracemalloc_peak"], r["rss_growth"]
        speed = r["seconds"] / baseline["seconds"]
        memory = f"{traced / MB:>10.1f}MB{traced / size:>8.2f}{rss / MB:>10.1f}MB{rss / size:>8.2f}"
        print(f"{method:<16}{memory}{speed:>11.2f}")
    traced_ratio = results["streaming"]["tracemalloc_peak"] / baseline["tracemalloc_peak"]
    rss_ratio = results["streaming"]["rss_growth"] / max(baseline["rss_growth"], 1)
    print(f"streaming / whole-document: tracemalloc {traced_ratio:.3f}, RSS growth {rss_ratio:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
