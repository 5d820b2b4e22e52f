"""Fuzzing the query-sheet readers: whatever the file holds, load_sheet gives queries and row
errors, or a SheetError naming the file; never any other exception.

Random CSV text (delimiters, quotes, line breaks, dates, numbers, in several encodings), random
bytes, random small .xlsx sheets written with openpyxl (strings, numbers, dates, times,
booleans, empty cells) and damaged .xlsx files. The whole module runs in well under 30 s; MID_FUZZ_EXAMPLES=2000 (say)
runs more examples per test than the default 100.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from mid import querysheet
from mid import settings as settings_mod
from mid.querysheet import SheetError, load_sheet

FUZZ = settings(max_examples=int(os.environ.get("MID_FUZZ_EXAMPLES", "100")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

HEADERS = ["MRN", "Accession #", "Study Date", "Date", "Study Time", "Modality", "Series Number",
           "Study Description", "StudyInstanceUID", "Query ID", "Exact", "Notes", "", "mrn"]
TEXT_BITS = ["0012345", "AB42", "4/10/2013", "2013-04-10", "20130410-20130414", "4/10/2013-",
             "13/13/2013", "41374", "14:30", "2 PM", "08:00-12:00", "1.2.840.1", "12345.0",
             "1.2345E+6", "#N/A", "nan", "CT;MR", "Y", "N", "'00456", "\\", "-", "–", " to "]


@pytest.fixture(scope="module")
def cfg(tmp_path_factory) -> settings_mod.Settings:
    config = tmp_path_factory.mktemp("fuzz") / "config"
    config.mkdir()
    (config / "query_identifiers.json").write_text(json.dumps({"QUERY_IDENTIFIERS": [
        "PatientID", "StudyDate", "AccessionNumber", "StudyDescription", "Modality",
        "SeriesNumber", "StudyInstanceUID", "StudyTime"]}))
    return settings_mod.load_settings(config)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sheets")


def load_or_refuse(path: Path, cfg) -> querysheet.SheetResult | None:
    """load_sheet's result, checked for consistency, or None after a SheetError naming the file."""
    try:
        result = load_sheet(path, cfg)
    except SheetError as exc:
        assert str(path) in str(exc)
        return None
    rows = [q.row for q in result.queries] + [e.row for e in result.errors]
    assert len(rows) == len(set(rows)) and all(r >= 2 for r in rows)
    assert len({q.query_id for q in result.queries}) == len(result.queries)
    for q in result.queries:
        assert q.values and all(v and all(isinstance(x, str) and x for x in v) for v in q.values.values())
        assert set(q.values) <= set(result.columns)
    for e in result.errors:
        assert e.message and isinstance(e.value, str)
    assert isinstance(querysheet.format_table(result), str)
    return result


# ---------------------------------------------------------------------------------------------
# CSV

cell_text = st.one_of(st.sampled_from(TEXT_BITS),
                      st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
                      st.text(alphabet=',;\t|"\r\n x0/-:', max_size=8))
csv_rows = st.lists(st.lists(cell_text, min_size=1, max_size=6), min_size=0, max_size=12)


@FUZZ
@given(header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6), rows=csv_rows,
       delim=st.sampled_from([",", ";", "\t", "|"]), newline=st.sampled_from(["\n", "\r\n", "\r"]),
       codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]),
       sep_line=st.booleans())
def test_random_csv_text_loads_or_is_refused(cfg, folder, header, rows, delim, newline, codec, sep_line):
    text = (f"sep={delim}{newline}" if sep_line else "") + newline.join(
        delim.join(r) for r in [header, *rows]) + newline
    path = folder / "fuzz.csv"
    path.write_bytes(text.encode(codec, errors="replace"))
    load_or_refuse(path, cfg)


@FUZZ
@given(data=st.binary(max_size=600), name=st.sampled_from(["fuzz.csv", "fuzz.xls", "fuzz.xlsx", "fuzz.txt"]))
def test_random_bytes_load_or_are_refused(cfg, folder, data, name):
    path = folder / name
    path.write_bytes(data)
    load_or_refuse(path, cfg)


@FUZZ
@given(prefix=st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xff\xfe", b"\xfe\xff",
                               b"\xef\xbb\xbf", b"sep=,\n"]),
       data=st.binary(max_size=600))
def test_random_bytes_behind_a_file_signature_load_or_are_refused(cfg, folder, prefix, data):
    path = folder / "signed.bin"
    path.write_bytes(prefix + data)
    load_or_refuse(path, cfg)


# ---------------------------------------------------------------------------------------------
# xlsx

def _clean_text(s: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", s)


xlsx_cell = st.one_of(
    st.none(),
    st.sampled_from(TEXT_BITS),
    st.text(max_size=12).map(_clean_text),
    st.integers(min_value=-(10 ** 18), max_value=10 ** 18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2200, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 1, 1)),
    st.times(),
    st.booleans(),
)


@FUZZ
@given(header=st.lists(st.one_of(st.sampled_from(HEADERS), st.none(), st.integers(0, 99)), min_size=1, max_size=6),
       rows=st.lists(st.lists(xlsx_cell, max_size=6), max_size=10),
       leading_blank=st.integers(0, 2), write_only=st.booleans(), mac_epoch=st.booleans())
def test_random_xlsx_sheets_load_or_are_refused(cfg, folder, header, rows, leading_blank, write_only, mac_epoch):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb = openpyxl.Workbook(write_only=write_only)
    if mac_epoch:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.create_sheet("Fuzz") if write_only else wb.active
    for _ in range(leading_blank):
        ws.append([None])
    for r in [header, *rows]:
        ws.append(r)
    path = folder / "fuzz.xlsx"
    wb.save(path)
    result = load_or_refuse(path, cfg)
    if result is not None:
        assert result.sheet == ws.title


def _sample_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [["MRN", "Study Date", "Study Time", "Modality"],
              ["00042", dt.datetime(2013, 4, 10), dt.time(14, 30), "CT"],
              ["AB7", "4/10/2013-4/14/2013", "08:00-12:00", "mr;ct"]]:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


SAMPLE_XLSX = _sample_xlsx()


@FUZZ
@given(changes=st.lists(st.tuples(st.integers(0, len(SAMPLE_XLSX) - 1), st.integers(0, 255)),
                        min_size=1, max_size=8),
       cut=st.one_of(st.none(), st.integers(4, len(SAMPLE_XLSX))))
def test_damaged_xlsx_loads_or_is_refused(cfg, folder, changes, cut):
    data = bytearray(SAMPLE_XLSX)
    for pos, byte in changes:
        data[pos] = byte
    path = folder / "damaged.xlsx"
    path.write_bytes(bytes(data[:cut]))
    load_or_refuse(path, cfg)
