"""Coverage-guided fuzzing of the edXML parser with atheris (run by tests/fuzz/test_atheris.py).

Usage: python tests/fuzz/atheris_edxml.py [libFuzzer flags, e.g. -max_total_time=30 corpus_dir]
Any exception other than EdxmlError is a finding: atheris stops and prints the input.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from schemas.edxml import EdxmlError, MemorySink, ParseOptions, parse_message, stream_edoc

OPTIONS = ParseOptions(max_size=1_000_000)


def one_input(data: bytes) -> None:
    for parse in (lambda d: parse_message(d, OPTIONS), lambda d: stream_edoc(d, MemorySink(), OPTIONS)):
        try:
            parse(data)
        except EdxmlError:
            pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
