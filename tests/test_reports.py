"""Report workbooks: rows under every outcome, layout for people, locked files, the results round trip."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from mid import reports
from mid.project import Project
from mid.querysheet import Query as Q
from mid.querysheet import RowError as E
from mid.reports import ReportError, read_selection, write_reports


NAMES = ["_0_INITIAL_QUERIES_", "_1_SEARCH_RESULTS", "_2_MASTER_KEY_LEGEND", "_3_SUCCESSFUL_DOWNLOADS",
         "_4_IGNORED_FOR_HIPAA", "_5_USER_EXCLUDED", "_6_FAILED_TRANSFERS", "_7_STUDIES_NOT_DOWNLOADED"]

# series uid -> (study uid, final status, reason, expected, written instances, ignored instances)
OUTCOMES = {
    "1.1.1": ("1.1", "DOWNLOADED", None, 3, 3, 0),                       # success
    "1.1.2": ("1.1", "DOWNLOADED", None, 4, 2, 2),                       # success, some images dropped
    "1.1.3": ("1.1", "IGNORED", "every image matched a drop rule", 2, 0, 2),
    "1.2.1": ("1.2", "PARTIAL", "2 of 5 instances arrived", 5, 2, 0),    # partial
    "1.2.2": ("1.2", "FAILED", "peer refused the move (status 0xA801)", 3, 0, 0),
    "1.3.1": ("1.3", "CANCELLED", "cancelled by the user", 6, 1, 0),
    "1.3.2": ("1.3", "EXCLUDED", "not selected", 2, 0, 0),
}


def tags(study: str, series: str, n: int, number: int) -> dict:
    return {"StudyInstanceUID": study, "SeriesInstanceUID": series, "NumberOfSeriesRelatedInstances": str(n),
            "PatientID": "000123", "PatientName": "FAKE^ALICE", "AccessionNumber": "0042",
            "StudyDate": "20200102", "StudyDescription": "=CT HEAD", "SeriesDescription": f"SERIES {series}",
            "Modality": "CT", "SeriesNumber": str(number)}


@pytest.fixture
def outcomes(tmp_path):
    """A project with one series per outcome, two MISSING/FAILED queries and a row that gave no query."""
    p = Project.create(tmp_path / "knee list", {})
    p.add_queries([Q("007", 2, {"PatientID": ["000123"], "StudyDate": ["20200102"]}),
                   Q("008", 3, {"PatientID": ["000456"]}),
                   Q("009", 4, {"AccessionNumber": ["0099"], "StudyDate": ["20190101-20190301"]})],
                  [E(2, "Study Date", "1/2/2020 x", "extra text after the date was ignored"),
                   E(5, "MRN", "", "no identifier in this row; fill in MRN or Accession")])
    p.set_query_status(1, "FOUND")
    p.set_query_status(2, "MISSING", "no study matched")
    p.set_query_status(3, "FAILED", "PACS timed out after 60 s")
    for k, (uid, (study, status, reason, expected, written, ignored)) in enumerate(OUTCOMES.items()):
        p.upsert_series(1, tags(study, uid, expected, k + 1))
    p.select({u for u, o in OUTCOMES.items() if o[1] != "EXCLUDED"})
    for uid, (study, status, reason, expected, written, ignored) in OUTCOMES.items():
        for i in range(written):
            p.record_instance(uid, f"{uid}.{i}", new_sop_uid=f"2.25.{i}", relpath=f"images/{uid}/{i}.dcm",
                              nbytes=100)
        for i in range(ignored):
            p.record_instance(uid, f"{uid}.ig{i}", status="IGNORED", reason="SeriesDescription contains Report")
        p.set_series_status(uid, status, reason)
        p.record_key(dict(patient_id="000123", patient_name="FAKE^ALICE", accession_number="0042",
                          study_date="20200102", study_uid=study, series_uid=uid, study_description="CT HEAD",
                          series_description=f"SERIES {uid}", new_patient_id="HIPAA_1", new_patient_name="ANON_1",
                          new_accession_number="A0001", new_study_uid="2.25.77", new_series_uid="2.25.77." + uid,
                          study_number=p.study_number(study), date_offset_days=-30))
    p.upsert_series(1, tags("1.4", "1.4.1", 1, 1))          # found, never selected: FOUND
    yield p
    p.close()


def rows_of(path: Path, sheet: int = 0) -> list[dict]:
    ws = openpyxl.load_workbook(path).worksheets[sheet]
    data = list(ws.iter_rows(values_only=True))
    return [dict(zip(data[0], r)) for r in data[1:]]


def trim(row: tuple) -> tuple:
    """A sheet row without the empty cells that pad it to the sheet's width."""
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return tuple(row)


