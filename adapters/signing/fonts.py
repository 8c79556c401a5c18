"""Cut a large Unicode font down to Latin and Vietnamese once per process, so stamps render fast."""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

# Basic Latin, Latin-1, Latin Extended-A/B (Đ, Ơ, Ư ...), combining marks, Vietnamese precomposed
# letters (U+1EA0-U+1EF9), general punctuation, the degree sign and the đồng sign.
VIETNAMESE_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x17F),
    (0x1A0, 0x1B0),
    (0x300, 0x323),
    (0x1EA0, 0x1EF9),
    (0x2010, 0x2044),
    (0x20AB, 0x20AB),
)


@lru_cache(maxsize=8)
def compact_font(path: Path) -> Path:
    """Return a subset of the font with Latin and Vietnamese glyphs, cached on disk by content hash."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "lienthong-fonts"
    folder.mkdir(exist_ok=True)
    target = folder / f"{path.stem}-vi-{digest}.ttf"
    if target.exists():
        return target
    font = TTFont(path)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables = [*options.drop_tables, "FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[cp for lo, hi in VIETNAMESE_RANGES for cp in range(lo, hi + 1)])
    subsetter.subset(font)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(partial)
    partial.replace(target)  # atomic: concurrent workers never read a half-written font
    return target
