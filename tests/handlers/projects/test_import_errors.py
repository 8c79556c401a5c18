"""Every bad row of an import is named: in full for the first ones, by number beyond; duplicates point
at the row they repeat."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from handlers.projects.generator import generate
from handlers.projects.xlsx import MAX_ERRORS, ImportErrors, read, write


def workbook_with(bad_rows: list[int], total: int) -> bytes:
    wb = load_workbook(io.BytesIO(write(generate(total, seed=3))))
    ws = wb.worksheets[0]
    for row in bad_rows:
        ws.cell(row=row, column=10, value=-1)  # negative contributed capital
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_every_bad_row_is_named_even_past_the_detailed_ones() -> None:
    bad = [*range(2, 2 + MAX_ERRORS + 60), 400, 401, 402, 405]
    with pytest.raises(ImportErrors) as caught:
        read(workbook_with(bad, 450))
    errors = caught.value.errors
    detailed = [e for e in errors if e.startswith("Dòng ")]
    assert len(detailed) == MAX_ERRORS
    assert detailed[0].startswith("Dòng 2, cột 'Vốn góp (VND)': phải là số không âm")
    rest = errors[-1]
    assert rest == f"Các dòng lỗi khác (64 dòng): {2 + MAX_ERRORS}-{1 + MAX_ERRORS + 60}, 400-402, 405"


def test_a_repeated_code_names_the_row_it_repeats() -> None:
    projects = generate(3, seed=5)
    wb = load_workbook(io.BytesIO(write(projects)))
    ws = wb.worksheets[0]
    ws.cell(row=4, column=1, value=projects[0].code)
    ws.cell(row=3, column=3, value="Vốn lạ")
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportErrors) as caught:
        read(buf.getvalue())
    assert caught.value.errors == [
        "Dòng 3: cột 'Nguồn vốn': 'Vốn lạ' không phải FDI, NSNN hoặc Ngoài NSNN",
        f"Dòng 4, cột 'Mã dự án': mã {projects[0].code} trùng với dòng 2",
    ]