def by_name(paths: list[Path], suffix: str) -> Path:
    (hit,) = [p for p in paths if p.name.endswith(suffix + ".xlsx")]
    return hit


def status_map(rows: list[dict]) -> dict:
    return {r.get("SeriesInstanceUID") or f"Q{r['QueryNumber']}": r["Status"] for r in rows}


def test_writes_the_eight_workbooks_named_after_the_project(outcomes):
    paths = write_reports(outcomes, None)
    assert [p.name for p in paths] == [f"knee list{n}.xlsx" for n in NAMES]
    assert all(p.parent == outcomes.private_dir and p.is_file() for p in paths)
    assert not list(outcomes.private_dir.glob(".*.tmp")), "no temp files left behind"
    assert not list(outcomes.images_dir.rglob("*.xlsx")), "reports never go into images/"


def test_search_reports_only(outcomes):
    paths = write_reports(outcomes, None, which="search")
    assert [p.name for p in paths] == ["knee list_0_INITIAL_QUERIES_.xlsx", "knee list_1_SEARCH_RESULTS.xlsx"]
    with pytest.raises(ValueError):
        write_reports(outcomes, None, which="some")


def test_each_report_holds_the_rows_of_its_outcomes(outcomes):
    paths = write_reports(outcomes, None)
    r0 = rows_of(by_name(paths, "_0_INITIAL_QUERIES_"))
    assert [(r["QueryNumber"], r["QueryID"], r["Row"], r["Status"]) for r in r0] == [
        (1, "007", 2, "FOUND"), (2, "008", 3, "MISSING"), (3, "009", 4, "FAILED"), (None, None, 5, "NOT USED")]
    assert "extra text after the date" in r0[0]["Errors"] and "Study Date" in r0[0]["Errors"]
    assert "fill in MRN" in r0[3]["Errors"]
    assert r0[2]["Reason"] == "PACS timed out after 60 s"

    r1 = rows_of(by_name(paths, "_1_SEARCH_RESULTS"))
    assert status_map(r1) == {**{u: o[1] for u, o in OUTCOMES.items()}, "1.4.1": "FOUND",
                              "Q2": "MISSING", "Q3": "FAILED"}
    dl = {r["SeriesInstanceUID"]: r["Download"] for r in r1 if r["SeriesInstanceUID"]}
    assert dl == {"1.1.1": "Y", "1.1.2": "Y", "1.1.3": "Y", "1.2.1": "Y", "1.2.2": "Y", "1.3.1": "Y",
                  "1.3.2": "N", "1.4.1": "N"}
    missing = [r for r in r1 if r["Status"] == "MISSING"][0]
    assert missing["PatientID"] == "000456" and missing["Download"] is None and missing["StudyNumber"] is None

    r2 = rows_of(by_name(paths, "_2_MASTER_KEY_LEGEND"))
    assert {r["SeriesInstanceUID"] for r in r2} == set(OUTCOMES)
    k = [r for r in r2 if r["SeriesInstanceUID"] == "1.1.1"][0]
    assert (k["StudyNumber"], k["PatientID"], k["NewPatientID"], k["DateOffsetDays"], k["Status"]) == \
        ("0001", "000123", "HIPAA_1", -30, "DOWNLOADED")
    assert k["StudyDate"] == dt.datetime(2020, 1, 2)
    assert k["NewStudyDate"] == dt.datetime(2019, 12, 3), "the shifted date: 2020-01-02 minus 30 days"

    r3 = rows_of(by_name(paths, "_3_SUCCESSFUL_DOWNLOADS"))
    assert status_map(r3) == {"1.1.1": "DOWNLOADED", "1.1.2": "DOWNLOADED"}

    r4 = rows_of(by_name(paths, "_4_IGNORED_FOR_HIPAA"))
    assert status_map(r4) == {"1.1.2": "DOWNLOADED", "1.1.3": "IGNORED"}
    ig = {r["SeriesInstanceUID"]: r for r in r4}
    assert (ig["1.1.2"]["Written"], ig["1.1.2"]["Ignored"]) == (2, 2)
    assert ig["1.1.2"]["Reason"] == "SeriesDescription contains Report"
    assert ig["1.1.3"]["Reason"] == "every image matched a drop rule; SeriesDescription contains Report"

    r5 = rows_of(by_name(paths, "_5_USER_EXCLUDED"))
    assert status_map(r5) == {"1.3.2": "EXCLUDED"}

    r6 = rows_of(by_name(paths, "_6_FAILED_TRANSFERS"))
    assert status_map(r6) == {"1.2.1": "PARTIAL", "1.2.2": "FAILED", "1.3.1": "CANCELLED"}
    f = {r["SeriesInstanceUID"]: r for r in r6}
    assert f["1.2.1"]["Reason"] == "2 of 5 instances arrived"
    assert (f["1.2.1"]["Expected"], f["1.2.1"]["Received"], f["1.2.1"]["Written"]) == (5, 2, 2)
    assert f["1.2.2"]["Reason"].startswith("peer refused")

    r7 = rows_of(by_name(paths, "_7_STUDIES_NOT_DOWNLOADED"))
    queries = [(r["QueryNumber"], r["Status"]) for r in r7 if r["StudyNumber"] is None]
    assert queries == [(2, "MISSING"), (3, "FAILED")]
    studies = {r["StudyNumber"]: r for r in r7 if r["StudyNumber"]}
    assert set(studies) == {"0002", "0003", "0004"}, "study 0001 has downloaded series and is not listed"
    assert studies["0002"]["Status"] == "PARTIAL; FAILED"
    assert studies["0003"]["Status"] == "EXCLUDED; CANCELLED"
    assert studies["0002"]["Expected"] == 8 and studies["0002"]["Written"] == 2
    assert studies["0004"]["Status"] == "FOUND"


