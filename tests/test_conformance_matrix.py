"""The Decree 30 Appendix VI conformance matrix is complete and honest: one row per numbered requirement
of Part I §III, §IV and §V, a valid status, a cited test that exists for every done or partial row, a
reason for every row that is not done, and totals that match the rows."""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MATRIX = ROOT / "docs" / "conformance" / "decree-30-appendix-vi.md"

# Decree 30/2020/NĐ-CP Appendix VI Part I, as listed in ../shared/docs/law-2026.md §3.1 (ranges split
# into their letters as in the decree's text: Vietnamese lists skip f, j and p and put đ after d).
REQUIREMENTS: tuple[str, ...] = (
    # §III.1 creating and tracking documents
    "I.III.1.a",
    "I.III.1.b",
    "I.III.1.c",
    "I.III.1.d",
    "I.III.1.đ",
    "I.III.1.e",
    "I.III.1.g",
    "I.III.1.h",
    "I.III.1.i",
    "I.III.1.k",
    "I.III.1.l",
    "I.III.1.m",
    "I.III.1.n",
    "I.III.1.o",
    # §III.2 connection and interconnection
    "I.III.2.a",
    "I.III.2.b",
    "I.III.2.c",
    # §III.3 information security
    "I.III.3.a",
    "I.III.3.b",
    "I.III.3.c",
    # §III.4 dossiers
    "I.III.4.a",
    "I.III.4.b",
    "I.III.4.c",
    "I.III.4.d",
    "I.III.4.đ",
    "I.III.4.e",
    "I.III.4.g",
    # §III.5 preserving and archiving
    "I.III.5.a",
    "I.III.5.b",
    "I.III.5.c",
    "I.III.5.d",
    "I.III.5.đ",
    "I.III.5.e",
    "I.III.5.g",
    # §III.6 statistics, search and use
    "I.III.6.a",
    "I.III.6.b",
    "I.III.6.c",
    "I.III.6.d",
    "I.III.6.đ",
    "I.III.6.e",
    "I.III.6.g",
    "I.III.6.h",
    "I.III.6.i",
    "I.III.6.k",
    "I.III.6.l",
    # §III.7 metadata
    "I.III.7.a",
    "I.III.7.b",
    "I.III.7.c",
    "I.III.7.d",
    "I.III.7.đ",
    # §III.8 revocation
    "I.III.8.a",
    "I.III.8.b",
    "I.III.8.c",
    # §IV administration
    "I.IV.1.a",
    "I.IV.1.b",
    "I.IV.1.c",
    "I.IV.1.d",
    "I.IV.1.đ",
    "I.IV.1.e",
    "I.IV.1.g",
    "I.IV.2",
    "I.IV.3",
    # §V outputs
    "I.V.1",
    "I.V.2",
    "I.V.3",
    "I.V.4",
    "I.V.5",
    "I.V.6",
)
STATUSES = ("done", "partial", "missing")
COLUMNS = 5  # requirement | status | where built | proof | reason

ROW = re.compile(r"^\|\s*\*\*(?P<id>I\.[IV]+\.\d+(?:\.[a-zđ])?)\*\*")
NODE_ID = re.compile(r"`(tests/[^`\s]+?\.py::[^`\s]+)`")
CODE_SPAN = re.compile(r"`([^`]*)`")
TOTALS = re.compile(r"^Totals:.*$", re.MULTILINE)


@dataclass(frozen=True)
class Row:
    """One requirement of the matrix as written."""

    requirement: str
    statement: str
    status: str
    where: str
    proof: tuple[str, ...]
    proof_text: str
    reason: str


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse(text: str) -> list[Row]:
    """The requirement rows of the matrix, in order."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        match = ROW.match(line)
        if match is None:
            continue
        cells = _cells(line)
        assert len(cells) == COLUMNS, f"line {number}: {len(cells)} cells, expected {COLUMNS}: {line[:80]}"
        requirement, status, where, proof, reason = cells
        rows.append(
            Row(
                requirement=match["id"],
                statement=re.sub(r"^\*\*[^*]+\*\*", "", requirement).strip(),
                status=status.strip("` "),
                where=where,
                proof=tuple(NODE_ID.findall(proof)),
                proof_text=proof,
                reason=reason,
            )
        )
    return rows


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """Test functions of a file, as node-id suffixes: `test_x` and `TestClass::test_x`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(f"{node.name}::{item.name}" for item in node.body if isinstance(item, functions))
    return frozenset(name for name in names if name.rsplit("::", 1)[-1].startswith("test"))


