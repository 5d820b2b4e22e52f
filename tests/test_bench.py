"""Tests of the test bench itself: the peer fixtures and the synthetic data generator."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import UID
from pynetdicom import AE
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind

import peers
from mid import synthdata

FAKE_NAME = re.compile(r"^FAKE\^[A-Z]+(\^\d+)?$")


def _find_studies(peer, patient_id: str, calling_aet: str = peers.SELF_AET) -> list[str]:
    """StudyInstanceUIDs a peer reports for one PatientID (Study Root C-FIND)."""
    ae = AE(ae_title=calling_aet)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    assoc = ae.associate(peer.host, peer.port, ae_title=peer.aet)
    assert assoc.is_established, f"association to {peer.aet} not established"
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.PatientID = patient_id
    query.StudyInstanceUID = ""
    found = []
    try:
        for status, ident in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind):
            assert status is not None and status.Status in (0x0000, 0xFF00, 0xFF01), status
            if ident is not None and status.Status in (0xFF00, 0xFF01):
                found.append(str(ident.StudyInstanceUID))
    finally:
        assoc.release()
    return sorted(found)


def _echo(port: int, called: str, calling: str = peers.SELF_AET) -> int:
    """Exit code of DCMTK echoscu against 127.0.0.1:port."""
    cmd = ["/usr/bin/echoscu", "-aet", calling, "-aec", called, peers.HOST, str(port)]
    return subprocess.run(cmd, capture_output=True, timeout=60).returncode


# ----------------------------------------------------------------------------- availability logic

def test_require_tools_fails_under_require_real_peers(tmp_path):
    tools = {"Orthanc": (str(tmp_path / "no-such-orthanc"),)}
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_REAL_PEERS=1"):
        peers.require_tools(tools, environ={"REQUIRE_REAL_PEERS": "1"})


def test_require_tools_skips_without_require_real_peers(tmp_path):
    tools = {"dcmqrscp": (str(tmp_path / "no-such-dcmqrscp"),)}
    with pytest.raises(pytest.skip.Exception, match="no-such-dcmqrscp"):
        peers.require_tools(tools, environ={"REQUIRE_REAL_PEERS": "0"})


def test_require_tools_passes_when_present(tmp_path):
    tool = tmp_path / "fake-tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert peers.missing_tools({"fake": (str(tool),)}) == []
    assert peers.missing_tools({"fake": (str(tmp_path / "absent"), "also-absent-xyz")}) == ["fake"]
    peers.require_tools({"fake": (str(tool),)}, environ={"REQUIRE_REAL_PEERS": "1"})


def test_free_port_is_bindable():
    port = peers.free_port()
    import socket
    with socket.socket() as s:
        s.bind((peers.HOST, port))
        assert s.getsockname()[1] == port


# ----------------------------------------------------------------------------- Orthanc

@pytest.mark.peers
def test_orthanc_answers_rest_and_counts_uploads(orthanc):
    assert orthanc.get("/system")["DicomAet"] == "ORTHANC"
    orthanc.clear()
    desc = synthdata.generate_set(seed=3, n_patients=1, studies_per_patient=1,
                                  series_spec=[synthdata.SeriesSpec("CT", "AX", 5)])
    assert orthanc.upload(synthdata.iter_datasets(desc)) == 5
    stats = orthanc.statistics()
    assert (stats["CountPatients"], stats["CountStudies"], stats["CountInstances"]) == (1, 1, 5)
    orthanc.clear()
    assert orthanc.count_instances() == 0


@pytest.mark.peers
@pytest.mark.parametrize("loaded,patient", [("orthanc_loaded", 0), ("dcmqrscp_loaded", 1)])
def test_loaded_peer_answers_find_for_registered_aet(request, synthetic_study_files, loaded, patient):
    server = request.getfixturevalue(loaded)
    wanted = synthetic_study_files.desc.patients[patient]
    expected = sorted(st.study_uid for st in wanted.studies)
    assert _find_studies(server.peer, wanted.patient_id) == expected


@pytest.mark.peers
def test_orthanc_set_modality_registers_at_run_time(orthanc):
    orthanc.set_modality("BENCH_X", "BENCH_X", peers.HOST, 11999)
    try:
        assert "BENCH_X" in orthanc.get("/modalities")
        assert orthanc.modalities["BENCH_X"] == ("BENCH_X", peers.HOST, 11999)
    finally:
        orthanc.remove_modality("BENCH_X")
    assert "BENCH_X" not in orthanc.get("/modalities")


@pytest.mark.peers
def test_orthanc_echo_with_dcmtk(orthanc):
    assert _echo(orthanc.dicom_port, "ORTHANC") == 0


@pytest.mark.peers
def test_orthanc_factory_can_check_called_aet(orthanc_factory):
    strict = orthanc_factory(config={"DicomCheckCalledAet": True})
    assert strict.dicom_port != 0
    assert _echo(strict.dicom_port, "WRONG_AET") != 0
    assert _echo(strict.dicom_port, "ORTHANC") == 0


@pytest.mark.peers
def test_orthanc_upload_accepts_folders_and_bytes(orthanc, synthetic_study_files):
    orthanc.clear()
    first = synthetic_study_files.paths[0]
    assert orthanc.upload([first.read_bytes()]) == 1
    assert orthanc.upload([synthetic_study_files.folder]) == synthetic_study_files.count
    assert orthanc.count_instances() == synthetic_study_files.count


# ----------------------------------------------------------------------------- dcmqrscp

@pytest.mark.peers
def test_dcmqrscp_answers_echoscu(dcmqrscp):
    assert _echo(dcmqrscp.port, "DCMQRSCP") == 0
    assert peers.SELF_AET in dcmqrscp.config()
    assert f"{dcmqrscp.self_port}" in dcmqrscp.config()


@pytest.mark.peers
def test_dcmqrscp_factory_lists_destinations(dcmqrscp_factory):
    server = dcmqrscp_factory({"OTHER_SCP": (peers.HOST, 12345)}, aet="QR2")
    assert "(OTHER_SCP, 127.0.0.1, 12345)" in server.config()
    assert _echo(server.port, "QR2") == 0
    server.stop()
    assert server.proc.poll() is not None


# ----------------------------------------------------------------------------- Xvfb

@pytest.mark.gui
def test_xvfb_sets_display(xvfb):
    assert os.environ["DISPLAY"] == xvfb.display
    out = subprocess.run(["xdotool", "getdisplaygeometry"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1280", "1024"]


# ----------------------------------------------------------------------------- synthdata

def test_generate_set_is_deterministic_for_a_seed():
    a, b = synthdata.generate_set(seed=11, n_patients=3), synthdata.generate_set(seed=11, n_patients=3)
    assert a == b
    assert synthdata.to_bytes(next(synthdata.iter_datasets(a))) == \
        synthdata.to_bytes(next(synthdata.iter_datasets(b)))
    c = synthdata.generate_set(seed=12, n_patients=3)
    assert {p.patient_id for p in a.patients} != {p.patient_id for p in c.patients}
    assert a.patients[0].studies[0].study_uid != c.patients[0].studies[0].study_uid


def test_names_are_obviously_fake_and_ids_keep_leading_zeros():
    desc = synthdata.generate_set(seed=5, n_patients=25, studies_per_patient=1)
    names = [p.name for p in desc.patients]
    assert all(FAKE_NAME.match(n) for n in names), names
    assert len(set(names)) == len(names)
    ids = [p.patient_id for p in desc.patients]
    assert len(set(ids)) == len(ids)
    assert all(pid.startswith("0") and len(pid) == 7 and pid.isalnum() for pid in ids)
    assert any(not pid.isdigit() for pid in ids), "some MRNs must be alphanumeric"


def test_instances_have_valid_unique_uids_and_required_tags():
    desc = synthdata.sample_set()
    seen = set()
    for ds in synthdata.iter_datasets(desc):
        for uid in (ds.SOPInstanceUID, ds.SeriesInstanceUID, ds.StudyInstanceUID):
            assert UID(uid).is_valid, uid
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.SOPInstanceUID not in seen
        seen.add(ds.SOPInstanceUID)
        assert FAKE_NAME.match(str(ds.PatientName))
        assert re.fullmatch(r"\d{3}Y", ds.PatientAge)
        for kw in ("AccessionNumber", "StudyDate", "StudyTime", "PatientBirthDate", "PatientSex",
                   "Modality", "SeriesNumber", "InstanceNumber", "StudyDescription", "SeriesDescription"):
            assert kw in ds, kw
    assert len(seen) == desc.count


def test_sample_set_has_drop_rule_series_and_old_patient():
    desc = synthdata.sample_set()
    assert 200 <= desc.count <= 500
    series = [se for _, _, se in desc.all_series()]
    assert {se.modality for se in series} >= {"CT", "MR", "SR"}
    assert any(se.number == 999 for se in series)
    assert any("Report" in se.description and se.modality == "SR" for se in series)
    ages = [int(synthdata._age(p.birth_date, st.date)[:3]) for p, st in desc.studies()]
    assert max(ages) > 89


def test_make_instance_kinds_and_sizes():
    desc = synthdata.sample_set()
    p, st = desc.studies()[1]            # an MR study
    image, report = st.series[0], st.series[-1]
    big = synthdata.make_instance(p, st, image, 0, size_kb=128)
    assert (big.Rows, big.Columns, len(big.PixelData)) == (256, 256, 128 * 1024)
    assert big.SOPClassUID == synthdata.MR_IMAGE_STORAGE
    small = synthdata.make_instance(p, st, image, 1)
    assert len(small.PixelData) == 8 * 1024
    assert small.InstanceNumber == 2
    sr = synthdata.make_instance(p, st, report, 0)
    assert sr.SOPClassUID == synthdata.BASIC_TEXT_SR_STORAGE and sr.Modality == "SR"
    assert "PixelData" not in sr
    with pytest.raises(IndexError):
        synthdata.make_instance(p, st, image, image.count)


def test_benchmark_set_has_the_asked_volume():
    desc = synthdata.benchmark_set(n_instances=2003, size_kb=128)
    assert desc.count == 2003
    assert len(desc.studies()) == 4
    assert {se.modality for _, _, se in desc.all_series()} == {"CT"}
    p, st, se, i = next(desc.instances())
    assert len(synthdata.make_instance(p, st, se, i, size_kb=desc.size_kb).PixelData) == 128 * 1024


def test_phi_markers_put_fake_phi_in_hidden_places():
    desc = synthdata.generate_set(seed=2, n_patients=1, studies_per_patient=1)
    p, st, se, i = next(desc.instances())
    ds = synthdata.make_instance(p, st, se, i, phi_markers=True)
    assert p.name in ds.ImageComments
    assert p.name in ds.RequestAttributesSequence[0].RequestedProcedureDescription
    assert p.patient_id in ds.private_block(0x0011, "MID SYNTH")[0x01].value
    plain = synthdata.make_instance(p, st, se, i)
    assert "ImageComments" not in plain
    encoded = synthdata.to_bytes(ds)
    assert all(s.encode() in encoded for s in synthdata.phi_strings(p, st))


def test_write_set_writes_readable_files(tmp_path):
    desc = synthdata.generate_set(seed=9, n_patients=1, studies_per_patient=2)
    paths = synthdata.write_set(desc, tmp_path)
    assert len(paths) == desc.count
    ds = dcmread(paths[-1])
    p, st, se, i = list(desc.instances())[-1]
    assert ds.SOPInstanceUID == se.sop_uid(i)
    assert ds.PatientID == p.patient_id


def test_sample_sheet_matches_set_and_has_a_missing_row(tmp_path):
    desc = synthdata.sample_set()
    rows = synthdata.sample_sheet(desc, tmp_path / "sheet.xlsx")
    ws = load_workbook(tmp_path / "sheet.xlsx").active
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == synthdata.SHEET_COLUMNS
    assert len(values) - 1 == len(rows) == len(desc.studies()) + 1
    ids = {p.patient_id for p in desc.patients}
    accessions = {st.accession for _, st in desc.studies()}
    for row, r in zip(values[1:-1], rows[:-1]):
        mrn, date, accession, _ = row
        assert (mrn in ids) or (accession in accessions)
        if mrn is not None:
            assert isinstance(mrn, str) and mrn.startswith("0")
        if date is not None:
            assert isinstance(date, dt.datetime)
        assert r.expected_study_uid is not None
    assert values[-1][0] == synthdata.MISSING_MRN and synthdata.MISSING_MRN not in ids
    assert rows[-1].expected_study_uid is None


# ----------------------------------------------------------------------------- retrieval through the fixtures

class _Receiver:
    """A bare pynetdicom Storage SCP on a given port that collects SOPInstanceUIDs."""

    def __init__(self, aet: str, port: int):
        from pynetdicom import StoragePresentationContexts, evt
        self.got: list[str] = []
        ae = AE(aet)
        for cx in StoragePresentationContexts:
            ae.add_supported_context(cx.abstract_syntax)
        handlers = [(evt.EVT_C_STORE, self._on_store)]
        self.server = ae.start_server((peers.HOST, port), block=False, evt_handlers=handlers)

    def _on_store(self, event) -> int:
        self.got.append(str(event.dataset.SOPInstanceUID))
        return 0x0000

    def close(self) -> None:
        self.server.shutdown()


def _move_series(peer, dest_aet: str, study_uid: str, series_uid: str, calling=peers.SELF_AET) -> int:
    """C-MOVE one series; returns the final status."""
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelMove as Move
    ae = AE(ae_title=calling)
    ae.add_requested_context(Move)
    assoc = ae.associate(peer.host, peer.port, ae_title=peer.aet)
    assert assoc.is_established
    query = Dataset()
    query.QueryRetrieveLevel = "SERIES"
    query.StudyInstanceUID = study_uid
    query.SeriesInstanceUID = series_uid
    try:
        responses = list(assoc.send_c_move(query, dest_aet, Move))
    finally:
        assoc.release()
    return responses[-1][0].Status


@pytest.mark.peers
def test_orthanc_moves_to_a_modality_registered_at_run_time(orthanc_loaded, synthetic_study_files):
    _, study, series = synthetic_study_files.desc.all_series()[0]
    port = peers.free_port()
    receiver = _Receiver("BENCH_RX", port)
    try:
        orthanc_loaded.set_modality("BENCH_RX", "BENCH_RX", peers.HOST, port)
        assert _move_series(orthanc_loaded.peer, "BENCH_RX", study.study_uid, series.series_uid) == 0
    finally:
        receiver.close()
        orthanc_loaded.remove_modality("BENCH_RX")
    assert sorted(receiver.got) == sorted(series.sop_uid(i) for i in range(series.count))


@pytest.mark.peers
def test_dcmqrscp_moves_to_self_port(dcmqrscp_loaded, synthetic_study_files):
    _, study, series = synthetic_study_files.desc.all_series()[-2]
    receiver = _Receiver(dcmqrscp_loaded.self_aet, dcmqrscp_loaded.self_port)
    try:
        status = _move_series(dcmqrscp_loaded.peer, dcmqrscp_loaded.self_aet, study.study_uid,
                              series.series_uid)
    finally:
        receiver.close()
    assert status == 0
    assert sorted(receiver.got) == sorted(series.sop_uid(i) for i in range(series.count))


def test_sample_sheet_loads_through_querysheet(tmp_path):
    from mid import querysheet
    from mid import settings
    desc = synthdata.sample_set()
    rows = synthdata.sample_sheet(desc, tmp_path / "sheet.xlsx")
    result = querysheet.load_sheet(tmp_path / "sheet.xlsx", settings.load_settings(tmp_path / "config"))
    assert result.errors == []
    assert len(result.queries) == len(rows)
    for query, row in zip(result.queries, rows):
        if row.mrn:
            assert query.values["PatientID"] == [row.mrn]          # leading zeros kept
        if row.study_date:
            assert query.values["StudyDate"] == [row.study_date.strftime("%Y%m%d")]
        if row.accession:
            assert query.values["AccessionNumber"] == [row.accession]


CHILD_TEST = """
import peers
peers.ORTHANC_TOOLS["Orthanc"] = ("/nonexistent/Orthanc",)
peers.DCMTK_TOOLS["dcmqrscp"] = ("/nonexistent/dcmqrscp",)

