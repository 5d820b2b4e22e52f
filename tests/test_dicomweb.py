"""DICOMweb peers against a real Orthanc with its DICOMweb plugin, HTTP basic auth on and its
DIMSE port off: echo, search (FOUND/MISSING), download with de-identification, completeness,
wrong or missing credentials (exit 3, no traceback, the password in no log), unreachable peers."""
from __future__ import annotations

import logging

import pydicom
import pytest

import peers
from mid import dicomweb, synthdata
from mid.vocab import DOWNLOADED, FOUND, MISSING, PARTIAL, ExitCode
from test_cli import mrn_sheet, run_main
from test_engine import write_config

pytestmark = pytest.mark.peers

PASSWORD_ENV = "MID_TEST_WEB_PASSWORD"


@pytest.fixture(scope="module")
def web_orthanc(tmp_path_factory):
    peers.require_tools(peers.DICOMWEB_TOOLS)
    server = peers.DicomWebOrthanc(tmp_path_factory.mktemp("orthanc_web")).start()
    try:
        desc = synthdata.generate_set(seed=31, n_patients=2, studies_per_patient=1)
        server.upload(list(synthdata.iter_datasets(desc)))
        server.desc = desc
        yield server
    finally:
        server.stop()


def web_entry(server, **extra) -> dict:
    return {"protocol": "dicomweb", "url": server.url, "username": server.user, "password_env": PASSWORD_ENV,
            **extra}


@pytest.fixture
def web_cfg(tmp_path, web_orthanc, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, web_orthanc.password)
    return write_config(tmp_path / "config", peers.free_port(), {"WEB": web_entry(web_orthanc)},
                        storage_root=str(tmp_path / "store"))


def test_the_dimse_port_is_off(web_orthanc):
    import socket
    with pytest.raises(OSError):
        socket.create_connection((peers.HOST, web_orthanc.dicom_port), timeout=1).close()
    assert web_orthanc.get("/plugins") and "dicom-web" in web_orthanc.get("/plugins")


def test_echo_is_a_qido_request(monkeypatch, capsys, web_cfg, web_orthanc):
    assert run_main(monkeypatch, web_cfg, "echo", "WEB") == ExitCode.OK
    out = capsys.readouterr().out
    assert "answered in" in out and web_orthanc.url in out


@pytest.mark.parametrize("password", ["not-the-password", None])
def test_wrong_or_missing_password_exits_3_naming_the_peer(monkeypatch, capsys, caplog, tmp_path, web_cfg,
                                                          password):
    if password is None:
        monkeypatch.delenv(PASSWORD_ENV)
    else:
        monkeypatch.setenv(PASSWORD_ENV, password)
    assert run_main(monkeypatch, web_cfg, "echo", "WEB") == ExitCode.NETWORK
    err = capsys.readouterr().err
    assert "WEB (" in err and PASSWORD_ENV in err and "Traceback" not in err
    assert ("refused our credentials" in err) if password else ("is not set" in err)


def test_unreachable_peers_say_what_to_check(web_orthanc, monkeypatch):
    import dataclasses
    import pacs
    monkeypatch.setenv(PASSWORD_ENV, web_orthanc.password)
    peer = web_orthanc.web_peer(password_env=PASSWORD_ENV)
    cases = {f"http://127.0.0.1:{peers.free_port()}/dicom-web": ("refused", "connection refused"),
             web_orthanc.rest + "/no-such-root": ("failed", "HTTP 404"),
             web_orthanc.url.replace("http://", "https://"): ("failed", "does not speak TLS")}
    for url, (kind, text) in cases.items():
        with pytest.raises(pacs.NetError) as e:
            dicomweb.echo("MID_SCU", dataclasses.replace(peer, url=url), pacs.Timeouts(connect=3))
        assert e.value.kind == kind and text in str(e.value) and url in str(e.value)


def test_search_finds_and_misses_like_c_find(monkeypatch, tmp_path, web_cfg, web_orthanc):
    from mid.project import Project
    desc = web_orthanc.desc
    sheet = mrn_sheet(tmp_path / "s.csv", [desc.patients[0].patient_id, "NO-SUCH-MRN"])
    proj = tmp_path / "P"
    assert run_main(monkeypatch, web_cfg, "search", str(sheet), "--source", "WEB", "--project", str(proj)) \
        == ExitCode.OK
    with Project.open(proj) as p:
        statuses = {q.values["PatientID"][0]: q.status for q in p.queries()}
        series = p.series()
    assert statuses == {desc.patients[0].patient_id: FOUND, "NO-SUCH-MRN": MISSING}
    wanted = {se.series_uid: se.count for st in desc.patients[0].studies for se in st.series}
    assert {s.series_uid: int(s.expected) for s in series} == wanted      # NumberOfSeriesRelatedInstances