def missing_node_ids(node_ids: list[str], root: Path = ROOT) -> list[str]:
    """The node ids that name no test: no such file, or no such test function in it."""
    missing = []
    for node_id in node_ids:
        file_part, _, name = node_id.partition("::")
        name = re.sub(r"\[.*\]$", "", name)  # a parametrized case names its function
        path = root / file_part
        if not path.is_file() or name not in defined_tests(path):
            missing.append(node_id)
    return missing


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return parse(MATRIX.read_text(encoding="utf-8"))


def test_the_rows_cover_every_numbered_requirement_once_in_order(rows: list[Row]) -> None:
    ids = [r.requirement for r in rows]
    twice = sorted(i for i, n in Counter(ids).items() if n > 1)
    assert not twice, f"requirements with more than one row: {twice}"
    without = sorted(set(REQUIREMENTS) - set(ids))
    assert not without, f"requirements without a row: {without}"
    unknown = sorted(set(ids) - set(REQUIREMENTS))
    assert not unknown, f"rows for unknown requirements: {unknown}"
    assert ids == list(REQUIREMENTS), "rows are not in the decree's order"
    empty = [r.requirement for r in rows if len(r.statement) < 10]
    assert not empty, f"rows without a statement of the requirement: {empty}"


def test_every_row_has_a_valid_status_and_the_totals_match(rows: list[Row]) -> None:
    invalid = [(r.requirement, r.status) for r in rows if r.status not in STATUSES]
    assert not invalid, f"statuses must be one of {STATUSES}: {invalid}"
    counts = Counter(r.status for r in rows)
    totals = TOTALS.findall(MATRIX.read_text(encoding="utf-8"))
    assert len(totals) == 1, "the header needs one 'Totals:' line"
    stated = {status: int(n) for n, status in re.findall(r"(\d+)\s+(done|partial|missing)", totals[0])}
    assert stated == {s: counts[s] for s in STATUSES}, f"totals line {totals[0]!r} != rows {dict(counts)}"
    assert f"({len(rows)} requirements)" in totals[0]


def test_done_and_partial_rows_cite_tests_and_the_others_give_reasons(rows: list[Row]) -> None:
    unproven = [r.requirement for r in rows if r.status in ("done", "partial") and not r.proof]
    assert not unproven, f"done or partial without a test node id: {unproven}"
    proved_missing = [r.requirement for r in rows if r.status == "missing" and r.proof]
    assert not proved_missing, f"missing rows citing a test (is it partial?): {proved_missing}"
    unexplained = [r.requirement for r in rows if r.status != "done" and len(r.reason) < 20]
    assert not unexplained, f"partial or missing without the reason and what is lacking: {unexplained}"
    nowhere = [r.requirement for r in rows if r.status != "missing" and r.where in ("", "—")]
    assert not nowhere, f"done or partial without where it is built: {nowhere}"
    for r in rows:
        stray = [span for span in CODE_SPAN.findall(r.proof_text) if span not in r.proof]
        assert not stray, f"{r.requirement}: proof column holds something that is not a node id: {stray}"


def test_every_cited_test_exists(rows: list[Row]) -> None:
    cited = sorted({node_id for r in rows for node_id in r.proof})
    assert cited, "the matrix cites no test"
    assert not missing_node_ids(cited), f"cited tests that do not exist: {missing_node_ids(cited)}"


def test_a_test_that_does_not_exist_is_caught(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_x.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.parametrize('n', [1, 2])\n"
        "async def test_real(n):\n    pass\n\n"
        "class TestGroup:\n    def test_method(self):\n        pass\n\n"
        "def helper():\n    pass\n",
        encoding="utf-8",
    )
    real = [
        "tests/test_x.py::test_real",
        "tests/test_x.py::test_real[1]",
        "tests/test_x.py::TestGroup::test_method",
    ]
    assert missing_node_ids(real, tmp_path) == []
    wrong = [
        "tests/test_x.py::test_renamed",
        "tests/test_x.py::helper",
        "tests/test_x.py::test_method",
        "tests/test_gone.py::test_real",
    ]
    assert missing_node_ids(wrong, tmp_path) == wrong