def test_series_a_stopped_run_left_unfinished_count_as_failed_transfers(outcomes):
    outcomes.set_series_status("1.2.2", "DOWNLOADING")          # as after a crash mid-series
    outcomes.set_series_status("1.3.1", "QUEUED")
    r6 = rows_of(by_name(write_reports(outcomes, None), "_6_FAILED_TRANSFERS"))
    assert status_map(r6) == {"1.2.1": "PARTIAL", "1.2.2": "DOWNLOADING", "1.3.1": "QUEUED"}
    assert all("run download again" in r["Reason"] for r in r6 if r["Status"] != "PARTIAL")


def test_columns_layout_dates_and_text(outcomes):
    path = by_name(write_reports(outcomes, None), "_3_SUCCESSFUL_DOWNLOADS")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == ["StudyNumber", "Status", "QueryNumber"] + reports.DEFAULT_LEGEND_TAGS + \
        ["Expected", "Received", "Written", "Ignored", "Burned-in text", "Reason"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}3"
    col = {h: i + 1 for i, h in enumerate(header)}
    date_cell = ws.cell(2, col["StudyDate"])
    assert date_cell.is_date and date_cell.value == dt.datetime(2020, 1, 2)
    pid = ws.cell(2, col["PatientID"])
    assert pid.value == "000123" and pid.data_type == "s" and pid.number_format == "@"
    assert ws.cell(2, col["StudyNumber"]).value == "0001"
    desc = ws.cell(2, col["StudyDescription"])
    assert desc.value == "=CT HEAD" and desc.data_type == "s", "text that looks like a formula stays text"
    assert ws.cell(2, col["Written"]).value == 3
    widths = {h: ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width for h, i in col.items()}
    assert widths["StudyInstanceUID"] >= len("StudyInstanceUID") and widths["Reason"] >= 8
    assert all(w <= reports.MAX_WIDTH for w in widths.values())