def test_download_end_to_end_deidentified(monkeypatch, tmp_path, web_cfg, web_orthanc, caplog):
    from mid.project import Project
    desc = web_orthanc.desc
    sheet = mrn_sheet(tmp_path / "s.csv", [p.patient_id for p in desc.patients])
    proj = tmp_path / "P"
    caplog.set_level(logging.DEBUG)
    code = run_main(monkeypatch, web_cfg, "download", str(sheet), "--source", "WEB", "--project", str(proj))
    assert code == ExitCode.OK
    with Project.open(proj) as p:
        series = p.series()
    assert series and {s.status for s in series} == {DOWNLOADED}
    files = [f for f in (proj / "images").rglob("*") if f.is_file() and f.name != "INCOMPLETE.txt"]
    assert len(files) == desc.count
    names = {p.patient_id for p in desc.patients} | {str(p.name) for p in desc.patients}
    for f in files:
        ds = pydicom.dcmread(f)
        assert ds.PatientID not in names and str(ds.PatientName) not in names
        raw = f.read_bytes()
        assert not any(n.encode() in raw for n in names if len(n) >= 5)
    logs = [x.read_text(errors="replace") for x in (proj / "private").rglob("*.log")]
    assert logs and all(web_orthanc.password not in text for text in logs)
    assert web_orthanc.password not in caplog.text


def test_a_short_series_is_partial_against_qido_count(monkeypatch, tmp_path, web_cfg, web_orthanc):
    """Completeness: an instance deleted between search and download leaves its series PARTIAL."""
    from mid.project import Project
    desc = web_orthanc.desc
    patient = desc.patients[1]
    sheet = mrn_sheet(tmp_path / "s.csv", [patient.patient_id])
    proj = tmp_path / "P"
    assert run_main(monkeypatch, web_cfg, "search", str(sheet), "--source", "WEB", "--project", str(proj)) \
        == ExitCode.OK
    victim = max((se for st in patient.studies for se in st.series), key=lambda se: se.count)
    found = web_orthanc.request("POST", "/tools/lookup", victim.sop_uid(0).encode(), "text/plain")
    web_orthanc.request("DELETE", found[0]["Path"])
    try:
        run_main(monkeypatch, web_cfg, "download", "--source", "WEB", "--project", str(proj))
        with Project.open(proj) as p:
            by_uid = {s.series_uid: s for s in p.series()}
        assert by_uid[victim.series_uid].status == PARTIAL
        assert f"{victim.count - 1} of {victim.count}" in (by_uid[victim.series_uid].reason or "")
        assert all(s.status == DOWNLOADED for uid, s in by_uid.items() if uid != victim.series_uid)
    finally:
        web_orthanc.upload(list(synthdata.iter_datasets(desc)))


def test_multipart_parts_are_read_one_at_a_time():
    boundary = b"XyZ"
    body = (b"--XyZ\r\nContent-Type: application/dicom\r\n\r\nFIRST\r\n--XyZ\r\n"
            b"Content-Type: application/dicom\r\n\r\nSECOND\r\n\r\n--XyZ--\r\n")
    chunks = [body[i:i + 3] for i in range(0, len(body), 3)]
    assert list(dicomweb.iter_parts(iter(chunks), boundary)) == [b"FIRST", b"SECOND\r\n"]
    with pytest.raises(ValueError, match="ended inside a part"):
        list(dicomweb.iter_parts(iter([body[:40]]), boundary))


def test_wado_rs_keeps_the_peers_rate_limit_and_transfer_window(monkeypatch, tmp_path, web_cfg, web_orthanc):
    """A DICOMweb peer's limits hold as a DIMSE peer's do: each part is answered through the same
    receiver, which paces it, and the end of the window cancels the streams under way."""
    import dataclasses
    import time

    from mid import engine, throttle
    from mid import settings as settings_mod
    from test_engine import dicom_files, expected_kept, searched_project
    from test_schedule_run import arrival_rate, clock_at, messages
    s = settings_mod.load_settings(web_cfg)
    desc = web_orthanc.desc
    limited = dataclasses.replace(s, peers={**s.peers, "WEB": dataclasses.replace(
        s.peers["WEB"], transfer_windows=("10:00-10:30",), max_instances_per_s=3.0)})
    proj = searched_project(tmp_path, s, "WEB", desc)
    engine.select(proj)
    events: list = []
    t0 = time.time()
    fin = engine.download(limited, proj, "WEB", on_event=events.append, clock=clock_at(10, 29, 56))
    assert fin.window_closed and fin.error is None and not fin.cancelled
    assert any("10:00-10:30 closed at 10:30" in m for m in messages(events))
    files = dicom_files(proj.images_dir)
    assert 0 < len(files) < expected_kept(desc)                  # the window's end stopped the run part-way
    # at 3/s from the start, plus the second's worth a bucket saves up and one instance per stream
    # already stored when its answer is held back (the workers); unpaced, 12 would come in 0.3 s
    span = max(f.stat().st_mtime for f in files) - t0
    streams = s.defaults.workers
    assert len(files) <= 3.0 * (span + throttle.BURST) + streams, f"{arrival_rate(files, t0):.1f}/s over 3/s"
    series = proj.series(set(engine.TO_RETRIEVE) | engine.FINISHED)
    assert "DOWNLOADING" not in {r.status for r in series}
    assert sum(proj.counts(r.series_uid)[0] for r in series) == len(files)

    fin2 = engine.download(limited, proj, "WEB", clock=clock_at(10, 5, 0))        # the next window
    assert not fin2.window_closed and fin2.error is None
    assert {r.status for r in proj.series(set(engine.TO_RETRIEVE) | engine.FINISHED)} == {DOWNLOADED}
    assert len(dicom_files(proj.images_dir)) == expected_kept(desc)
    proj.close()
