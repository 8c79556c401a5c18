"""Where the tests find shared material: the official edXML samples beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LIENTHONG_SHARED_DIR", ROOT.parent / "shared"))
EDXML_SAMPLES = SHARED / "fixtures" / "edxml-official"
