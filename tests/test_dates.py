"""Tests of mid/dates.py, the program's one reader and writer of dates and times.

The query-sheet forms are also tested through load_sheet in test_querysheet.py; here each
helper is tested on its own, and the four callers are checked to give the same answers as it.
"""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

import mygui
from mid import anonymizer, dates, reports


def test_dates_imports_nothing_of_ours():
    tree = ast.parse(Path(dates.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported == {"__future__", "datetime", "re", "dataclasses", "typing"}


# ---------------------------------------------------------------------------------------------
# DICOM DA / TM

@pytest.mark.parametrize("text,expected", [
    ("20130410", dt.date(2013, 4, 10)), (" 20130410 ", dt.date(2013, 4, 10)),
    ("19000101", dt.date(1900, 1, 1)), ("2013041", None), ("201304100", None),
    ("20130230", None), ("20130410-20130414", None), ("2013-04-10", None), ("", None),
    ("00000101", None),
])
def test_da_to_date(text, expected):
    assert dates.da_to_date(text) == expected
    assert reports.parse_da(text) == expected


def test_to_da_and_to_tm_round_trip():
    assert dates.to_da(dt.date(2013, 4, 10)) == "20130410"
    assert dates.da_to_date(dates.to_da(dt.date(1999, 12, 31))) == dt.date(1999, 12, 31)
    assert dates.to_tm(dt.time(9, 5, 7)) == "090507"


@pytest.mark.parametrize("text,expected", [
    ("2013-04-10", dt.date(2013, 4, 10)), ("20130410", dt.date(2013, 4, 10)),
    (" 2013-0410 ", dt.date(2013, 4, 10)), ("2013-02-30", None), ("4/10/2013", None),
    ("2013/04/10", None), ("13-04-10", None), ("", None),
])
def test_parse_ymd_reads_only_dicom_style_dates(text, expected):
    assert dates.parse_ymd(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("2013-04-10", "20130410"), ("20130410", "20130410"), ("4/10/2013", "20130410"),
    ("10 Apr 2013", "20130410"), ("4/10/2013-4/14/2013", ("20130410", "20130414")),
    ("2013-04-10 to 2013-04-14", ("20130410", "20130414")), ("", ""),
])
def test_the_results_filter_takes_the_forms_a_sheet_takes(text, expected):
    assert mygui._parse_date(text, "from") == expected


@pytest.mark.parametrize("text", ["2013-02-30", "13/45/2020", "soon", "4/10"])
def test_the_results_filter_refuses_a_non_date_saying_so(text):
    with pytest.raises(mygui.FilterError, match="is not a date or a range"):
        mygui.Filters(date_from=text).compile()


def test_a_range_in_the_from_box_is_the_whole_date_filter():
    from mygui import SeriesRow
    def row(date):
        return SeriesRow(series_uid=date, study_uid=date, study_number="0001", study_description="CT",
                         series_description="AX", modality="CT", series_number="1", study_date=date, instances=1)
    keep = mygui.Filters(date_from="4/10/2013-4/14/2013").compile()
    assert [d for d in ("20130409", "20130410", "20130414", "20130415") if keep(row(d))] == ["20130410", "20130414"]
    after = mygui.Filters(date_from="1/1/2018").compile()
    assert after(row("20190101")) and not after(row("20171231"))
    eu = mygui.Filters(date_from="10/4/2013", date_to="14/4/2013", date_order="EU").compile()
    assert eu(row("20130412")) and not eu(row("20130415"))


@pytest.mark.parametrize("text,days,expected", [
    ("20130410", -10, "20130331"), ("20130410-20130414", 1, "20130411-20130415"),
    ("20130410-", -1, "20130409-"), ("-20130414", -1, "-20130413"),
    ("2013.04.10", 0, "20130410"),             # ACR-NEMA form, written as DA
    ("", 5, ""), ("  ", 5, ""), ("2013041", 1, None), ("20130230", 1, None),
    ("10000101", -1, None),                     # before year 1000: no valid DA
    ("99991231", 1, None),                      # past the calendar
])
def test_shift_da(text, days, expected):
    assert dates.shift_da(text, days) == expected
    assert anonymizer.shift_date(text, days) == expected


@pytest.mark.parametrize("text,days,expected", [
    ("20130410083000", -1, "20130409083000"), ("20130410083000.123456+0100", 1, "20130411083000.123456+0100"),
    ("2013", -1, "2012"), ("201304", -31, "201303"), ("20130410-0500", 2, "20130412-0500"),
    ("", 3, ""), ("abc", 1, None), ("201", 1, None),
])
def test_shift_dt_keeps_precision_time_and_offset(text, days, expected):
    assert dates.shift_dt(text, days) == expected
    assert anonymizer.shift_datetime(text, days) == expected


# ---------------------------------------------------------------------------------------------
# Dates as people write them

@pytest.mark.parametrize("text,order,expected", [
    ("4/10/2013", "US", dt.date(2013, 4, 10)), ("4/10/2013", "EU", dt.date(2013, 10, 4)),
    ("4.10.13", "EU", dt.date(2013, 10, 4)), ("4/10/29", "US", dt.date(2029, 4, 10)),
    ("4/10/30", "US", dt.date(1930, 4, 10)), ("Sept 5, 2013", "US", dt.date(2013, 9, 5)),
    ("10-Apr-2013", "EU", dt.date(2013, 4, 10)), ("2013-04-10T08:15:00+01:00", "US", dt.date(2013, 4, 10)),
    ("41374", "US", dt.date(2013, 4, 10)),
])
def test_parse_date_forms_and_orders(text, order, expected):
    parsed = dates.parse_date(text, order)
    assert parsed == dates.ParsedDate(expected)


def test_parse_date_falls_back_to_the_other_order_with_a_note():
    parsed = dates.parse_date("13/04/2013", "US")
    assert parsed.date == dt.date(2013, 4, 13)
    assert parsed.note == ("'13/04/2013' was read as day/month/year (2013-04-13): "
                           "it is not a valid month/day/year date.")


@pytest.mark.parametrize("text,reason", [
    ("13/13/2013", "'13/13/2013' is not a valid date in either day/month order"),
    ("1/1/1850", "year 1850 is outside 1900-2100"),
    ("20131301", "'20131301' is not a valid year-month-day date"),
    ("31 Feb 2013", "'31 Feb 2013' is not a valid date"),
    ("Smarch 3, 2013", "'Smarch 3, 2013' is not a date this program can read"),
])
def test_parse_date_reasons(text, reason):
    assert dates.parse_date(text) == dates.ParsedDate(reason=reason)


def test_serial_dates_use_the_workbook_epoch():
    assert dates.date_of(41374).date == dt.date(2013, 4, 10)
    assert dates.date_of(41374.75).date == dt.date(2013, 4, 10)
    assert dates.date_of(39912, epoch=dt.date(1904, 1, 1)).date == dt.date(2013, 4, 10)
    assert dates.date_of(20130410).date == dt.date(2013, 4, 10)
    assert dates.date_of(0).reason == "the number 0 is neither an Excel date nor YYYYMMDD"
    assert dates.date_of(1e9).reason == "the number 1000000000 is neither an Excel date nor YYYYMMDD"
    assert dates.date_of(True).reason == dates.date_of(dt.time(1, 0)).reason == "this is not a date"


@pytest.mark.parametrize("value,expected", [
    ("4/10/2013-4/14/2013", "20130410-20130414"), ("4/10/2013 \u2014 4/14/2013", "20130410-20130414"),
    ("2013-04-10-", "20130410-"), ("-2013-04-14", "-20130414"), ("20130410 TO 20130414", "20130410-20130414"),
    (dt.datetime(2013, 4, 10, 23, 59), "20130410"), (dt.date(2013, 4, 10), "20130410"),
])
def test_da_query(value, expected):
    assert dates.da_query(value) == expected


def test_da_query_window_applies_to_single_dates_only():
    assert dates.da_query("4/10/2013", window_days=2) == "20130408-20130412"
    assert dates.da_query("4/10/2013-4/11/2013", window_days=2) == "20130410-20130411"


def test_da_query_notes_other_order_even_when_the_range_is_refused():
    notes: list[str] = []
    assert dates.da_query("13/04/2013-14/04/2013", "US", notes=notes) == "20130413-20130414"
    assert len(notes) == 2 and all("day/month/year" in n for n in notes)
    notes.clear()
    with pytest.raises(dates.DateProblem, match=r"runs backwards .*20130410-20130414"):
        dates.da_query("14/04/2013-4/10/2013", "US", notes=notes)
    assert notes == ["'14/04/2013' was read as day/month/year (2013-04-14): it is not a valid "
                     "month/day/year date."]


@pytest.mark.parametrize("value,words", [
    ("yesterday", "not a date this program can read. To fix it, write a date such as"),
    (dt.time(10, 0), "this is not a date. To fix it"),
])
def test_da_query_refusals_say_what_to_write(value, words):
    with pytest.raises(dates.DateProblem, match=words):
        dates.da_query(value)


def test_split_range_refuses_a_range_with_two_readings():
    def parse(t: str):
        return t if t.isdigit() else None
    assert dates.split_range("1-2", parse, lambda v: v is not None) == ("1", "2")
    assert dates.split_range("12", parse, lambda v: v is not None) is None
    with pytest.raises(dates.DateProblem, match="more than one way"):
        dates.split_range("1--2", lambda t: t, lambda v: True)


# ---------------------------------------------------------------------------------------------
# Times

@pytest.mark.parametrize("value,expected", [
    ("7", dt.time(7)), ("12 am", dt.time(0)), ("12:30 p.m.", dt.time(12, 30)), ("14:30:15.5", dt.time(14, 30, 15)),
    (930, dt.time(9, 30)), (0.75, dt.time(18)), (0.9999999, dt.time(23, 59, 59)),
    (dt.datetime(2013, 4, 10, 8, 5, 9, 500), dt.time(8, 5, 9)), ("24:00", None), ("2:60", None),
    (12.5, None), (dt.date(2013, 4, 10), None), (True, None),
])
def test_time_of(value, expected):
    assert dates.time_of(value) == expected


def test_tm_query_ranges_and_refusals():
    assert dates.tm_query("8 AM-5 PM") == "080000-170000"
    assert dates.tm_query("08:00 \u2013 ") == "080000-"
    assert dates.tm_query(dt.time(23, 59, 59)) == "235959"
    with pytest.raises(dates.DateProblem, match="earlier time first, e.g. 08:00-12:00"):
        dates.tm_query("12:00-08:00")
    with pytest.raises(dates.DateProblem, match="write a time such as 14:30"):
        dates.tm_query("noon")
