"""Tests of querysheet: xlsx/xls/csv query sheets to normalised DICOM queries and row errors.

Every fixture sheet is generated here (openpyxl for .xlsx, a small BIFF8 writer for .xls, plain
bytes for .csv) except the original program's three sample sheets, kept in tests/data/querysheet.
"""
from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path

import openpyxl
import pytest

from mid import querysheet as qs
from mid import settings as settings_mod
from mid import sheetfiles
from mid.querysheet import Query, RowError, SheetError, load_sheet

# Copies of the original program's three sample sheets: their worksheets, strings and styles are
# byte-identical to the originals; only author names and folder paths were blanked in the
# document properties.
SEED = Path(__file__).resolve().parent / "data" / "querysheet"
# The default identifiers plus StudyTime, so that time columns are read in these tests.
IDENTIFIERS = ["PatientID", "StudyDate", "AccessionNumber", "StudyDescription", "SeriesDescription",
               "Modality", "SeriesNumber", "StudyInstanceUID", "SeriesInstanceUID", "StudyTime"]


def make_settings(config_dir: Path, **user_defaults) -> settings_mod.Settings:
    """Real Settings from a fresh config folder; user_defaults.json holds only the given keys."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "query_identifiers.json").write_text(json.dumps({"QUERY_IDENTIFIERS": IDENTIFIERS}))
    (config_dir / "user_defaults.json").write_text(json.dumps(user_defaults))
    loaded = settings_mod.load_settings(config_dir)
    assert loaded.query_identifiers == IDENTIFIERS
    for key, value in user_defaults.items():
        assert getattr(loaded.defaults, key) == value
    return loaded


@pytest.fixture
def cfg(tmp_path: Path) -> settings_mod.Settings:
    return make_settings(tmp_path / "config")


def write_xlsx(path: Path, rows: list[list], title: str = "Sheet1",
               more_sheets: dict[str, list[list]] | None = None) -> Path:
    """An .xlsx whose first sheet holds rows (row 1 = headers); cells keep their Python types."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for name, extra in (more_sheets or {}).items():
        other = wb.create_sheet(name)
        for r in extra:
            other.append(r)
    wb.save(path)
    return path


def one_column(tmp_path: Path, cfg, header: str, values: list, **kw):
    """Load a sheet with an MRN column plus one column of values; returns the SheetResult."""
    rows = [["MRN", header]] + [[f"TEST{i:03d}", v] for i, v in enumerate(values)]
    return load_sheet(write_xlsx(tmp_path / "one.xlsx", rows), cfg, **kw)


def values_of(result, keyword: str) -> list[list[str] | None]:
    """The normalised values of keyword for each query, in sheet order."""
    return [q.values.get(keyword) for q in result.queries]


# ---------------------------------------------------------------------------------------------
# A minimal BIFF8 (.xls) writer: no xls writer is installed, and xlrd reads exactly this format.

def _rec(rtype: int, data: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def _ustr(text: str, lenlen: int) -> bytes:
    return struct.pack("<B" if lenlen == 1 else "<H", len(text)) + b"\x01" + text.encode("utf-16-le")


def _xf(fmt: int) -> bytes:
    return _rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, fmt, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))


def _xls_cell(r: int, c: int, value) -> bytes:
    number = struct.Struct("<HHHd")
    if value is None:
        return b""
    if isinstance(value, str):
        return _rec(0x0204, struct.pack("<HHH", r, c, 0) + _ustr(value, 2))
    if isinstance(value, dt.date):
        stamp = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        serial = (stamp - dt.datetime(1899, 12, 30)).total_seconds() / 86400
        return _rec(0x0203, number.pack(r, c, 1, serial))
    if isinstance(value, dt.time):
        serial = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        return _rec(0x0203, number.pack(r, c, 2, serial))
    return _rec(0x0203, number.pack(r, c, 0, float(value)))


