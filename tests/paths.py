"""Where the tests find shared material: the official edXML samples beside the repository.

The samples are the Government Office's own files and are not copied into the repository. On a
clone with nothing beside it, the tests that need them skip with the reason; in CI (`CI=true`) a
missing folder fails the run instead, so a CI machine can never pass without them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LIENTHONG_SHARED_DIR", ROOT.parent / "shared"))
EDXML_SAMPLES = SHARED / "fixtures" / "edxml-official"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def official_sample_path(name: str) -> Path:
    """The path of an official sample; skips (fails in CI) when the samples are not beside the clone."""
    path = EDXML_SAMPLES / name
    if not path.is_file():
        message = (
            f"official edXML sample {name} not found in {EDXML_SAMPLES} "
            "(put the shared folder beside the clone or set LIENTHONG_SHARED_DIR)"
        )
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)
    return path


def official_sample(name: str) -> bytes:
    """The bytes of an official sample (see official_sample_path)."""
    return official_sample_path(name).read_bytes()