def test_summary_sheets_one_table_each_with_counts_that_mean_something(outcomes):
    path = by_name(write_reports(outcomes, None), "_1_SEARCH_RESULTS")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Search results", "Summary", "Per query"]
    for name in ("Summary", "Per query"):                       # one table, its header frozen
        assert wb[name].freeze_panes == "A2"
        assert all(r[0] is not None for r in wb[name].iter_rows(min_row=2, values_only=True))
    rows = [trim(r) for r in wb["Summary"].iter_rows(values_only=True)]
    assert rows[0] == ("Status", "Rows", "Studies", "Expected", "Received", "Written", "Ignored")
    per_status = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert [per_status["DOWNLOADED"][h] for h in ("Rows", "Expected", "Received", "Written", "Ignored")] == \
        [2, 7, 7, 5, 2]
    assert per_status["PARTIAL"]["Rows"] == 1 and per_status["MISSING"]["Rows"] == 1
    assert per_status["Total"]["Rows"] == 10 and per_status["Total"]["Written"] == 8
    for st in ("FOUND", "MISSING", "EXCLUDED", "QUEUED"):     # never retrieved: no received counts
        if st in per_status:
            assert per_status[st].get("Received") is None and per_status[st].get("Written") is None
            assert per_status[st]["Rows"] >= 1
    assert per_status["DOWNLOADED"]["Studies"] >= 1
    rows = [trim(r) for r in wb["Per query"].iter_rows(values_only=True)]
    header = rows[0]
    per_query = {r[0]: dict(zip(header, r)) for r in rows[1:] if r}
    assert per_query[1]["QueryID"] == "007" and per_query[1]["Rows"] == 8 and per_query[1]["DOWNLOADED"] == 2
    assert per_query[2]["MISSING"] == 1 and per_query[3]["FAILED"] == 1
    initial = rows_of(by_name(write_reports(outcomes, None), "_0_INITIAL_QUERIES_"))
    assert "Exact" not in initial[0]                           # no query is exact: no empty column


def test_suffixes_and_legend_tags_come_from_the_settings(outcomes):
    class Defaults:          # shaped like settings.UserDefaults
        report_suffixes = {"search_results": "_RESULTS", "successful": "_OK"}
        default_legend_tags = ["AccessionNumber", "Modality"]

    class Settings:          # shaped like settings.Settings
        defaults = Defaults()

    paths = write_reports(outcomes, Settings())
    names = [p.name for p in paths]
    assert "knee list_RESULTS.xlsx" in names and "knee list_OK.xlsx" in names
    assert "knee list_0_INITIAL_QUERIES_.xlsx" in names, "suffixes not given keep their default"
    header = list(rows_of(outcomes.private_dir / "knee list_OK.xlsx")[0])
    assert header == ["StudyNumber", "Status", "QueryNumber", "AccessionNumber", "Modality",
                      "Expected", "Received", "Written", "Ignored", "Burned-in text", "Reason"]
    results_header = list(rows_of(outcomes.private_dir / "knee list_RESULTS.xlsx")[0])
    assert "SeriesInstanceUID" in results_header, "the round trip column is always in the results"
    assert reports.report_path(outcomes, {"report_suffixes": {"failed": "_F"}}, "failed").name == "knee list_F.xlsx"


# ------------------------------------------------------------------ round trip

def test_results_round_trip_through_an_edited_workbook(outcomes):
    path = by_name(write_reports(outcomes, None, which="search"), "_1_SEARCH_RESULTS")
    assert read_selection(path) == {"1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2", "1.3.1"}
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    d, u = header.index("Download") + 1, header.index("SeriesInstanceUID") + 1
    edits = {"1.1.1": "n", "1.1.2": "No", "1.1.3": "", "1.2.1": " yes ", "1.2.2": "TRUE", "1.3.1": 1,
             "1.3.2": "y", "1.4.1": True}
    for r in range(2, ws.max_row + 1):
        uid = ws.cell(r, u).value
        if uid in edits:
            ws.cell(r, d).value = edits[uid]
    ws.cell(ws.max_row, d).value = "Y"           # a MISSING query row has no series: ignored
    wb.save(path)
    assert read_selection(path) == {"1.2.1", "1.2.2", "1.3.1", "1.3.2", "1.4.1"}
    # and fed back, the project's selection is exactly those rows
    outcomes.select(read_selection(path))
    queued = {s.series_uid for s in outcomes.series({"QUEUED"})}
    assert queued == {"1.2.1", "1.2.2", "1.3.1", "1.3.2", "1.4.1"}


