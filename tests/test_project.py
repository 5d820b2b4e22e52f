"""Project folder and state: creation rules, numbering, extension, resume, crash safety, concurrency."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from mid import project as P
from mid.project import Project, ProjectError

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Q:
    """Shaped like querysheet.Query."""
    query_id: str
    row: int
    values: dict
    exact: bool = False


@dataclass(frozen=True)
class E:
    """Shaped like querysheet.RowError."""
    row: int
    column: str
    value: str
    message: str


def series_tags(study: str, series: str, n: int = 3, **extra) -> dict:
    tags = {"StudyInstanceUID": study, "SeriesInstanceUID": series, "NumberOfSeriesRelatedInstances": str(n),
            "PatientID": "000123", "PatientName": "FAKE^ALICE", "SeriesDescription": f"series {series}"}
    tags.update(extra)
    return tags


@pytest.fixture
def proj(tmp_path):
    p = Project.create(tmp_path / "study list", {"source": "DEMO PACS"})
    yield p
    p.close()


# ------------------------------------------------------------------ folder rules

def test_create_makes_layout_secret_and_settings(tmp_path):
    root = tmp_path / "p"
    with Project.create(root, {"source": "DEMO PACS", "method": "move"}) as p:
        assert p.images_dir == root / "images" and p.images_dir.is_dir()
        assert p.private_dir == root / "private" and p.private_dir.is_dir()
        assert (root / "private" / "state.sqlite").is_file()
        key = root / "private" / "secret.key"
        assert len(p.secret) == 32 and key.read_bytes() == p.secret
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert p.get_setting("source") == "DEMO PACS"
        assert p.name == "p"
        secret = p.secret
    with Project.open(root) as p:
        assert p.secret == secret, "the secret is created once and kept"
        assert p.settings() == {"source": "DEMO PACS", "method": "move"}
        with p._lock:
            assert p._db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
            assert p._db.execute("PRAGMA user_version").fetchone()[0] == P.SCHEMA_VERSION


def test_secret_is_never_silently_replaced(tmp_path):
    root = tmp_path / "s"
    Project.create(root, {}).close()
    key = root / "private" / "secret.key"
    key.write_bytes(b"")                      # killed while creating it: nothing used it yet
    with Project.open(root) as p:
        assert len(p.secret) == 32 and key.read_bytes() == p.secret
        p.upsert_series(1, {"StudyInstanceUID": "1.2", "SeriesInstanceUID": "1.2.3"})
        p.record_instance("1.2.3", "1.2.3.4", relpath="images/a.dcm", nbytes=1)
    key.write_bytes(b"short")
    with pytest.raises(ProjectError, match="damaged.*backup"):
        Project.open(root)
    assert key.read_bytes() == b"short", "a damaged secret is left for the user to restore"


def test_create_refuses_non_empty_folder_that_is_not_a_project(tmp_path):
    root = tmp_path / "busy"
    root.mkdir()
    (root / "notes.txt").write_text("something else")
    with pytest.raises(ProjectError) as ei:
        Project.create(root, {})
    assert str(root) in str(ei.value) and "not empty" in str(ei.value)
    assert not (root / "private").exists(), "nothing written into a refused folder"


def test_create_accepts_an_empty_folder_and_reopens_an_existing_project(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    with Project.create(root, {"source": "A"}) as p:
        p.study_number("1.2.3")
    with Project.create(root, {"source": "B", "method": "get"}) as p:
        assert p.study_number("1.2.3") == "0001", "create on a project opens it, state intact"
        assert p.get_setting("source") == "A", "existing settings are not overwritten"
        assert p.get_setting("method") == "get", "missing settings are filled in"


def test_open_refuses_what_is_not_a_project(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        Project.open(tmp_path / "nowhere")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ProjectError, match="not a project"):
        Project.open(tmp_path / "plain")


def test_open_refuses_a_foreign_or_newer_database(tmp_path):
    foreign = tmp_path / "foreign"
    (foreign / "private").mkdir(parents=True)
    db = sqlite3.connect(foreign / "private" / "state.sqlite")
    db.execute("PRAGMA application_id=12345")
    db.execute("CREATE TABLE t(x)")
    db.commit()
    db.close()
    with pytest.raises(ProjectError, match="another program"):
        Project.open(foreign)

    newer = tmp_path / "newer"
    Project.create(newer, {}).close()
    db = sqlite3.connect(newer / "private" / "state.sqlite")
    db.execute(f"PRAGMA user_version={P.SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(ProjectError, match="newer version"):
        Project.open(newer)


def test_default_root_uses_sheet_name_and_numbers_taken_ones(tmp_path):
    sheet = tmp_path / "sheets" / "knee MRI list.xlsx"
    first = Project.default_root(tmp_path / "store", sheet)
    assert first == tmp_path / "store" / "knee MRI list"
    first.mkdir(parents=True)
    second = Project.default_root(tmp_path / "store", sheet)
    assert second == tmp_path / "store" / "knee MRI list (2)"
    second.mkdir()
    assert Project.default_root(tmp_path / "store", sheet) == tmp_path / "store" / "knee MRI list (3)"
    assert Project.default_root(tmp_path, "a:b?.csv").name == "a_b_"


# ------------------------------------------------------------------ numbering

def test_study_numbers_are_one_per_study_uid_shared_by_search_and_anonymizer(proj):
    assert proj.study_number("1.1") == "0001"
    a = proj.upsert_series(1, series_tags("1.2", "1.2.1"))
    b = proj.upsert_series(1, series_tags("1.2", "1.2.2"))
    c = proj.upsert_series(1, series_tags("1.1", "1.1.1"))
    assert (a.study_number, b.study_number, c.study_number) == ("0002", "0002", "0001")
    assert proj.study_number("1.2") == "0002"
    assert proj.studies() == {"1.1": "0001", "1.2": "0002"}
    with pytest.raises(ProjectError):
        proj.study_number("")


def test_patient_numbers_are_stable(proj):
    assert [proj.patient_number(x) for x in ("007", "ABC", "007", "0007")] == [1, 2, 1, 3]


def test_upsert_series_requires_uids_and_keeps_status(proj):
    with pytest.raises(ProjectError, match="SeriesInstanceUID"):
        proj.upsert_series(1, {"StudyInstanceUID": "1.2"})
    proj.upsert_series(1, series_tags("1.2", "1.2.1", n=5))
    proj.set_series_status("1.2.1", "DOWNLOADED")
    again = proj.upsert_series(2, series_tags("1.2", "1.2.1", n=9, Modality="CT"))
    assert again.status == "DOWNLOADED" and again.query_number == 1
    assert again.expected == 5, "a DOWNLOADED series keeps the count it was completed against"
    assert again.tags["Modality"] == "CT"


# ------------------------------------------------------------------ reopen and extend

def test_reopen_and_extend_keeps_numbers_statuses_and_continues_numbering(tmp_path):
    root = tmp_path / "ext"
    first_sheet = [Q("A7", 2, {"PatientID": ["000123"]}), Q("A8", 3, {"PatientID": ["000456"]})]
    with Project.create(root, {}) as p:
        assert p.add_queries(first_sheet, [E(4, "MRN", "", "no identifier")]) == [1, 2]
        p.set_query_status(1, "FOUND")
        p.set_query_status(2, "MISSING", "no study matched")
        p.upsert_series(1, series_tags("9.1", "9.1.1"))
        p.upsert_series(1, series_tags("9.1", "9.1.2"))
        p.upsert_series(1, series_tags("9.2", "9.2.1"))
        p.select({"9.1.1", "9.2.1"})
        p.set_series_status("9.1.1", "DOWNLOADED")
        p.set_series_status("9.2.1", "PARTIAL", "2 of 3 instances")

    longer = first_sheet + [Q("A7", 5, {"PatientID": ["000999"]}), Q("A9", 6, {"AccessionNumber": ["0042"]})]
    with Project.open(root) as p:
        numbers = p.add_queries(longer, [])
        assert numbers == [1, 2, 3, 4], "old rows keep their numbers, new rows numbered after them"
        qs = {q.number: q for q in p.queries()}
        assert qs[3].query_id == "A7", "a clashing ID keeps the user's text under a new number"
        assert (qs[1].status, qs[2].status, qs[3].status) == ("FOUND", "MISSING", "PENDING")
        assert qs[2].reason == "no study matched"
        # search again: old studies keep numbers and statuses, a new study is numbered on
        p.upsert_series(1, series_tags("9.1", "9.1.1"))
        new = p.upsert_series(3, series_tags("9.3", "9.3.1"))
        assert new.study_number == "0003" and new.status == "FOUND"
        by = {s.series_uid: s for s in p.series()}
        assert by["9.1.1"].status == "DOWNLOADED" and by["9.1.1"].study_number == "0001"
        assert by["9.2.1"].status == "PARTIAL" and by["9.2.1"].study_number == "0002"
        assert by["9.1.2"].status == "EXCLUDED"
        # selecting everything again: DOWNLOADED is left alone, the rest is queued
        p.select(set(by) | {"9.3.1"})
        by = {s.series_uid: s.status for s in p.series()}
        assert by == {"9.1.1": "DOWNLOADED", "9.1.2": "QUEUED", "9.2.1": "QUEUED", "9.3.1": "QUEUED"}


def test_queries_keep_values_errors_and_error_only_rows(proj):
    proj.add_queries([Q("1", 2, {"StudyDate": ["20130410-20130414"], "PatientID": ["0012"]}, exact=True)],
                     [E(2, "Study Date", "4/10/13x", "not a date; write M/D/YYYY"),
                      E(3, "MRN", "", "row has no identifier")])
    (q,) = proj.queries()
    assert q.values == {"StudyDate": ["20130410-20130414"], "PatientID": ["0012"]} and q.exact
    assert q.errors == [{"row": 2, "column": "Study Date", "value": "4/10/13x",
                         "message": "not a date; write M/D/YYYY"}]
    assert [(e.row, e.column, e.message) for e in proj.row_errors()] == [(3, "MRN", "row has no identifier")]
    with pytest.raises(ValueError):
        proj.set_query_status(1, "DOWNLOADED")
    with pytest.raises(ProjectError):
        proj.set_query_status(99, "FOUND")


def test_select_queues_chosen_and_excludes_the_rest(proj):
    for i in range(1, 5):
        proj.upsert_series(1, series_tags("5.1", f"5.1.{i}"))
    proj.set_series_status("5.1.4", "IGNORED", "every image was a report")
    proj.select({"5.1.1", "5.1.4"})
    st = {s.series_uid: (s.status, s.reason) for s in proj.series()}
    assert st["5.1.1"] == ("QUEUED", None)
    assert st["5.1.2"] == ("EXCLUDED", "not selected") and st["5.1.3"][0] == "EXCLUDED"
    assert st["5.1.4"] == ("IGNORED", "every image was a report")
    with pytest.raises(ValueError):
        proj.set_series_status("5.1.1", "DONE")
    with pytest.raises(ProjectError):
        proj.set_series_status("nope", "FAILED")


# ------------------------------------------------------------------ instances

def test_record_instance_is_idempotent_and_counts(proj):
    proj.upsert_series(1, series_tags("3.1", "3.1.1"))
    assert proj.record_instance("3.1.1", "3.1.1.1", new_sop_uid="2.25.1", relpath="images/0001/a.dcm", nbytes=10)
    assert not proj.record_instance("3.1.1", "3.1.1.1", new_sop_uid="2.25.1", relpath="images/0001/a.dcm",
                                    nbytes=10), "the same SOP instance never counts twice"
    proj.record_instance("3.1.1", "3.1.1.2", status="IGNORED", reason="SeriesDescription contains Report")
    proj.record_instance("3.1.1", "3.1.1.3", status="FAILED", reason="disk full")
    assert proj.counts("3.1.1") == (1, 1)
    assert proj.instance_known("3.1.1.1") and proj.instance_known("3.1.1.2")
    assert not proj.instance_known("3.1.1.3"), "a failed write is fetched again on resume"
    proj.record_instance("3.1.1", "3.1.1.3", new_sop_uid="2.25.3", relpath="images/0001/c.dcm", nbytes=7)
    assert proj.counts("3.1.1") == (2, 1)
    s = proj.get_series("3.1.1")
    assert s.received == 3 and (s.written, s.ignored) == (2, 1)
    assert proj.ignored_reasons() == {"3.1.1": ["SeriesDescription contains Report"]}
    assert proj.totals() == {"written": 2, "ignored": 1, "bytes": 17}
    assert proj.verify() == []
    with pytest.raises(ProjectError, match="not in project"):
        proj.record_instance("unknown", "1.1")
    with pytest.raises(ValueError):
        proj.record_instance("3.1.1", "3.1.1.9", status="LOST")


def test_threads_recording_instances_concurrently(proj):
    uids = [f"4.{i}.1" for i in range(4)]
    for i, u in enumerate(uids):
        proj.upsert_series(1, series_tags(f"4.{i}", u, n=100))
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            for k in range(100):
                series = uids[k % 4]
                proj.record_instance(series, f"{series}.{k}", new_sop_uid=f"2.25.{t}{k}",
                                     relpath=f"images/x/{k}.dcm", nbytes=1)   # 8 threads send the same SOPs
                proj.study_number(f"7.{t}.{k % 5}")
                proj.patient_number(f"P{k % 7}")
        except BaseException as e:   # surfaced by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors
    assert [proj.counts(u) for u in uids] == [(25, 0)] * 4
    assert sorted(int(n) for n in proj.studies().values()) == list(range(1, 4 + 8 * 5 + 1)), \
        "every study got exactly one number, without gaps or duplicates"
    assert proj.verify() == []


def test_snapshot_holds_writers_back_until_it_ends(proj):
    proj.upsert_series(1, series_tags("2.1", "2.1.1"))
    started = threading.Event()

    def writer():
        started.set()
        proj.record_instance("2.1.1", "2.1.1.1", relpath="images/1.dcm", nbytes=1)
    with proj.snapshot():
        th = threading.Thread(target=writer)
        th.start()
        started.wait(10)
        th.join(0.3)
        assert th.is_alive(), "the writer waits for the snapshot"
        assert proj.counts("2.1.1") == (0, 0)
    th.join(10)
    assert proj.counts("2.1.1") == (1, 0)


CRASH_WRITER = textwrap.dedent("""
    import sys, dataclasses
    sys.path.insert(0, sys.argv[2])
    from mid.project import Project
    p = Project.open(sys.argv[1])
    @dataclasses.dataclass
    class Q:
        query_id: str; row: int; values: dict; exact: bool = False
    i = 0
    while True:
        series = f"8.1.{i % 3}"
        p.record_instance(series, f"{series}.{i}", new_sop_uid=f"2.25.{i}", relpath=f"images/{i}.dcm", nbytes=100)
        p.add_queries([Q(f"q{i}-{j}", j, {"PatientID": [str(i)]}) for j in range(5)], [])
        p.set_series_status(series, "DOWNLOADING", f"{i} received", received=None)
        print(i, flush=True)
        i += 1
