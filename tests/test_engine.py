"""engine.py against real peers: search (C-FIND), select, download (C-MOVE / C-GET), completeness,
retries, cancel and resume; plus the pure helpers (keys, series filters, file names).

Peers are the session Orthanc and dcmqrscp from tests/conftest.py, holding the small synthetic
set (2 fake patients x CT + MR studies, 52 instances, one screen capture and one SR report per
patient that the default rules drop).
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pydicom
import pytest

from mid import engine
from mid import store
import peers
from mid import project as project_mod
from mid import settings as settings_mod
from mid.querysheet import Query

pytestmark = pytest.mark.peers


# ------------------------------------------------------------------------------------------ helpers
def write_config(folder: Path, self_port: int, remotes: dict[str, dict], **defaults) -> Path:
    """A config folder: <SELF> as MID_SCU on self_port, the given remote peers, user defaults."""
    folder.mkdir(parents=True, exist_ok=True)
    peers_json = {settings_mod.SELF: {"peer_name": settings_mod.SELF, "peer_aet": peers.SELF_AET,
                                      "peer_ip": "127.0.0.1", "peer_port": self_port}}
    for name, entry in remotes.items():
        peers_json[name] = {"peer_name": name, **entry}
    (folder / "peers.json").write_text(json.dumps(peers_json, indent=1))
    base = {"retries": 2, "retry_backoff": 0.05, "move_idle_timeout": 20, "workers": 2,
            "connect_timeout": 3, "acse_timeout": 10, "dimse_timeout": 30, "network_timeout": 30}
    base.update(defaults)
    (folder / "user_defaults.json").write_text(json.dumps(base, indent=1))
    return folder


def peer_entry(server, **extra) -> dict:
    return {"peer_aet": server.aet, "peer_ip": "127.0.0.1", "peer_port": server.dicom_port, **extra}


def orthanc_settings(tmp_path: Path, orthanc, **defaults):
    cfg = write_config(tmp_path / "config", orthanc.self_port, {"ORTHANC": peer_entry(orthanc)}, **defaults)
    s = settings_mod.load_settings(cfg)
    assert "ORTHANC" in s.peers, [str(n) for n in s.notices]
    return s


def new_project(tmp_path: Path, queries: list[Query], name: str = "proj"):
    proj = project_mod.Project.create(tmp_path / name)
    proj.add_queries(queries, [])
    return proj


def q(n: int, **values) -> Query:
    """A query row: keyword=value or keyword=[values]."""
    vals = {k: (v if isinstance(v, list) else [v]) for k, v in values.items()}
    return Query(query_id=str(n), row=n + 1, values=vals)


def all_patient_queries(desc) -> list[Query]:
    return [q(i + 1, PatientID=p.patient_id) for i, p in enumerate(desc.patients)]


def dicom_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.dcm") if p.is_file())


def expected_kept(desc) -> int:
    """Instances of the small set that survive the default drop rules (no capture, no SR)."""
    return sum(se.count for _, _, se in desc.all_series() if se.kind == "image")


# ------------------------------------------------------------------------------- pure helpers
def test_study_keys_use_wildcards_and_split_multi_values():
    combos = engine.study_key_sets({"PatientID": ["001", "002"], "StudyDescription": ["CT"],
                                    "Modality": ["CT"], "StudyDate": ["20200101-20200131"]}, exact=False)
    assert len(combos) == 2
    assert {c["PatientID"] for c in combos} == {"001", "002"}
    assert all("StudyDescription" not in c for c in combos)    # matched locally, ignoring case
    assert all("Modality" not in c for c in combos)            # series key: filtered at series level
    alone = engine.study_key_sets({"StudyDescription": ["CT"], "StudyDate": ["20200101-"]}, exact=False)
    assert alone == [{"StudyDescription": "*CT*", "StudyDate": "20200101-"}]
    assert engine.study_matches({"StudyDescription": ["head"]}, {"StudyDescription": "CT HEAD WO"}, False)
    assert not engine.study_matches({"StudyDescription": ["head"]}, {"StudyDescription": "CT HEAD WO"}, True)
    assert engine.study_key_sets({"StudyDescription": ["CT HEAD"]}, exact=True) == [{"StudyDescription": "CT HEAD"}]


def test_series_filter_is_case_insensitive_or_of_values():
    tags = {"SeriesDescription": "AX 5MM", "Modality": "CT", "SeriesNumber": "2"}
    assert engine.series_matches({"SeriesDescription": ["ax"]}, tags, exact=False)
    assert not engine.series_matches({"SeriesDescription": ["ax"]}, tags, exact=True)
    assert engine.series_matches({"Modality": ["MR", "ct"]}, tags, exact=False)
    assert not engine.series_matches({"Modality": ["MR"]}, tags, exact=False)
    assert engine.series_matches({"SeriesNumber": ["2.0"]}, tags, exact=False)
    assert not engine.series_matches({"SeriesNumber": ["3"]}, tags, exact=False)


def test_file_names_never_collide_and_carry_no_uid():
    a = pydicom.Dataset()
    a.SeriesNumber, a.SeriesDescription, a.InstanceNumber = 3, "T1 AX/post", 1
    a.SOPInstanceUID = "2.25.1111"
    b = pydicom.Dataset()
    b.SeriesNumber, b.SeriesDescription, b.InstanceNumber = 3, "T1 AX/post", 1
    b.SOPInstanceUID = "2.25.2222"
    pa, pb = engine.anonymized_relpath(a, "0001"), engine.anonymized_relpath(b, "0001")
    assert pa != pb
    assert pa.startswith("0001/3_") and pa.endswith(".dcm")
    assert "2.25" not in pa and "/post" not in pa[len("0001/"):].split("/", 1)[0]
    assert Path(pa).name.startswith("00001_")


def test_write_atomic_leaves_no_temp_file(tmp_path):
    target = tmp_path / "a" / "x.dcm"
    target.parent.mkdir()
    engine.write_atomic(target, b"abc")
    assert target.read_bytes() == b"abc"
    assert [p.name for p in target.parent.iterdir()] == ["x.dcm"]
    (target.parent / ".y.dcm.1234.tmp").write_bytes(b"half")
    assert engine.remove_stale_temp_files(tmp_path) == 1


def test_job_runs_on_a_thread_and_passes_cancel():
    seen = {}

    def work(x, *, cancel):
        seen["thread"] = threading.current_thread().name
        cancel.wait(5)
        return x * 2

    job = engine.Job(work, 21).start()
    assert not job.join(0.1)
    job.cancel()
    assert job.join(3)
    assert job.result == 42 and job.error is None
    assert seen["thread"] != threading.current_thread().name


# ------------------------------------------------------------------------------------- search
def test_search_finds_by_each_identifier_and_reports_missing(tmp_path, orthanc_loaded, synthetic_study_files):
    desc = synthetic_study_files.desc
    s = orthanc_settings(tmp_path, orthanc_loaded)
    p0, p1 = desc.patients[0], desc.patients[1]
    st0 = p0.studies[0]
    st1 = p1.studies[1]
    queries = [
        q(1, PatientID=p0.patient_id),                                        # MRN: both studies
        q(2, AccessionNumber=st0.accession),                                  # accession: one study
        q(3, StudyInstanceUID=st1.study_uid),                                 # UID
        q(4, PatientID=p1.patient_id, StudyDate=f"{st1.date}-{st1.date}"),   # date range
        q(5, PatientID="0999999"),                                            # nothing
        q(6, PatientID=p0.patient_id, Modality="MR", SeriesDescription="flair"),   # series-level filter
        q(7, PatientID=[p0.patient_id, p1.patient_id], StudyDescription=st0.description.split()[0].lower()),
        q(8, PatientID=p1.patient_id, StudyDate="19000101-19000102"),         # range that excludes
    ]
    proj = new_project(tmp_path, queries)
    events = []
    res = engine.search(s, proj, "ORTHANC", on_event=events.append)
    assert (res.found, res.missing, res.failed, res.cancelled) == (6, 2, 0, False)
    status = {r.number: r.status for r in proj.queries()}
    assert status == {1: "FOUND", 2: "FOUND", 3: "FOUND", 4: "FOUND", 5: "MISSING", 6: "FOUND", 7: "FOUND",
                      8: "MISSING"}
    series_p0 = [se for st in p0.studies for se in st.series]
    assert len([r for r in proj.series() if r.tags.get("PatientID") == p0.patient_id]) == len(series_p0)
    assert {r.study_uid for r in proj.series()} == {st.study_uid for _, st in desc.studies()}
    flair = [r for r in proj.series() if r.tags.get("SeriesDescription") == "T2 FLAIR"
             and r.tags.get("PatientID") == p0.patient_id]
    assert len(flair) == 1 and flair[0].expected == 6
    assert isinstance(events[-1], engine.SearchFinished)
    assert any(isinstance(e, engine.SearchProgress) and e.done == 8 for e in events)
    # one StudyNumber per study, 0001 upward
    numbers = sorted({(r.study_uid, r.study_number) for r in proj.series()}, key=lambda x: x[1])
    assert [n for _, n in numbers] == [f"{i:04d}" for i in range(1, len(numbers) + 1)]
    reports = list((proj.private_dir).glob("*_1_SEARCH_RESULTS*.xlsx"))
    assert reports, "search results report not written"


def test_search_against_a_dead_peer_marks_rows_failed_not_missing(tmp_path, free_port, synthetic_study_files):
    dead = free_port()
    cfg = write_config(tmp_path / "config", free_port(),
                       {"DEAD": {"peer_aet": "NOBODY", "peer_ip": "127.0.0.1", "peer_port": dead}})
    s = settings_mod.load_settings(cfg)
    proj = new_project(tmp_path, all_patient_queries(synthetic_study_files.desc))
    res = engine.search(s, proj, "DEAD")
    assert res.failed == 2 and res.missing == 0 and res.found == 0
    for r in proj.queries():
        assert r.status == "FAILED"
        assert "refused" in (r.reason or "").lower() or "connect" in (r.reason or "").lower()


def test_search_dcmqrscp(tmp_path, dcmqrscp_loaded, synthetic_study_files):
    desc = synthetic_study_files.desc
    cfg = write_config(tmp_path / "config", dcmqrscp_loaded.self_port, {"DCMQRSCP": peer_entry(dcmqrscp_loaded)})
    s = settings_mod.load_settings(cfg)
    proj = new_project(tmp_path, all_patient_queries(desc) + [q(3, PatientID="0999999")])
    res = engine.search(s, proj, "DCMQRSCP")
    assert (res.found, res.missing, res.failed) == (2, 1, 0)
    assert len(proj.series()) == len(desc.all_series())


# ----------------------------------------------------------------------------------- download
def searched_project(tmp_path, s, source, desc, name="proj"):
    proj = new_project(tmp_path, all_patient_queries(desc), name)
    res = engine.search(s, proj, source)
    assert res.found == len(desc.patients)
    return proj


def assert_complete_and_whole(proj, desc):
    files = dicom_files(proj.images_dir)
    assert len(files) == expected_kept(desc)
    sops = set()
    for f in files:
        ds = pydicom.dcmread(f)
        assert ds.PatientIdentityRemoved == "YES"
        sops.add(ds.SOPInstanceUID)
    assert len(sops) == len(files)                     # nothing twice
    statuses = {r.status for r in proj.series()}
    assert statuses <= {"DOWNLOADED", "IGNORED"}, {(r.tags.get("SeriesDescription"), r.status, r.reason)
                                                   for r in proj.series()}
    return files


def test_move_downloads_deidentifies_and_drops(tmp_path, orthanc_loaded, synthetic_study_files):
    desc = synthetic_study_files.desc
    s = orthanc_settings(tmp_path, orthanc_loaded, workers=3)
    proj = searched_project(tmp_path, s, "ORTHANC", desc)
    assert engine.select(proj) == len(desc.all_series())
    events = []
    fin = engine.download(s, proj, "ORTHANC", on_event=events.append)
    assert fin.error is None and not fin.cancelled
    files = assert_complete_and_whole(proj, desc)
    ignored = [r for r in proj.series() if r.status == "IGNORED"]
    assert len(ignored) == 2 * len(desc.patients)          # capture + report per patient
    assert fin.counts.get("DOWNLOADED") == len(desc.all_series()) - len(ignored)
    for f in files:
        rel = f.relative_to(proj.images_dir)
        assert len(rel.parts) == 3 and rel.parts[0].isdigit() and len(rel.parts[0]) == 4
    progress = [e for e in events if isinstance(e, engine.DownloadProgress)]
    assert progress and progress[-1].instances_done == progress[-1].instances_total == synthetic_study_files.count
    assert any(isinstance(e, engine.SeriesUpdate) and e.status == "DOWNLOADED" for e in events)
    assert isinstance(events[-1], engine.DownloadFinished)
    assert any(p.name.endswith("_3_SUCCESSFUL_DOWNLOADS.xlsx") for p in fin.reports)
    assert len(proj.key_entries()) == len(desc.all_series()) - len(ignored)


def test_get_downloads_from_dcmqrscp(tmp_path, dcmqrscp_loaded, synthetic_study_files):
    desc = synthetic_study_files.desc
    cfg = write_config(tmp_path / "config", dcmqrscp_loaded.self_port,
                       {"DCMQRSCP": peer_entry(dcmqrscp_loaded, retrieve_method="get")})
    s = settings_mod.load_settings(cfg)
    proj = searched_project(tmp_path, s, "DCMQRSCP", desc)
    engine.select(proj, modalities="CT,MR", exclude_series="report")
    fin = engine.download(s, proj, "DCMQRSCP", method="get")
    assert fin.error is None
    files = dicom_files(proj.images_dir)
    assert len(files) == expected_kept(desc)
    assert {r.status for r in proj.series()} <= {"DOWNLOADED", "EXCLUDED", "IGNORED"}
    assert [r for r in proj.series() if r.status == "EXCLUDED"]


def test_move_from_dcmqrscp_raw_keeps_bytes(tmp_path, dcmqrscp_loaded, synthetic_study_files):
    desc = synthetic_study_files.desc
    cfg = write_config(tmp_path / "config", dcmqrscp_loaded.self_port, {"DCMQRSCP": peer_entry(dcmqrscp_loaded)},
                       workers=4)
    s = settings_mod.load_settings(cfg)
    proj = searched_project(tmp_path, s, "DCMQRSCP", desc)
    engine.select(proj, modalities=["ct"])               # dcmqrscp returns no SeriesDescription
    fin = engine.download(s, proj, "DCMQRSCP", anonymize=False)
    assert fin.error is None, fin.error
    files = dicom_files(proj.images_dir)
    chosen = proj.series({"DOWNLOADED"})
    assert fin.counts == {"DOWNLOADED": len(chosen)} and chosen
    assert all(r.tags.get("Modality") == "CT" for r in chosen)
    assert len(files) == sum(proj.counts(r.series_uid)[0] for r in chosen) >= 8 * len(desc.patients)
    p0 = desc.patients[0]
    f0 = [f for f in files if f.relative_to(proj.images_dir).parts[0].startswith(p0.patient_id + "_")]
    assert f0, [str(f.relative_to(proj.images_dir)) for f in files]
    ds = pydicom.dcmread(f0[0])
    assert ds.PatientID == p0.patient_id                  # raw: as received
    with pytest.raises(project_mod.ProjectError):         # never mixed with de-identified images
        engine.download(s, proj, "DCMQRSCP", anonymize=True)


def test_a_failing_store_makes_the_series_partial_then_a_retry_completes_it(
        tmp_path, orthanc_loaded, synthetic_study_files, monkeypatch):
    desc = synthetic_study_files.desc
    s = orthanc_settings(tmp_path, orthanc_loaded, workers=1)
    proj = searched_project(tmp_path, s, "ORTHANC", desc)
    target = [r for r in proj.series() if r.tags.get("SeriesDescription") == "AX 5MM"][0]
    engine.select(proj, series_uids={target.series_uid})
    real = store.write_atomic
    calls = {"n": 0}

    def flaky(path, data, fsync=False):                  # stores 3 and 4 meet a passing I/O error
        calls["n"] += 1                                  # (a full disk stops the run: test_local_failure)
        if calls["n"] in (3, 4):
            raise OSError(5, "Input/output error")
        return real(path, data, fsync)

    monkeypatch.setattr(store, "write_atomic", flaky)
    events = []
    fin = engine.download(s, proj, "ORTHANC", on_event=events.append)
    statuses = [e.status for e in events if isinstance(e, engine.SeriesUpdate) and e.series_uid == target.series_uid]
    assert "PARTIAL" in statuses, statuses
    assert statuses[-1] == "DOWNLOADED"
    assert fin.counts == {"DOWNLOADED": 1}
    assert proj.counts(target.series_uid) == (8, 0)
    assert len(dicom_files(proj.images_dir)) == 8


def test_a_store_that_keeps_failing_ends_partial_with_the_reason(
        tmp_path, orthanc_loaded, synthetic_study_files, monkeypatch):
    desc = synthetic_study_files.desc
    s = orthanc_settings(tmp_path, orthanc_loaded, workers=1, retries=1)
    proj = searched_project(tmp_path, s, "ORTHANC", desc)
    target = [r for r in proj.series() if r.tags.get("SeriesDescription") == "COR REFORMAT"][0]
    engine.select(proj, series_uids={target.series_uid})
    real = store.write_atomic
    bad = {}

    def broken(path, data, fsync=False):                 # the second instance can never be written
        bad.setdefault("seen", [])
        if path.name not in bad["seen"]:
            bad["seen"].append(path.name)
        if len(bad["seen"]) > 1 and path.name == bad["seen"][1]:
            raise OSError(5, "Input/output error")
        return real(path, data, fsync)

    monkeypatch.setattr(store, "write_atomic", broken)
    fin = engine.download(s, proj, "ORTHANC")
    rec = proj.get_series(target.series_uid)
    assert rec.status == "PARTIAL", (rec.status, rec.reason)
    assert " of 4 instances" in rec.reason
    written, _ = proj.counts(target.series_uid)
    assert 1 <= written <= 3
    assert fin.counts == {"PARTIAL": 1}


def test_peer_down_during_download_fails_series_with_reason(tmp_path, orthanc_loaded, synthetic_study_files,
                                                            free_port):
    desc = synthetic_study_files.desc
    s = orthanc_settings(tmp_path, orthanc_loaded)
    proj = searched_project(tmp_path, s, "ORTHANC", desc)
    engine.select(proj, include_series="AX")
    cfg = write_config(tmp_path / "config2", orthanc_loaded.self_port,
                       {"ORTHANC": {"peer_aet": "ORTHANC", "peer_ip": "127.0.0.1", "peer_port": free_port()}})
    s2 = settings_mod.load_settings(cfg)
    fin = engine.download(s2, proj, "ORTHANC")
    queued = [r for r in proj.series() if "AX" in r.tags.get("SeriesDescription", "")]
    assert queued and all(r.status == "FAILED" for r in queued)
    assert all("refused" in (r.reason or "").lower() for r in queued), [r.reason for r in queued]
    assert fin.counts == {"FAILED": len(queued)}
    # the peer is back: a resume completes them
    fin = engine.download(s, proj, "ORTHANC")
    assert fin.counts == {"DOWNLOADED": len(queued)}


def test_cancel_stops_within_two_seconds_and_marks_cancelled(tmp_path, orthanc_factory, synthetic_study_files):
    from mid import synthdata
    server = orthanc_factory()
    big = synthdata.generate_set(seed=31, n_patients=1, studies_per_patient=1,
                                 series_spec=((synthdata.SeriesSpec("CT", "LONG", 300),),))
    server.upload(list(synthdata.iter_datasets(big)))
    s = orthanc_settings(tmp_path, server, workers=1)
    proj = searched_project(tmp_path, s, "ORTHANC", big)
    engine.select(proj)
    cancel = threading.Event()
    seen = []

    def on_event(ev):
        seen.append(ev)
        if isinstance(ev, engine.DownloadProgress) and ev.instances_done >= 20 and not cancel.is_set():
            cancel.set()
            seen.append(time.monotonic())

    job = engine.Job(engine.download, s, proj, "ORTHANC", on_event=on_event, cancel=cancel).start()
    assert job.join(60), "download did not end"
    t_cancel = next(x for x in seen if isinstance(x, float))
    t_end = next(i for i, e in enumerate(seen) if isinstance(e, engine.DownloadFinished))
    assert job.error is None, job.error
    fin = job.result
    assert fin.cancelled
    assert fin.counts == {"CANCELLED": 1}
    assert seen[t_end] is fin
    assert job.finished_at - t_cancel < 2.0
    rec = proj.series()[0]
    assert rec.status == "CANCELLED"
    written, _ = proj.counts(rec.series_uid)
    assert 20 <= written < 300
    assert len(dicom_files(proj.images_dir)) == written


def test_move_with_deidentification_in_worker_processes(tmp_path, orthanc_loaded, synthetic_study_files):
    desc = synthetic_study_files.desc
    s = orthanc_settings(tmp_path, orthanc_loaded, workers=2)
    proj = searched_project(tmp_path, s, "ORTHANC", desc)
    engine.select(proj)
    fin = engine.download(s, proj, "ORTHANC", processes=2)
    assert fin.error is None
    assert_complete_and_whole(proj, desc)
    ignored = [r for r in proj.series() if r.status == "IGNORED"]
    assert len(ignored) == 2 * len(desc.patients)
    assert len(proj.key_entries()) == len(desc.all_series()) - len(ignored)
    # the worker processes used the project's own keys: the same patient pseudonyms throughout
    ids = {pydicom.dcmread(f).PatientID for f in dicom_files(proj.images_dir)}
    assert len(ids) == len(desc.patients)


def test_patient_root_search_and_move_with_dcmqrscp(tmp_path, dcmqrscp_loaded, synthetic_study_files):
    desc = synthetic_study_files.desc
    cfg = write_config(tmp_path / "config", dcmqrscp_loaded.self_port,
                       {"DCMQRSCP": peer_entry(dcmqrscp_loaded, query_model="patient")})
    s = settings_mod.load_settings(cfg)
    assert s.peers["DCMQRSCP"].query_model == "patient"
    proj = new_project(tmp_path, [q(1, PatientID=desc.patients[1].patient_id)])
    res = engine.search(s, proj, "DCMQRSCP")
    assert res.found == 1
    p1_series = [se for st in desc.patients[1].studies for se in st.series]
    assert len(proj.series()) == len(p1_series)
    assert {r.tags.get("PatientName") for r in proj.series()} == {desc.patients[1].name}   # from PATIENT level
    engine.select(proj, modalities="MR")
    fin = engine.download(s, proj, "DCMQRSCP")
    assert fin.error is None and fin.counts == {"DOWNLOADED": 2}


def test_search_rejected_association_is_failed_with_the_reason(tmp_path, orthanc_factory):
    strict = orthanc_factory(config={"DicomCheckCalledAet": True})
    cfg = write_config(tmp_path / "config", strict.self_port,
                       {"STRICT": {"peer_aet": "WRONG_AET", "peer_ip": "127.0.0.1", "peer_port": strict.dicom_port}})
    s = settings_mod.load_settings(cfg)
    proj = new_project(tmp_path, [q(1, PatientID="123"), q(2, PatientID="456")])
    res = engine.search(s, proj, "STRICT")
    assert (res.found, res.missing, res.failed) == (0, 0, 2)
    assert all("rejected" in (r.reason or "") for r in proj.queries())


def test_workers_retrieve_in_parallel(tmp_path, orthanc_loaded, synthetic_study_files, monkeypatch):
    import pacs
    desc = synthetic_study_files.desc
    s = orthanc_settings(tmp_path, orthanc_loaded, workers=3)
    proj = searched_project(tmp_path, s, "ORTHANC", desc)
    assert engine.select(proj, include_series="AX|COR") == 6     # part of each study: series-level moves
    active, peak, lock = [0], [0], threading.Lock()
    real_move = pacs.move

    def counting_move(*a, **kw):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            time.sleep(0.3)                              # hold the slot so overlaps are visible
            return real_move(*a, **kw)
        finally:
            with lock:
                active[0] -= 1

    monkeypatch.setattr(pacs, "move", counting_move)
    fin = engine.download(s, proj, "ORTHANC")
    assert fin.error is None
    assert peak[0] == 3
    assert set(fin.counts) <= {"DOWNLOADED", "IGNORED"} and fin.counts.get("DOWNLOADED")


def test_a_move_where_no_instance_arrives_is_cancelled_after_the_idle_timeout(tmp_path, orthanc_factory, free_port):
    import socket
    silent = socket.socket()                             # accepts TCP, never answers the association
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        server = orthanc_factory(self_port=silent.getsockname()[1], config={"DicomScuTimeout": 30})
        one = synthdata_one_series(seed=61, count=3)
        server.upload(list(synthdata_iter(one)))
        s = orthanc_settings(tmp_path, server, move_idle_timeout=1, retries=1)
        # our receiver listens elsewhere: Orthanc sends to the silent port
        cfg = write_config(tmp_path / "config2", free_port(), {"ORTHANC": peer_entry(server)},
                           move_idle_timeout=1, retries=1)
        s = settings_mod.load_settings(cfg)
        proj = searched_project(tmp_path, s, "ORTHANC", one)
        engine.select(proj)
        t0 = time.monotonic()
        fin = engine.download(s, proj, "ORTHANC")
        took = time.monotonic() - t0
        rec = proj.series()[0]
        assert rec.status == "FAILED", (rec.status, rec.reason)
        assert "no instance arrived for 1 s" in rec.reason
        assert took < 20
        assert fin.counts == {"FAILED": 1}
    finally:
        silent.close()


def synthdata_one_series(seed: int, count: int):
    from mid import synthdata
    return synthdata.generate_set(seed=seed, n_patients=1, studies_per_patient=1,
                                  series_spec=((synthdata.SeriesSpec("CT", "ONLY", count),),))


def synthdata_iter(desc):
    from mid import synthdata
    return synthdata.iter_datasets(desc)


def test_our_receiver_port_taken_is_a_clear_error(tmp_path, orthanc_loaded, synthetic_study_files):
    import socket
    desc = synthetic_study_files.desc
    s = orthanc_settings(tmp_path, orthanc_loaded)
    proj = searched_project(tmp_path, s, "ORTHANC", desc)
    engine.select(proj, include_series="COR")
    blocker = socket.socket()                            # another program holds our port
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    taken = blocker.getsockname()[1]
    try:
        cfg = write_config(tmp_path / "config_b", taken, {"ORTHANC": peer_entry(orthanc_loaded)})
        s_b = settings_mod.load_settings(cfg)
        fin = engine.download(s_b, proj, "ORTHANC")
    finally:
        blocker.close()
    assert fin.error and "cannot listen" in fin.error and str(taken) in fin.error
    assert set(fin.counts) == {"FAILED"}
    assert all(r.reason == fin.error for r in proj.series({"FAILED"}))


# ----------------------------------------------------------------------------- receiver internals

@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small_implicit.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm",
                                  "image_dfl.dcm", "MR_small_bigendian.dcm"])
def test_encode_dataset_gives_the_bytes_pydicom_writes(name):
    import copy
    import io
    from pydicom.data import get_testdata_file
    ds = pydicom.dcmread(get_testdata_file(name))
    ds.preamble = None
    expected = io.BytesIO()
    copy.deepcopy(ds).save_as(expected, enforce_file_format=True)
    ds.SOPInstanceUID = "1.2.3.4"              # as after de-identification: the meta must follow
    ours = engine.encode_dataset(ds)
    assert ours != expected.getvalue()
    back = pydicom.dcmread(io.BytesIO(ours))
    assert back.file_meta.MediaStorageSOPInstanceUID == "1.2.3.4" == back.SOPInstanceUID
    ds2 = pydicom.dcmread(get_testdata_file(name))
    ds2.preamble = None
    assert engine.encode_dataset(copy.deepcopy(ds2)) == expected.getvalue()


def test_instance_log_commits_in_batches_and_flush_waits_for_them(tmp_path):
    proj = project_mod.Project.create(tmp_path / "p")
    proj.upsert_series(1, {"StudyInstanceUID": "1.2", "SeriesInstanceUID": "1.2.1",
                           "NumberOfSeriesRelatedInstances": "300"})
    log = store.InstanceLog(proj)
    try:
        for i in range(250):
            log.add("1.2.1", f"1.2.1.{i}", relpath=f"{i}.dcm", nbytes=1, status="WRITTEN")
        log.flush()
        assert proj.counts("1.2.1") == (250, 0)
        log.add("1.2.1", "1.2.1.999", status="IGNORED", reason="dropped")
    finally:
        log.close()
    assert proj.counts("1.2.1") == (250, 1)
    assert not log._thread.is_alive()


# ------------------------------------------------------------------ the project remembers its options
def test_project_keeps_its_first_deid_options_and_records_filters(tmp_path, synthetic_study_files):
    """A later run with other user_defaults still gives the project's own pseudonyms."""
    first_cfg = write_config(tmp_path / "c1", 11112, {}, patient_id_prefix="FIRST_")
    later_cfg = write_config(tmp_path / "c2", 11112, {}, patient_id_prefix="LATER_")
    half = len(synthetic_study_files.paths) // 2
    batches = []
    for i, chunk in enumerate((synthetic_study_files.paths[:half], synthetic_study_files.paths[half:])):
        d = tmp_path / f"in{i}"
        d.mkdir()
        for j, p in enumerate(chunk):
            (d / f"{j}.dcm").write_bytes(Path(p).read_bytes())
        batches.append(d)
    proj = project_mod.Project.create(tmp_path / "P")
    try:
        engine.anonymize_files(settings_mod.load_settings(first_cfg), proj, batches[0])
        assert proj.get_setting("deid_options")["patient_id_prefix"] == "FIRST_"
        events = []
        engine.anonymize_files(settings_mod.load_settings(later_cfg), proj, batches[1], on_event=events.append)
        prefixes = {str(pydicom.dcmread(f).PatientID).rstrip("0123456789") for f in dicom_files(proj.images_dir)}
        assert prefixes == {"FIRST_"}
        warnings = [e.text for e in events if isinstance(e, engine.Message) and e.level == "warning"]
        assert any("patient_id_prefix" in w for w in warnings)

        engine.select(proj, exclude_series="report", modalities="ct,mr")
        assert proj.get_setting("filters") == {"include_series": None, "exclude_series": "report",
                                               "modalities": ["CT", "MR"], "series_uids": None}
    finally:
        proj.close()
