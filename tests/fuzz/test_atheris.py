"""Run the atheris (libFuzzer) harness of the edXML parser for a bounded time, seeded with the samples."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import EDXML_SAMPLES, ROOT

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def test_atheris_finds_no_crash_hang_or_leak(tmp_path: Path) -> None:
    try:
        import atheris  # noqa: F401
    except ImportError as exc:
        if IN_CI:
            pytest.fail(f"atheris is not installed: {exc}")
        pytest.skip(f"atheris is not installed: {exc}")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for sample in EDXML_SAMPLES.glob("status*.edxml"):
        shutil.copy(sample, corpus / sample.name)
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "fuzz" / "atheris_edxml.py"),
            "-max_total_time=25",
            "-timeout=10",
            "-rss_limit_mb=1536",
            "-max_len=65536",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    report = proc.stderr[-4000:]
    assert proc.returncode == 0, report
    assert "Done" in report and "runs in" in report