""")


def test_sigkill_mid_write_leaves_a_consistent_project(tmp_path):
    root = tmp_path / "crash"
    with Project.create(root, {}) as p:
        for k in range(3):
            p.upsert_series(1, series_tags("8.1", f"8.1.{k}", n=1000))
    proc = subprocess.Popen([sys.executable, "-c", CRASH_WRITER, str(root), str(REPO)],
                            stdout=subprocess.PIPE, text=True)
    try:
        seen = 0
        deadline = time.monotonic() + 60
        while seen < 150 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen += 1
        assert seen >= 150, "the writer did not get going"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    with Project.open(root) as p:
        assert p.verify() == []
        written = sum(p.counts(f"8.1.{k}")[0] for k in range(3))
        assert written >= 150, "committed instances survive the kill"
        assert len(p.queries()) % 5 == 0, "a batch of queries is stored whole or not at all"
        assert len(p.queries()) // 5 in (written, written - 1, written + 1)
        # and it can go on where it stopped
        p.record_instance("8.1.0", "8.1.0.new", relpath="images/new.dcm", nbytes=1)
        assert p.verify() == []


# ------------------------------------------------------------------ mode and key

def test_raw_and_anonymized_are_not_mixed(proj):
    proj.check_mode(raw=False)
    assert proj.get_setting("raw") is False
    proj.check_mode(raw=True)        # nothing written yet: switching is harmless
    assert proj.get_setting("raw") is True
    proj.upsert_series(1, series_tags("6.1", "6.1.1"))
    proj.record_instance("6.1.1", "6.1.1.1", relpath="images/RAW/1.dcm", nbytes=5)
    proj.check_mode(raw=True)
    with pytest.raises(ProjectError) as ei:
        proj.check_mode(raw=False)
    assert "raw" in str(ei.value) and "new project" in str(ei.value)
    assert proj.get_setting("raw") is True


def key_entry(series: str, study_number: str = "0001", **kw) -> dict:
    d = dict(patient_id="000123", patient_name="FAKE^ALICE", accession_number="0042", study_date="20200102",
             study_uid="1.9", series_uid=series, study_description="CT HEAD", series_description="AXIAL",
             new_patient_id="HIPAA_1", new_patient_name="ANON_1", new_accession_number="A1",
             new_study_uid="2.25.9", new_series_uid="2.25.9" + series[-1], study_number=study_number,
             date_offset_days=-12)
    d.update(kw)
    return d


def test_record_key_upserts_and_keeps_the_csv_current(proj):
    proj.upsert_series(1, series_tags("1.9", "1.9.1"))
    proj.record_key(key_entry("1.9.1"))
    csv_path = proj.key_csv_path
    assert csv_path == proj.private_dir / "study list_master_key.csv"
    assert csv_path.is_file(), "the first series' key is written at once"
    assert "FAKE^ALICE" in csv_path.read_text(encoding="utf-8-sig")
    proj.record_key(key_entry("1.9.1", new_patient_id="HIPAA_7"))
    proj.record_key(key_entry("1.9.2"))
    entries = proj.key_entries()
    assert [e.series_uid for e in entries] == ["1.9.1", "1.9.2"]
    assert entries[0].new_patient_id == "HIPAA_7" and entries[0].date_offset_days == -12
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "HIPAA_7" not in csv_path.read_text(encoding="utf-8-sig"):
        time.sleep(0.1)
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "HIPAA_7" in text and "1.9.2" in text, "pending key changes reach the CSV within seconds"
    assert not list(proj.private_dir.glob(".*.tmp")), "no temp files left behind"
    with pytest.raises(ProjectError):
        proj.record_key({"patient_id": "x"})


def test_the_key_keeps_every_descriptor_any_instance_of_the_series_had_changed(proj):
    proj.upsert_series(1, series_tags("1.9", "1.9.1"))
    proj.record_key(key_entry("1.9.1", descriptors_changed=("SeriesDescription",)))
    proj.record_key(key_entry("1.9.1", descriptors_changed=("ProtocolName",)))
    proj.record_key(key_entry("1.9.1"))
    (entry,) = proj.key_entries()
    assert entry.descriptors_changed == ("ProtocolName", "SeriesDescription")
    proj.flush_key()
    header, row = proj.key_csv_path.read_text(encoding="utf-8-sig").splitlines()[:2]
    assert header.endswith(",descriptors_changed,burned_in_text") and row.endswith(",ProtocolName; SeriesDescription,")


def test_a_project_of_schema_1_gains_the_new_columns_and_keeps_its_rows(tmp_path):
    root = tmp_path / "old"
    with Project.create(root, {}) as p:
        p.upsert_series(1, series_tags("1.9", "1.9.1"))
        p.record_key(key_entry("1.9.1"))
        p.record_instance("1.9.1", "1.9.1.1", relpath="0001/1/a.dcm", nbytes=10)
    db = sqlite3.connect(root / "private" / "state.sqlite")      # as version 1 left it
    db.execute("ALTER TABLE key DROP COLUMN descriptors_changed")
    db.execute("ALTER TABLE instances DROP COLUMN digest")
    db.execute("DROP TABLE file_problems")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    with Project.open(root) as p:
        with p._lock:
            assert p._db.execute("PRAGMA user_version").fetchone()[0] == P.SCHEMA_VERSION == 2
        (entry,) = p.key_entries()
        assert entry.series_uid == "1.9.1" and entry.descriptors_changed == ()
        assert p.instance_known("1.9.1.1") and p.instance_digest("1.9.1.1") is None
        p.record_key(key_entry("1.9.1", descriptors_changed=("StudyDescription",)))
        assert p.key_entries()[0].descriptors_changed == ("StudyDescription",)
        p.set_file_problems(["x.dcm"], {"x.dcm": "is empty (0 bytes); skipped"})
        assert p.file_problems() == [("x.dcm", "is empty (0 bytes); skipped")]


def test_close_flushes_pending_key_rows(tmp_path):
    p = Project.create(tmp_path / "k", {})
    p.record_key(key_entry("1.9.1"))
    p.record_key(key_entry("1.9.2"))        # within the minimum interval: pending
    p.close()
    lines = (tmp_path / "k" / "private" / "k_master_key.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3 and lines[0].startswith("patient_id,")
    with pytest.raises(ProjectError, match="closed"):
        p.get_setting("raw")


def test_settings_hold_json_values(proj):
    proj.set_setting("filters", {"include": "AX.*", "modalities": ["CT", "MR"]})
    proj.set_setting("deid", {"retain_modified_dates": True})
    assert proj.get_setting("filters") == {"include": "AX.*", "modalities": ["CT", "MR"]}
    assert proj.get_setting("missing", 5) == 5
    assert json.loads(json.dumps(proj.settings()))["deid"] == {"retain_modified_dates": True}


def test_record_instances_commits_a_batch_in_one_transaction_all_or_none(proj):
    proj.upsert_series(1, series_tags("1.2", "1.2.1", n=3))
    rows = [("1.2.1", "1.2.1.1", {"relpath": "a.dcm", "nbytes": 5}),
            ("1.2.1", "1.2.1.2", {"status": "IGNORED", "reason": "SR"}),
            ("1.2.1", "1.2.1.1", {"relpath": "a.dcm", "nbytes": 5})]          # a repeat counts once
    assert proj.record_instances(rows) == 2
    assert proj.counts("1.2.1") == (1, 1)
    assert proj.known_instances(["1.2.1", "9.9"]) == {"1.2.1.1", "1.2.1.2"}
    with pytest.raises(ProjectError):       # one row of an unknown series: the whole batch is refused
        proj.record_instances([("1.2.1", "1.2.1.3", {}), ("9.9", "9.9.1", {})])
    assert proj.counts("1.2.1") == (1, 1)
    assert not proj.instance_known("1.2.1.3")


def test_written_sizes_are_the_recorded_bytes_of_written_instances(tmp_path):
    proj = P.Project.create(tmp_path / "p")
    rec = proj.upsert_series(None, {"StudyInstanceUID": "1.2.3", "SeriesInstanceUID": "1.2.3.4", "Modality": "CT"})
    proj.record_instance(rec.series_uid, "1.9.1", new_sop_uid="2.9.1", relpath="a.dcm", nbytes=1000)
    proj.record_instance(rec.series_uid, "1.9.2", new_sop_uid="2.9.2", relpath="b.dcm", nbytes=3000)
    proj.record_instance(rec.series_uid, "1.9.3", status="IGNORED", reason="dropped")
    assert sorted(proj.written_sizes(rec.series_uid)) == [1000, 3000]
    assert len(proj.written_sizes(rec.series_uid, limit=1)) == 1
    proj.close()
