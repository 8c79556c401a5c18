"""The simulator's agency directory: a small packaged list plus every agency a centre registers.

The codes are QCVN 102 codes from domain.md section 4; `code` equals `code102` here because the
newer Decision 20/2020 identifiers of these agencies are not known. Hanoi's H26 follows the hub's
default setting and is unverified.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from adapters.vdxp.protocol import Agency


def load_directory(path: Path | None = None, extra_codes: Iterable[str] = ()) -> dict[str, Agency]:
    """Load agencies keyed by code102 (packaged list unless `path`), adding bare entries for `extra_codes`."""
    text = (
        path.read_text(encoding="utf-8")
        if path
        else resources.files(__package__).joinpath("agencies.json").read_text(encoding="utf-8")
    )
    agencies = [Agency.model_validate(item) for item in json.loads(text)]
    directory = {a.code102 or a.code: a for a in agencies}
    for code in extra_codes:
        if code not in directory:
            directory[code] = Agency(id=str(len(directory) + 1), code=code, code102=code, name=code)
    return directory