def biff8_workbook(sheets: list[tuple[str, list[list]]]) -> bytes:
    """The Workbook stream: globals (XF 0 General, 1 date, 2 time) then one substream per sheet."""
    bof = struct.Struct("<HHHHII")
    head = (_rec(0x0809, bof.pack(0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
            + _rec(0x0042, struct.pack("<H", 1200)) + _rec(0x0022, struct.pack("<H", 0))
            + _xf(0) + _xf(14) + _xf(20))
    bodies = [_rec(0x0809, bof.pack(0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
              + b"".join(_xls_cell(r, c, v) for r, row in enumerate(rows) for c, v in enumerate(row))
              + _rec(0x000A, b"") for _, rows in sheets]
    offset = len(head) + sum(len(_rec(0x0085, b"\0" * 6 + _ustr(n, 1))) for n, _ in sheets) + 4
    bound = b""
    for (name, _), body in zip(sheets, bodies):
        bound += _rec(0x0085, struct.pack("<iBB", offset, 0, 0) + _ustr(name, 1))
        offset += len(body)
    return head + bound + _rec(0x000A, b"") + b"".join(bodies)


def cfb_container(stream: bytes) -> bytes:
    """An OLE2 compound file holding one 'Workbook' stream in regular 512-byte sectors."""
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")
    nsec = len(stream) // 512
    assert nsec + 2 <= 128, "test workbook too large for one FAT sector"
    fat = [-3, -2] + [i + 1 for i in range(2, nsec + 1)] + [-2]
    fat += [-1] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 10
              + struct.pack("<iiiiiiii", 1, 1, 0, 4096, -2, 0, -2, 0)
              + struct.pack("<109i", 0, *([-1] * 108)))

    def entry(name: str, etype: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBBiii", len(raw), etype, 1, -1, -1, child)
                + b"\0" * 36 + struct.pack("<iiI", start, size, 0))

    directory = (entry("Root Entry", 5, 1, -2, 0) + entry("Workbook", 2, -1, 2, len(stream))
                 + entry("", 0, -1, -1, 0) * 2)
    return header + struct.pack("<128i", *fat) + directory + stream


def write_xls(path: Path, sheets: list[tuple[str, list[list]]]) -> Path:
    path.write_bytes(cfb_container(biff8_workbook(sheets)))
    return path


# ---------------------------------------------------------------------------------------------
# The original program's sample sheets

def test_seed_query_test_loads_expected_values(cfg):
    result = load_sheet(SEED / "query_test.xlsx", cfg)
    assert result.errors == []
    assert result.sheet == "query_"
    assert result.columns == ["PatientID", "StudyDate", "StudyDescription", "SeriesDescription",
                              "Modality", "SeriesNumber", "StudyInstanceUID", "SeriesInstanceUID",
                              "AccessionNumber"]
    assert result.queries == [
        Query("1", 2, {"PatientID": ["5678"], "StudyDate": ["20130410-20130414"],
                       "StudyDescription": ["CT"]}),
        Query("2", 3, {"PatientID": ["1234"], "StudyDate": ["19910101"],
                       "StudyDescription": ["MRI"]}),
    ]


def test_seed_modality_test_splits_multiple_values_and_drops_nan(cfg):
    result = load_sheet(SEED / "modality_test.xlsx", cfg)
    assert result.errors == []
    assert [q.row for q in result.queries] == [2, 3, 4, 5]
    assert [q.query_id for q in result.queries] == ["1", "2", "3", "4"]
    assert result.queries[0].values == {"PatientID": ["1"], "StudyDescription": ["A"],
                                        "SeriesDescription": ["1"], "Modality": ["CT"]}
    assert result.queries[1].values == {"PatientID": ["1"], "StudyDescription": ["B"],
                                        "Modality": ["US"]}
    assert result.queries[3].values == {"PatientID": ["1"], "StudyDescription": ["A", "B", "C"],
                                        "SeriesDescription": ["1", "3"]}


def test_seed_template_has_no_queries_and_says_so(cfg):
    result = load_sheet(SEED / "_TEMPLATE_.xlsx", cfg)
    assert result.queries == [] and result.errors == []
    assert "PatientID" in result.columns
    assert any("No usable rows" in n for n in result.notices)


# ---------------------------------------------------------------------------------------------
# Headers

@pytest.mark.parametrize("header", ["Accession #", "accession_number", "ACCESSION NUMBER",
                                    "AccessionNumber", "accessionnumber", " Accession "])
def test_header_variants_map_to_accession_number(tmp_path, cfg, header):
    result = load_sheet(write_xlsx(tmp_path / "h.xlsx", [[header], ["A1001"]]), cfg)
    assert result.columns == ["AccessionNumber"]
    assert result.queries[0].values == {"AccessionNumber": ["A1001"]}


@pytest.mark.parametrize("header,keyword", [("MRN", "PatientID"), ("m.r.n.", "PatientID"),
                                            ("patientid", "PatientID"), ("Date of Study", "StudyDate"),
                                            ("study description", "StudyDescription"),
                                            ("SERIESINSTANCEUID", "SeriesInstanceUID"),
                                            ("Series #", "SeriesNumber"), ("Series", "SeriesDescription"),
                                            ("MRN #", "PatientID"), ("Study", "StudyDescription")])
def test_aliases_and_dicom_keywords_ignore_case_and_punctuation(tmp_path, cfg, header, keyword):
    value = {"StudyDate": "20130410", "SeriesNumber": "4"}.get(keyword, "1.2.3" if "UID" in keyword else "X1")
    result = load_sheet(write_xlsx(tmp_path / "h.xlsx", [[header], [value]]), cfg)
    assert result.columns == [keyword]
    assert list(result.queries[0].values) == [keyword]


def test_unrecognised_and_non_identifier_columns_are_listed_and_dropped(tmp_path, cfg):
    rows = [["MRN", "Notes", "PatientName", "Referring Doc"], ["TEST1", "hello", "FAKE^ALICE", "x"]]
    result = load_sheet(write_xlsx(tmp_path / "h.xlsx", rows), cfg)
    assert result.columns == ["PatientID"]
    assert result.queries[0].values == {"PatientID": ["TEST1"]}
    text = " ".join(result.notices)
    assert "'Notes'" in text and "'Referring Doc'" in text
    assert "'PatientName' (PatientName)" in text and "query_identifiers.json" in text


def test_duplicate_meaning_column_keeps_the_first(tmp_path, cfg):
    rows = [["MRN", "PatientID"], ["TEST1", "OTHER"]]
    result = load_sheet(write_xlsx(tmp_path / "h.xlsx", rows), cfg)
    assert result.queries[0].values == {"PatientID": ["TEST1"]}
    assert any("'PatientID' (same as 'MRN')" in n for n in result.notices)


def test_sheet_without_recognised_column_is_refused_with_the_known_headers(tmp_path, cfg):
    path = write_xlsx(tmp_path / "bad.xlsx", [["Name", "Notes"], ["FAKE^ALICE", "x"]])
    with pytest.raises(SheetError) as info:
        load_sheet(path, cfg)
    msg = str(info.value)
    assert str(path) in msg and "'Name'" in msg
    assert "PatientID (MRN, Medical Record Number)" in msg and "AccessionNumber" in msg


def test_headers_may_start_below_blank_rows_and_rows_keep_excel_numbers(tmp_path, cfg):
    rows = [[None], [None, None], ["MRN", "Study Date"], ["TEST1", "bad date"], ["TEST2", "20130410"]]
    result = load_sheet(write_xlsx(tmp_path / "h.xlsx", rows), cfg)
    assert [q.row for q in result.queries] == [5]
    assert result.errors[0].row == 4


# ---------------------------------------------------------------------------------------------
# Sheets and files

def test_named_sheet_is_read_and_unknown_name_lists_the_sheets(tmp_path, cfg):
    path = write_xlsx(tmp_path / "two.xlsx", [["MRN"], ["FIRST1"]], title="Front",
                      more_sheets={"Wanted": [["MRN"], ["SECOND1"]]})
    assert load_sheet(path, cfg).queries[0].values["PatientID"] == ["FIRST1"]
    result = load_sheet(path, cfg, sheet="wanted")
    assert result.sheet == "Wanted" and result.queries[0].values["PatientID"] == ["SECOND1"]
    with pytest.raises(SheetError) as info:
        load_sheet(path, cfg, sheet="Missing")
    assert "'Missing'" in str(info.value) and "'Front', 'Wanted'" in str(info.value)


def test_missing_file_and_disguised_web_page_are_sheet_errors(tmp_path, cfg):
    with pytest.raises(SheetError, match="file not found"):
        load_sheet(tmp_path / "nope.xlsx", cfg)
    fake = tmp_path / "export.xls"
    fake.write_text("<html><table><tr><td>MRN</td></tr></table></html>")
    with pytest.raises(SheetError, match="web page"):
        load_sheet(fake, cfg)


def test_empty_csv_is_a_sheet_error_naming_the_file(tmp_path, cfg):
    path = tmp_path / "empty.csv"
    path.write_text("\n\n")
    with pytest.raises(SheetError, match="empty") as info:
        load_sheet(path, cfg)
    assert "empty.csv" in str(info.value)


def test_xls_reads_text_numbers_dates_and_times(tmp_path, cfg):
    path = write_xls(tmp_path / "legacy.xls", [
        ("Queries", [["MRN", "Study Date", "Study Time", "Series Number"],
                     ["00123", dt.datetime(2013, 4, 10), dt.time(14, 30), 3.0],
                     [1234.0, 41374.0, "08:00-12:00", None]]),
        ("Other", [["MRN"], ["OTHER1"]])])
    result = load_sheet(path, cfg)
    assert result.sheet == "Queries" and result.errors == []
    assert result.queries == [
        Query("1", 2, {"PatientID": ["00123"], "StudyDate": ["20130410"], "StudyTime": ["143000"],
                       "SeriesNumber": ["3"]}),
        Query("2", 3, {"PatientID": ["1234"], "StudyDate": ["20130410"],
                       "StudyTime": ["080000-120000"]}),
    ]
    assert load_sheet(path, cfg, sheet="Other").queries[0].values == {"PatientID": ["OTHER1"]}
    with pytest.raises(SheetError, match="'Queries', 'Other'"):
        load_sheet(path, cfg, sheet="Nope")


def test_csv_utf8_bom_comma(tmp_path, cfg):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffMRN,Study Description\r\n00042,Étude CT\r\n".encode("utf-8"))
    result = load_sheet(path, cfg)
    assert result.sheet is None
    assert result.queries[0].values == {"PatientID": ["00042"], "StudyDescription": ["Étude CT"]}


def test_csv_latin1_semicolon_with_comma_in_values(tmp_path, cfg):
    path = tmp_path / "latin.csv"
    path.write_bytes("MRN;Study Description;Study Date\n007;Thorax, Abdomen é;10/4/2013\n"
                     .encode("latin-1"))
    result = load_sheet(path, cfg)
    assert result.queries[0].values == {"PatientID": ["007"], "StudyDescription": ["Thorax, Abdomen é"],
                                        "StudyDate": ["20131004"]}
    assert any("Latin-1" in n for n in result.notices)


@pytest.mark.parametrize("delim", ["\t", "|", ",", ";"])
def test_csv_delimiter_is_sniffed(tmp_path, cfg, delim):
    path = tmp_path / "d.csv"
    path.write_text(delim.join(["MRN", "Accession", "Modality"]) + "\n"
                    + delim.join(["0001", "A1.0", "ct"]) + "\n", encoding="utf-8")
    result = load_sheet(path, cfg)
    assert result.queries[0].values == {"PatientID": ["0001"], "AccessionNumber": ["A1.0"],
                                        "Modality": ["CT"]}


def test_csv_float_artifacts_and_nan_text_are_repaired(tmp_path, cfg):
    path = tmp_path / "pandas.csv"
    path.write_text("MRN,Accession,Study Date\n12345.0,1.2345E+6,nan\nnan,nan,nan\n", encoding="utf-8")
    result = load_sheet(path, cfg)
    assert result.queries == [Query("1", 2, {"PatientID": ["12345"], "AccessionNumber": ["1234500"]})]
    assert any("rows 3" in n for n in result.notices)


# ---------------------------------------------------------------------------------------------
# Query IDs

def test_unique_query_ids_are_used_as_text(tmp_path, cfg):
    rows = [["Query ID", "MRN"], [7, "TEST1"], ["A-2", "TEST2"], [3.0, "TEST3"]]
    result = load_sheet(write_xlsx(tmp_path / "q.xlsx", rows), cfg)
    assert [q.query_id for q in result.queries] == ["7", "A-2", "3"]
    assert "Query" not in result.columns


def test_duplicate_query_ids_fall_back_to_numbering_and_list_duplicates(tmp_path, cfg):
    rows = [["Index", "MRN"], [5, "TEST1"], [5, "TEST2"], [6, "TEST3"]]
    result = load_sheet(write_xlsx(tmp_path / "q.xlsx", rows), cfg)
    assert [q.query_id for q in result.queries] == ["1", "2", "3"]
    assert any("'5' (rows 2, 3)" in n and "1..3" in n for n in result.notices)


def test_blank_query_id_falls_back_to_numbering(tmp_path, cfg):
    rows = [["ID", "MRN"], [1, "TEST1"], [None, "TEST2"]]
    result = load_sheet(write_xlsx(tmp_path / "q.xlsx", rows), cfg)
    assert [q.query_id for q in result.queries] == ["1", "2"]
    assert any("blank on rows 3" in n for n in result.notices)


# ---------------------------------------------------------------------------------------------
# Identifiers

def test_identifiers_stay_text_and_float_artifacts_are_repaired(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Accession",
                        ["00123", "AB00042", 1234.0, "12345.0", "1.2345E+6", "  X9  ", 98765, 12.5,
                         "'00456", "\u200bA77\u00a0"])
    assert values_of(result, "AccessionNumber") == [["00123"], ["AB00042"], ["1234"], ["12345"],
                                                   ["1234500"], ["X9"], ["98765"], ["12.5"],
                                                   ["00456"], ["A77"]]


def test_uid_validation(tmp_path, cfg):
    good = "1.2.840.113619.2.55.3.604688119.969.1268071029.320"
    result = one_column(tmp_path, cfg, "StudyInstanceUID",
                        [good, "1.2.abc", "1." + "2" * 63, 1.2, "1..2"])
    assert values_of(result, "StudyInstanceUID") == [[good]]
    assert [e.row for e in result.errors] == [3, 4, 5, 6]
    assert all(e.column == "StudyInstanceUID" for e in result.errors)
    assert result.errors[0].value == "1.2.abc" and "digits separated by single dots" in result.errors[0].message
    assert "as a number" in result.errors[2].message


def test_series_number_must_be_whole(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Series Number", [3.0, "4.0", "007", "3a", 2.5])
    assert values_of(result, "SeriesNumber") == [["3"], ["4"], ["7"]]
    assert [(e.row, e.value) for e in result.errors] == [(5, "3a"), (6, "2.5")]
    assert "whole number" in result.errors[0].message


def test_modality_is_upper_cased_and_checked(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Modality", ["ct", "mr;Ct", "C.T."])
    assert values_of(result, "Modality") == [["CT"], ["MR", "CT"]]
    assert result.errors[0].row == 4 and "CT or MR" in result.errors[0].message


def test_date_invented_by_excel_in_text_column_is_an_error(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Accession", [dt.datetime(2013, 3, 4), "OK1"])
    assert values_of(result, "AccessionNumber") == [["OK1"]]
    assert result.errors[0].value == "2013-03-04" and "Format the column as Text" in result.errors[0].message


def test_excel_error_cell_is_a_row_error(tmp_path, cfg):
    path = tmp_path / "err.csv"
    path.write_text("MRN,Accession\nTEST1,#N/A\nTEST2,A2\n", encoding="utf-8")
    result = load_sheet(path, cfg)
    assert [q.row for q in result.queries] == [3]
    assert result.errors == [RowError(2, "Accession", "#N/A", result.errors[0].message)]
    assert "#N/A" in result.errors[0].message


def test_backslash_in_value_is_an_error(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Study Description", ["CT\\MR"])
    assert result.queries == [] and "';'" in result.errors[0].message


# ---------------------------------------------------------------------------------------------
# Dates

@pytest.mark.parametrize("cell,expected", [
    (dt.datetime(2013, 4, 10), "20130410"),
    (dt.datetime(2013, 4, 10, 15, 45), "20130410"),
    (41374, "20130410"),
    (20130410, "20130410"),
    ("20130410", "20130410"),
    ("2013-04-10", "20130410"),
    ("2013/4/10", "20130410"),
    ("2013-04-10 00:00:00", "20130410"),
    ("2013-04-10T08:15:00.000Z", "20130410"),
    ("4/10/2013", "20130410"),
    ("4/10/13", "20130410"),
    ("10 Apr 2013", "20130410"),
    ("April 10, 2013", "20130410"),
    ("10-Apr-2013", "20130410"),
    ("Apr 10 2013", "20130410"),
    ("10 april 13", "20130410"),
    ("Sept 5, 2013", "20130905"),
    ("4/10/2013-4/14/2013", "20130410-20130414"),
    ("4/10/2013 - 4/14/2013", "20130410-20130414"),
    ("4/10/2013 to 4/14/2013", "20130410-20130414"),
    ("4/10/2013 TO 4/14/2013", "20130410-20130414"),
    ("2013-04-10-2013-04-14", "20130410-20130414"),
    ("2013-04-10 - 2013-04-14", "20130410-20130414"),
    ("20130410-20130414", "20130410-20130414"),
    ("4/10/2013 \u2013 4/14/2013", "20130410-20130414"),
    ("4/10/2013-", "20130410-"),
    ("2013-04-10-", "20130410-"),
    ("-4/14/2013", "-20130414"),
    ("-2013-04-14", "-20130414"),
    ("4/10/2013;20130501", "20130410;20130501"),
])
def test_dates_become_dicom_dates_and_ranges(tmp_path, cfg, cell, expected):
    result = one_column(tmp_path, cfg, "Study Date", [cell])
    assert result.errors == []
    assert values_of(result, "StudyDate") == [expected.split(";")]


def test_eu_order_setting_reads_day_first(tmp_path):
    cfg = make_settings(tmp_path / "config", date_order="EU")
    result = one_column(tmp_path, cfg, "Date", ["4/10/2013", "10/04/2013-14/04/2013", "2013-04-10"])
    assert values_of(result, "StudyDate") == [["20131004"], ["20130410-20130414"], ["20130410"]]
    assert not any("other day/month order" in n for n in result.notices)


def test_impossible_order_falls_back_to_the_other_with_a_notice(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Date", ["13/04/2013"])
    assert values_of(result, "StudyDate") == [["20130413"]]
    assert any("row 2: '13/04/2013' was read as day/month/year" in n for n in result.notices)
    cfg = make_settings(tmp_path / "config_eu", date_order="EU")
    result = one_column(tmp_path, cfg, "Date", ["4/13/2013"])
    assert values_of(result, "StudyDate") == [["20130413"]]
    assert any("read as month/day/year" in n for n in result.notices)


def test_single_date_window_becomes_a_range(tmp_path):
    cfg = make_settings(tmp_path / "config", date_window_days=1)
    result = one_column(tmp_path, cfg, "Date",
                        ["4/10/2013", dt.datetime(2013, 3, 1), "4/10/2013-4/14/2013", "4/10/2013-"])
    assert values_of(result, "StudyDate") == [["20130409-20130411"], ["20130228-20130302"],
                                              ["20130410-20130414"], ["20130410-"]]


@pytest.mark.parametrize("cell,why", [
    ("4/14/2013-4/10/2013", "runs backwards"),
    ("13/13/2013", "not a valid date"),
    ("2/30/2013", "not a valid date"),
    ("yesterday", "not a date"),
    ("4/10/203", "not a date"),
    (dt.time(10, 0), "not a date"),
])
def test_bad_dates_are_row_errors_with_what_to_write(tmp_path, cfg, cell, why):
    result = one_column(tmp_path, cfg, "Study Date", [cell, "20130410"])
    assert [q.row for q in result.queries] == [3]
    (err,) = result.errors
    assert err.row == 2 and err.column == "Study Date"
    assert why in err.message and "20130410" in err.message


def test_reversed_range_message_shows_the_fixed_range(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Study Date", ["4/14/2013-4/10/2013"])
    assert result.errors[0].value == "4/14/2013-4/10/2013"
    assert "20130410-20130414" in result.errors[0].message


# ---------------------------------------------------------------------------------------------
# Times

@pytest.mark.parametrize("cell,expected", [
    ("14:30", "143000"), ("14:30:15", "143015"), ("2:30 PM", "143000"), ("12:05 am", "000500"),
    ("2 PM", "140000"), ("1430", "143000"), ("143015", "143015"), (dt.time(9, 5, 7), "090507"),
    (0.5, "120000"), ("08:00-12:00", "080000-120000"), ("08:00 to 12:00", "080000-120000"),
    ("08:00-", "080000-"), ("-12:00", "-120000"),
])
def test_times_become_hhmmss(tmp_path, cfg, cell, expected):
    result = one_column(tmp_path, cfg, "StudyTime", [cell])
    assert result.errors == []
    assert values_of(result, "StudyTime") == [[expected]]


@pytest.mark.parametrize("cell", ["25:00", "noon", "12:00-08:00", "13 PM"])
def test_bad_times_are_row_errors(tmp_path, cfg, cell):
    result = one_column(tmp_path, cfg, "StudyTime", [cell])
    assert result.queries == []
    assert result.errors[0].column == "StudyTime" and result.errors[0].value == cell
    assert "14:30" in result.errors[0].message or "earlier time first" in result.errors[0].message


# ---------------------------------------------------------------------------------------------
# Rows

def test_multiple_values_split_on_semicolon_dropping_nan_and_empty(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Modality", ["CT; mr;;NaN; nan ;CT"])
    assert values_of(result, "Modality") == [["CT", "MR"]]


def test_one_error_per_row_and_other_rows_still_load(tmp_path, cfg):
    rows = [["MRN", "Study Date", "Series Number"],
            ["TEST1", "bad date", "bad number"],
            ["TEST2", "4/10/2013", 2],
            ["TEST3", "20130410", "x"]]
    result = load_sheet(write_xlsx(tmp_path / "r.xlsx", rows), cfg)
    assert [q.row for q in result.queries] == [3]
    assert [q.query_id for q in result.queries] == ["1"]
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (2, "Study Date", "bad date"), (4, "Series Number", "x")]


def test_blank_rows_and_rows_without_identifiers_are_skipped_and_counted(tmp_path, cfg):
    rows = [["Query", "MRN", "Study Date", "Comment"],
            [1, "TEST1", None, None],
            [None, None, None, None],
            [3, None, "  ", "just a note"],
            [None, None, None, None],
            [5, "TEST5", None, None]]
    result = load_sheet(write_xlsx(tmp_path / "b.xlsx", rows), cfg)
    assert [(q.query_id, q.row) for q in result.queries] == [("1", 2), ("5", 6)]
    assert result.errors == []
    assert "Skipped 2 blank rows." in result.notices
    assert "Skipped 1 row with no identifiers (rows 4)." in result.notices


def test_exact_column(tmp_path, cfg):
    rows = [["MRN", "Exact"], ["TEST1", "Y"], ["TEST2", None], ["TEST3", True], ["TEST4", "maybe"]]
    result = load_sheet(write_xlsx(tmp_path / "e.xlsx", rows), cfg)
    assert [q.exact for q in result.queries] == [True, False, True]
    assert "Exact" not in result.columns
    assert result.errors[0].row == 5 and "write Y" in result.errors[0].message


def test_every_error_rows_gives_a_notice_not_an_exception(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Date", ["bad", "worse"])
    assert result.queries == [] and len(result.errors) == 2
    assert any("No usable rows: every filled row has an error" in n for n in result.notices)


# ---------------------------------------------------------------------------------------------
# Views

def test_format_table_shows_queries_errors_and_notes(tmp_path, cfg):
    rows = [["MRN", "Study Date", "Modality", "Notes"], ["00042", "4/10/2013-4/14/2013", None, ""],
            ["TEST2", "bad", None, ""]]
    text = qs.format_table(load_sheet(write_xlsx(tmp_path / "t.xlsx", rows), cfg))
    lines = text.splitlines()
    assert lines[1].split() == ["Query", "Row", "PatientID", "StudyDate"]
    assert lines[3].split() == ["1", "2", "00042", "20130410-20130414"]
    assert "1 usable query, 1 row error." in text
    assert "Columns with no values (not shown): Modality." in text
    assert "Row 3, column 'Study Date', value 'bad':" in text
    assert "'Notes'" in text


# ---------------------------------------------------------------------------------------------
# The fast .xlsx reader gives the same raw cells as openpyxl

def _trimmed(rows: list[list]) -> list[list]:
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] is None:
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


def _rich_workbook(path: Path, write_only: bool, mac_epoch: bool) -> Path:
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    wb = openpyxl.Workbook(write_only=write_only)
    if mac_epoch:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.create_sheet("Data") if write_only else wb.active
    rows = [["MRN", "Date", "Time", "Stamp", "Flag", "Num", "Text"],
            ["00123", dt.datetime(2013, 4, 10), dt.time(14, 30), dt.datetime(2013, 4, 10, 8, 5, 9),
             True, 1234.0, "a;b"],
            [None, None, None, None, None, None, None],
            [7, 41374, None, None, False, 1.5e6, "#N/A"],
            ["X", None, None, None, None, None, "tail"]]
    if not write_only:
        rows[3][6] = CellRichText([TextBlock(InlineFont(b=True), "FAKE"), "^BOLD"])
    for r in rows:
        ws.append(r)
    if not write_only:
        ws["J9"] = "far away"
        ws["B5"].number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


@pytest.mark.parametrize("write_only,mac_epoch", [(False, False), (True, False), (False, True)])
def test_fast_xlsx_reader_matches_openpyxl(tmp_path, write_only, mac_epoch):
    path = _rich_workbook(tmp_path / "rich.xlsx", write_only, mac_epoch)
    fast = sheetfiles._read_xlsx_fast(path, None)
    slow = sheetfiles._read_xlsx_openpyxl(path, None)
    assert fast.name == slow.name and fast.epoch == slow.epoch
    assert _trimmed(fast.rows) == _trimmed(slow.rows)
    assert fast.rows[1][1] == dt.datetime(2013, 4, 10) and fast.rows[1][2] == dt.time(14, 30)


@pytest.mark.parametrize("name", ["query_test.xlsx", "modality_test.xlsx", "_TEMPLATE_.xlsx"])
def test_fast_xlsx_reader_matches_openpyxl_on_the_samples(name):
    fast = sheetfiles._read_xlsx_fast(SEED / name, None)
    slow = sheetfiles._read_xlsx_openpyxl(SEED / name, None)
    assert fast.name == slow.name and _trimmed(fast.rows) == _trimmed(slow.rows)


def test_damaged_xlsx_is_a_sheet_error(tmp_path, cfg):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(SheetError, match="broken.xlsx.*save it again"):
        load_sheet(path, cfg)


# ---------------------------------------------------------------------------------------------
# More of what real exports look like

def test_csv_with_excel_sep_line(tmp_path, cfg):
    path = tmp_path / "sep.csv"
    path.write_text("sep=;\nMRN;Accession\n0007;A,1\n", encoding="utf-8")
    result = load_sheet(path, cfg)
    assert result.queries == [Query("1", 2, {"PatientID": ["0007"], "AccessionNumber": ["A,1"]})]


def test_excel_unicode_text_export_utf16_tab(tmp_path, cfg):
    path = tmp_path / "unicode.txt"
    path.write_bytes("MRN\tStudy Description\r\n00099\tCT tête\r\n".encode("utf-16"))
    result = load_sheet(path, cfg)
    assert result.queries[0].values == {"PatientID": ["00099"], "StudyDescription": ["CT tête"]}


def test_windows_western_csv_keeps_curly_quotes(tmp_path, cfg):
    path = tmp_path / "ansi.csv"
    path.write_bytes("MRN,Study Description\n0001,Patient\u2019s CT\n".encode("cp1252"))
    result = load_sheet(path, cfg)
    assert result.queries[0].values["StudyDescription"] == ["Patient\u2019s CT"]


def test_long_number_cell_in_id_column_is_refused(tmp_path, cfg):
    result = one_column(tmp_path, cfg, "Accession", [1.23456789012346e18, 123456789012345.0])
    assert values_of(result, "AccessionNumber") == [["123456789012345"]]
    assert result.errors[0].row == 2 and "last digits are lost" in result.errors[0].message


def test_scientific_notation_text_is_repaired_with_a_notice(tmp_path, cfg):
    path = tmp_path / "sci.csv"
    path.write_text("MRN\n1.2345E+6\n1.5E+2\n", encoding="utf-8")
    result = load_sheet(path, cfg)
    assert values_of(result, "PatientID") == [["1234500"], ["150"]]
    assert any("row 2: '1.2345E+6' as 1234500" in n and "format ID columns as Text" in n for n in result.notices)


def test_text_xls_export_is_read_as_csv_with_a_notice(tmp_path, cfg):
    path = tmp_path / "export.xls"
    path.write_text("MRN\tAccession\n0005\tB7\n", encoding="utf-8")
    result = load_sheet(path, cfg)
    assert result.queries[0].values == {"PatientID": ["0005"], "AccessionNumber": ["B7"]}
    assert any("read as CSV" in n for n in result.notices)


def test_docs_example_table(tmp_path, cfg):
    rows = [["Query", "MRN", "Accession #", "Study Date", "Study Description", "Modality", "Exact"],
            ["P-01", "0012345", "A1001", "4/10/2013-4/14/2013", "CT CHEST", None, None],
            ["P-02", "AB00042", None, "1991-01-01", "MRI BRAIN", "mr;ct", "Y"],
            ["P-03", "0012345", None, "3/2/2014", None, "CT", None]]
    text = qs.format_table(load_sheet(write_xlsx(tmp_path / "ex.xlsx", rows), cfg))
    assert text.splitlines()[3:6] == [
        "P-01   2    0012345    A1001            20130410-20130414  CT CHEST",
        "P-02   3    AB00042                     19910101           MRI BRAIN         MR;CT     Y",
        "P-03   4    0012345                     20140302                             CT"]


def test_openpyxl_takes_over_when_the_fast_reader_gives_up(tmp_path, cfg, monkeypatch):
    path = write_xlsx(tmp_path / "f.xlsx", [["MRN", "Study Date"], ["00077", dt.datetime(2013, 4, 10)]])

    def give_up(*_args):
        raise KeyError("xl/workbook.xml")
    monkeypatch.setattr(sheetfiles, "_read_xlsx_fast", give_up)
    result = load_sheet(path, cfg)
    assert result.queries == [Query("1", 2, {"PatientID": ["00077"], "StudyDate": ["20130410"]})]


def test_data_under_a_blank_header_is_named_in_a_notice(tmp_path, cfg):
    rows = [["MRN", None, "Modality"], ["TEST1", "stray", "CT"]]
    result = load_sheet(write_xlsx(tmp_path / "u.xlsx", rows), cfg)
    assert result.queries[0].values == {"PatientID": ["TEST1"], "Modality": ["CT"]}
    assert "Columns without a header were ignored: B." in result.notices


@pytest.mark.parametrize("entry", [{"tag": "(0019,1001)", "vr": "DA", "name": "Scan day"},
                                   ["0x0019", "0x1001", "DA"]])
def test_extra_tag_from_tags_json_is_read_by_its_vr(tmp_path, entry):
    config = tmp_path / "config"
    config.mkdir()
    (config / "tags.json").write_text(json.dumps({"ScanDay": entry}))
    (config / "query_identifiers.json").write_text(json.dumps({"QUERY_IDENTIFIERS": ["PatientID", "ScanDay"]}))
    loaded = settings_mod.load_settings(config)
    assert "ScanDay" in loaded.query_identifiers
    result = load_sheet(write_xlsx(tmp_path / "x.xlsx", [["MRN", "scan day"], ["T1", "4/10/2013"]]), loaded)
    assert result.queries[0].values == {"PatientID": ["T1"], "ScanDay": ["20130410"]}


# ---------------------------------------------------------------------------------------------
# Bad text files: a clear message or a good read, never a traceback

def test_csv_with_a_5_mb_cell_is_refused_naming_file_row_and_column(tmp_path, cfg):
    path = tmp_path / "huge.csv"
    path.write_text("MRN,Notes\n0001,ok\n0002," + "x" * 5_000_000 + "\n0003,z\n", encoding="utf-8")
    with pytest.raises(SheetError) as info:
        load_sheet(path, cfg)
    text = str(info.value)
    assert text.startswith(f"{path}: row 3, column B ('Notes') holds a cell of more than")
    assert "quote mark" in text


def test_csv_with_an_unclosed_quote_names_the_cell_it_opens(tmp_path, cfg):
    path = tmp_path / "quote.csv"
    path.write_text('MRN;Accession;Notes\n0001;A1;ok\n0002;"A2;x\n' + "0003;A3;z\n" * 20_000,
                    encoding="utf-8")
    with pytest.raises(SheetError, match=r"quote\.csv: row 3, column B \('Accession'\)"):
        load_sheet(path, cfg)


def test_csv_cell_just_under_the_limit_still_loads(tmp_path, cfg):
    path = tmp_path / "long.csv"
    path.write_text("MRN,Notes\n0001," + "x" * 100_000 + "\n", encoding="utf-8")
    assert load_sheet(path, cfg).queries == [Query("1", 2, {"PatientID": ["0001"]})]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_csv_without_bom_is_read(tmp_path, cfg, codec):
    path = tmp_path / "nobom.csv"
    path.write_bytes("MRN;Study Description\r\n00099;CT tête \u4e00\r\nAB7;\u0100\u4e00\u4e00\r\n"
                     .encode(codec))
    result = load_sheet(path, cfg)
    assert result.errors == [] and result.notices == []
    assert result.queries == [
        Query("1", 2, {"PatientID": ["00099"], "StudyDescription": ["CT tête \u4e00"]}),
        Query("2", 3, {"PatientID": ["AB7"], "StudyDescription": ["\u0100\u4e00\u4e00"]})]


def test_utf16_without_bom_longer_than_the_sniffed_start(tmp_path, cfg):
    rows = "".join(f"{i:05d},\U0001F600 {i}\n" for i in range(600))   # surrogate pairs cross 4096
    path = tmp_path / "long16.csv"
    path.write_bytes(("MRN,Study Description\n" + rows).encode("utf-16-le"))
    result = load_sheet(path, cfg)
    assert len(result.queries) == 600
    assert result.queries[-1].values == {"PatientID": ["00599"], "StudyDescription": ["\U0001F600 599"]}


@pytest.mark.parametrize("data", [b"MRN\n\x00\x01\x02\x03binary", b"M\x00R\x00N\x00\n\x00\x07\x00",
                                  b"M\x00R\x00N\x00\n\x00x"])
def test_binary_with_nul_bytes_is_still_refused(tmp_path, cfg, data):
    path = tmp_path / "bin.csv"
    path.write_bytes(data)
    with pytest.raises(SheetError, match="bin.csv: not a spreadsheet"):
        load_sheet(path, cfg)