def test_read_selection_says_what_is_wrong(outcomes, tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        read_selection(tmp_path / "nope.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(ReportError, match="bad.xlsx"):
        read_selection(bad)
    path = by_name(write_reports(outcomes, None, which="search"), "_1_SEARCH_RESULTS")
    wb = openpyxl.load_workbook(path)
    wb.worksheets[0].delete_cols(1)          # the Download column
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    with pytest.raises(ReportError) as ei:
        read_selection(edited)
    assert "edited.xlsx" in str(ei.value) and "'Download'" in str(ei.value)
    other = openpyxl.Workbook()
    other.active.append(["MRN", "Date"])
    other.save(tmp_path / "other.xlsx")
    with pytest.raises(ReportError, match="other.xlsx.*no sheet"):
        read_selection(tmp_path / "other.xlsx")


# ------------------------------------------------------------------ locked workbooks

def _lock_targets(monkeypatch, locked: set[str]):
    """os.replace fails like Windows does when Excel holds the file open."""
    real = os.replace

    def fake(src, dst, *a, **kw):
        if Path(dst).name in locked:
            raise PermissionError(13, "The process cannot access the file because it is being used", str(dst))
        return real(src, dst, *a, **kw)
    monkeypatch.setattr(reports.os, "replace", fake)


def test_locked_workbook_is_written_under_a_numbered_name(outcomes, monkeypatch, caplog):
    _lock_targets(monkeypatch, {"knee list_1_SEARCH_RESULTS.xlsx", "knee list_1_SEARCH_RESULTS (1).xlsx"})
    with caplog.at_level("WARNING", logger="mid.reports"):
        paths = write_reports(outcomes, None, which="search")
    assert [p.name for p in paths] == ["knee list_0_INITIAL_QUERIES_.xlsx", "knee list_1_SEARCH_RESULTS (2).xlsx"]
    assert paths[1].is_file() and read_selection(paths[1])
    assert any("knee list_1_SEARCH_RESULTS (2).xlsx" in r.getMessage() for r in caplog.records)
    assert not list(outcomes.private_dir.glob(".*.tmp"))


def test_locked_workbook_callback_retry_path_or_give_up(outcomes, monkeypatch, tmp_path):
    locked = {"knee list_0_INITIAL_QUERIES_.xlsx"}
    _lock_targets(monkeypatch, locked)
    asked: list[Path] = []

    def retry_once(path: Path):
        asked.append(path)
        locked.clear()           # the user closed Excel, then pressed Retry
        return "retry"
    paths = write_reports(outcomes, None, which="search", on_locked=retry_once)
    assert paths[0].name == "knee list_0_INITIAL_QUERIES_.xlsx" and len(asked) == 1

    locked.add("knee list_0_INITIAL_QUERIES_.xlsx")
    elsewhere = tmp_path / "saved as.xlsx"
    paths = write_reports(outcomes, None, which="search", on_locked=lambda p: elsewhere)
    assert paths[0] == elsewhere and rows_of(elsewhere)[0]["QueryID"] == "007"

    with pytest.raises(ReportError, match="locked"):
        write_reports(outcomes, None, which="search", on_locked=lambda p: None)
    assert not list(outcomes.private_dir.glob(".*.tmp"))


def test_really_locked_file_falls_back_to_numbered_name(outcomes):
    """An immutable file (chattr +i) cannot be replaced, even by root: a real PermissionError."""
    target = outcomes.private_dir / "knee list_1_SEARCH_RESULTS.xlsx"
    target.write_bytes(b"old")
    chattr = shutil.which("chattr")
    if not chattr or subprocess.run([chattr, "+i", str(target)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system; the monkeypatched test covers the logic")
    try:
        paths = write_reports(outcomes, None, which="search")
        assert paths[1].name == "knee list_1_SEARCH_RESULTS (1).xlsx"
        assert target.read_bytes() == b"old"
        assert read_selection(paths[1]) == {"1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2", "1.3.1"}
    finally:
        subprocess.run([chattr, "-i", str(target)], check=True)


def test_unwritable_folder_is_a_clear_error(outcomes, tmp_path):
    wb = openpyxl.Workbook()
    with pytest.raises(ReportError) as ei:
        reports.save_workbook(wb, tmp_path / "no such folder" / "r.xlsx")
    assert "no such folder" in str(ei.value) and "folder exists" in str(ei.value)


def test_reports_while_instances_arrive_are_consistent(outcomes):
    """Reports can be written while instances arrive; every row is self-consistent."""
    import threading
    outcomes.upsert_series(1, tags("1.5", "1.5.1", 400, 1))
    stop = threading.Event()

    def receiver():
        for i in range(400):
            if stop.is_set():
                break
            outcomes.record_instance("1.5.1", f"1.5.1.{i}", relpath=f"images/5/{i}.dcm", nbytes=1,
                                     status="IGNORED" if i % 4 == 0 else "WRITTEN", reason="burned-in text")
    th = threading.Thread(target=receiver)
    th.start()
    try:
        for _ in range(3):
            rows = rows_of(by_name(write_reports(outcomes, None, which="search"), "_1_SEARCH_RESULTS"))
            live = [r for r in rows if r["SeriesInstanceUID"] == "1.5.1"][0]
            assert live["Received"] == live["Written"] + live["Ignored"]
    finally:
        stop.set()
        th.join(30)
    assert outcomes.verify() == []


def test_reports_of_an_empty_project(tmp_path):
    with Project.create(tmp_path / "empty", {}) as p:
        paths = write_reports(p, None)
        assert len(paths) == 8
        assert rows_of(paths[1]) == []
        wb = openpyxl.load_workbook(paths[1])
        assert [c.value for c in wb.worksheets[0][1]][:4] == ["Download", "StudyNumber", "Status", "QueryNumber"]


def test_master_key_from_a_real_anonymizer_run(tmp_path):
    """The project is the anonymizer's Keys: StudyNumbers agree, and its KeyEntry lands in the key report."""
    from mid import anonymizer
    from mid import settings as settings_mod
    from mid import synthdata

    settings = settings_mod.load_settings(tmp_path / "config")
    desc = synthdata.generate_set(seed=7, n_patients=1, studies_per_patient=2)
    (patient, study_a), (_, study_b) = desc.studies()[:2]
    with Project.create(tmp_path / "anon run", {}) as p:
        p.upsert_series(1, {"StudyInstanceUID": study_b.study_uid,
                            "SeriesInstanceUID": study_b.series[0].series_uid})     # search numbered B first
        anon = anonymizer.Anonymizer(anonymizer.AnonConfig.from_settings(settings), keys=p)
        for st in (study_a, study_b):
            se = st.series[0]
            p.upsert_series(1, {"StudyInstanceUID": st.study_uid, "SeriesInstanceUID": se.series_uid})
            res = anon.anonymize(synthdata.make_instance(patient, st, se, 0))
            assert res.key.study_number == p.study_number(st.study_uid)
            p.record_key(res.key)
        assert p.study_number(study_b.study_uid) == "0001" and p.study_number(study_a.study_uid) == "0002"
        entries = p.key_entries()
        assert all(isinstance(e, anonymizer.KeyEntry) for e in entries)
        path = by_name(write_reports(p, settings), "_2_MASTER_KEY_LEGEND")
        rows = rows_of(path)
        assert [r["StudyNumber"] for r in rows] == ["0001", "0002"]
        assert {r["PatientID"] for r in rows} == {patient.patient_id}
        assert all(r["NewPatientID"] and r["NewPatientID"] != patient.patient_id for r in rows)
        assert all(r["NewStudyInstanceUID"] not in (study_a.study_uid, study_b.study_uid) for r in rows)
        p.flush_key()
        assert patient.patient_id in p.key_csv_path.read_text(encoding="utf-8-sig")


def test_burned_in_text_masked_and_dropped_is_counted_per_series_in_the_reports_and_the_key(tmp_path):
    """Images de-identified with the real pixel checks: a series' masked and dropped images are
    counted in its row of the series reports and of the master key."""
    import json

    import pixel_corpus as pc
    from mid import pixels, store
    from mid import settings as settings_mod

    def settings(name: str, **defaults):
        cfg = tmp_path / name
        cfg.mkdir()
        (cfg / "user_defaults.json").write_text(json.dumps(defaults))
        return settings_mod.load_settings(cfg)

    def folder(name: str, images: list) -> Path:
        src = tmp_path / name
        src.mkdir()
        for i, ds in enumerate(images):
            ds.save_as(src / f"{i}.dcm", enforce_file_format=True)
        return src

    def image(modality: str, series_uid: str, texts: list, n: int):
        ds = pc.burned(modality, texts, rgb=False, light=False, rows=192, cols=256, seed=n).ds
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.InstanceNumber = "1.2.826.0.1.3680043.8.498.70", series_uid, n
        return ds

    us, xa, ct = "1.2.826.0.1.3680043.8.498.71", "1.2.826.0.1.3680043.8.498.72", "1.2.826.0.1.3680043.8.498.73"
    name = [("FAKE^ALICE", 20, True)]
    with Project.create(tmp_path / "burned") as p:
        masked = [image("US", us, name, n) for n in range(3)] + [image("US", us, [("5 cm", 16, False)], 3)]
        summary = store.anonymize_files(settings("mask"), p, folder("first", masked + [image("CT", ct, [], 9)]))
        assert summary.written == 5, summary.problems
        summary = store.anonymize_files(settings("drop", pixel_action="drop"), p,
                                        folder("second", [image("US", us, name, 4), image("XA", xa, name, 5)]))
        assert summary.ignored == 2 and summary.written == 0, summary.problems
        reasons = p.reason_counts()
        assert reasons[us] == {pixels.MASKED_REASON: 3, pixels.DROP_REASON: 1} and ct not in reasons
        paths = write_reports(p, None)
        p.flush_key()
        import csv
        with open(p.key_csv_path, encoding="utf-8-sig", newline="") as f:
            key_csv = {r["series_uid"]: r["burned_in_text"] for r in csv.DictReader(f)}
    assert key_csv == {us: "3 masked, 1 dropped", ct: ""}     # XA: all dropped, no key row
    by_series = {}
    for suffix in ("_3_SUCCESSFUL_DOWNLOADS", "_4_IGNORED_FOR_HIPAA", "_2_MASTER_KEY_LEGEND"):
        rows = rows_of(by_name(paths, suffix))
        by_series[suffix] = {r["SeriesInstanceUID"]: r[reports.PIXELS] for r in rows}
    assert by_series["_4_IGNORED_FOR_HIPAA"][us] == "3 masked, 1 dropped"
    assert by_series["_4_IGNORED_FOR_HIPAA"][xa] == "1 dropped"
    assert by_series["_2_MASTER_KEY_LEGEND"][us] == "3 masked, 1 dropped"
    assert by_series["_2_MASTER_KEY_LEGEND"][ct] is None                 # CT is not checked: nothing to say
    assert by_series["_3_SUCCESSFUL_DOWNLOADS"] == {us: "3 masked, 1 dropped", ct: None}     # XA: all dropped


def test_the_pixel_count_cell_says_masked_and_dropped():
    from mid import pixels
    assert pixels.count_text(3, 1) == "3 masked, 1 dropped"
    assert pixels.count_text(0, 2) == "2 dropped" and pixels.count_text(4, 0) == "4 masked"
    assert pixels.count_text(0, 0) is None
    got = pixels.count_reasons({pixels.MASKED_REASON: 2, pixels.DROP_REASON: 1, "SeriesDescription contains Report": 5,
                                pixels.DROP_REASON + " could not be looked for: no decoder": 1})
    assert got == (2, 2)