def test_uses_orthanc(orthanc):
    assert orthanc is not None

def test_uses_dcmqrscp(dcmqrscp):
    assert dcmqrscp is not None

def test_requires_peers(require_real_peers):
    pass
"""


@pytest.mark.parametrize("required, outcome", [("1", {"errors": 3}), ("0", {"skipped": 3})])
def test_fixtures_fail_or_skip_when_programs_are_missing(pytester, monkeypatch, required, outcome):
    here = Path(__file__).resolve().parent
    pytester.makeconftest((here / "conftest.py").read_text())
    pytester.makepyfile(test_child=CHILD_TEST)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(here.parent), str(here)]))
    monkeypatch.setenv("REQUIRE_REAL_PEERS", required)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(**outcome)
    if required == "1":
        result.stdout.fnmatch_lines(["*REQUIRE_REAL_PEERS=1 but these programs are missing*"])


@pytest.mark.peers
def test_dcmqrscp_moves_to_a_fresh_port_when_its_port_was_taken(require_real_peers, tmp_path):
    import socket
    with socket.socket() as squatter:
        squatter.bind((peers.HOST, 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        server = peers.DcmqrscpServer(tmp_path)
        server.port = taken                      # as if another program bound it first
        server.start()
        try:
            assert server.port != taken
            assert _echo(server.port, "DCMQRSCP") == 0
        finally:
            server.stop()


def test_required_programs_list_every_program_the_tests_call():
    """The one list is complete: every absolute /usr/bin or /usr/sbin program named in tests/ or
    bench/ is in tests/required_programs.txt, and each line names a Debian package."""
    import re
    root = Path(__file__).resolve().parent.parent
    listed = {p.path for p in peers.required_programs()}
    called = set()
    for f in list(root.glob("tests/*.py")) + list(root.glob("bench/*.py")):
        called |= set(re.findall(r'"(/usr/s?bin/[A-Za-z0-9_.+-]+)"', f.read_text()))
    assert called and called <= listed, sorted(called - listed)
    assert all(p.package for p in peers.required_programs())


def test_a_missing_required_program_fails_the_run_at_its_start(pytester, monkeypatch, tmp_path):
    here = Path(__file__).resolve().parent
    fake_list = tmp_path / "programs.txt"
    fake_list.write_text("/nonexistent/bin/fakepacs  fake-package  a program that is not there\n")
    pytester.makeconftest((here / "conftest.py").read_text()
                          + f"\npeers.REQUIRED_PROGRAMS_FILE = Path({str(fake_list)!r})\n")
    pytester.makepyfile(test_child="def test_nothing():\n    pass\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(here.parent), str(here)]))
    monkeypatch.setenv("REQUIRE_REAL_PEERS", "1")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    assert result.ret == 3
    result.stdout.fnmatch_lines(["*REQUIRE_REAL_PEERS=1 but these programs are missing: "
                                 "/nonexistent/bin/fakepacs (Debian package fake-package)*"])
    assert "1 passed" not in result.stdout.str()


def test_the_download_bench_ceiling_measures_the_pydicom_floor(tmp_path, capsys):
    """bench_download's ceiling: the floor steps run on received files, the encode step costs more
    than the parse alone, our write path writes every file, and the bound is printed as a ratio."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import bench_download
    received = tmp_path / "received"
    received.mkdir()
    desc = synthdata.generate_set(seed=7, n_patients=1, studies_per_patient=1, size_kb=64)
    for i, ds in enumerate(synthdata.iter_datasets(desc)):
        (received / f"{i}.dcm").write_bytes(synthdata.to_bytes(ds))
    floor = bench_download.pydicom_floor(received, tmp_path)
    assert set(floor) == {"parse", "parse + encode", "our de-identify + write"}
    assert 0 < floor["parse"] < floor["parse + encode"]
    written = [p for p in (tmp_path / "floor-project" / "images").rglob("*.dcm")]
    assert 0 < len(written) <= desc.count
    bench_download.print_ceiling({"instances": 1000, "seconds": 1.0, "pacs_cpu": 0.5}, floor)
    out = capsys.readouterr().out
    assert "Orthanc spends 0.50 ms of CPU sending one instance" in out
    assert out.count("= ") == 3 and out.count("x the send limit") == 4      # the budget line, then a bound per step
