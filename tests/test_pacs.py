"""pacs.py against real DICOM peers on loopback: Orthanc, DCMTK and small pynetdicom peers.

The pynetdicom peers started here are real DICOM applications on real sockets, each shaped to
show one behaviour (reject, abort, drop, slow answer, ignored C-CANCEL) that Orthanc or DCMTK
cannot be made to show on demand.
"""
from __future__ import annotations

import io
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pynetdicom import AE, AllStoragePresentationContexts, StoragePresentationContexts, evt
from pynetdicom.sop_class import (
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)

import pacs
import peers

HOST = peers.HOST
ME = peers.SELF_AET                       # registered at the fixtures' Orthanc
TIMEOUTS = pacs.Timeouts(connect=5, acse=20, dimse=30, network=60)   # generous: the machine may be loaded


# ----------------------------------------------------------------------------- helpers

def peer(name: str, aet: str, port: int, **extra):
    """A PeerConfig for a peer on loopback."""
    return peers.make_peer(name, aet, HOST, port, **extra)


class Received:
    """A thread-safe store handler that keeps what arrived; may fail chosen SOP instances."""

    def __init__(self, fail_uids: set[str] | None = None, raise_error: bool = False):
        self.requests: list[pacs.StoreRequest] = []
        self.fail_uids = set(fail_uids or ())
        self.raise_error = raise_error
        self.lock = threading.Lock()

    def __call__(self, req: pacs.StoreRequest) -> int:
        uid = req.dataset.SOPInstanceUID
        if uid in self.fail_uids:
            if self.raise_error:
                raise OSError(f"disk full while writing {uid}")
            return pacs.STATUS_OUT_OF_RESOURCES
        with self.lock:
            self.requests.append(req)
        return pacs.STATUS_SUCCESS

    @property
    def sop_uids(self) -> set[str]:
        with self.lock:
            return {r.dataset.SOPInstanceUID for r in self.requests}


def wait_for(predicate, timeout: float = 10.0) -> bool:
    """Poll until predicate() is true or timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def start_scp(handlers, contexts=(Verification,), *, network_timeout=30, aet="TESTPEER", requested=()):
    """A pynetdicom SCP on a free loopback port; returns (server, port)."""
    ae = AE(ae_title=aet)
    ae.network_timeout = network_timeout
    for uid in contexts:
        ae.add_supported_context(uid)
    for uid in requested:                 # for C-MOVE sub-operations to a storage SCP
        ae.add_requested_context(uid)
    port = peers.free_port()
    server = ae.start_server((HOST, port), block=False, evt_handlers=handlers)
    return server, port


@pytest.fixture
def pyscp():
    """Start pynetdicom peers in a test; all are shut down afterwards."""
    servers = []

    def make(handlers, contexts=(Verification,), **kwargs):
        server, port = start_scp(handlers, contexts, **kwargs)
        servers.append(server)
        return port

    yield make
    for server in servers:
        server.shutdown()


@pytest.fixture
def receiver(free_port):
    """make(allowed, on_store, aet=...) -> a started StorageSCP on a free port, stopped afterwards."""
    started = []

    def make(allowed, on_store, aet="MID_RECV", host=HOST, port=None):
        scp = pacs.StorageSCP(aet, host, port or free_port(), allowed, on_store, TIMEOUTS)
        scp.start()
        started.append(scp)
        return scp

    yield make
    for scp in started:
        scp.stop()


def series_of(files, modality: str):
    """(patient, study, series) of the first synthetic series with this modality."""
    return next(t for t in files.desc.all_series() if t[2].modality == modality)


# ----------------------------------------------------------------------------- identifiers

def test_build_identifier_return_keys_lists_and_level():
    ds = pacs.build_identifier("series", {"StudyInstanceUID": "1.2.3", "Modality": ["CT", "MR"],
                                          "SeriesDescription": "", "SeriesNumber": None})
    assert ds.QueryRetrieveLevel == "SERIES"
    assert list(ds.Modality) == ["CT", "MR"]
    assert ds.SeriesDescription == "" and "SeriesNumber" in ds
    assert ds.StudyInstanceUID == "1.2.3"


def test_build_identifier_refuses_unknown_keyword_and_level():
    with pytest.raises(ValueError, match="PatientMRN"):
        pacs.build_identifier("STUDY", {"PatientMRN": "1"})
    with pytest.raises(ValueError, match="FRAME"):
        pacs.build_identifier("FRAME", {})


@pytest.mark.parametrize("keys", [{"StudyDescription": "CT"}, {"StudyInstanceUID": "1.2.*"},
                                  {"StudyInstanceUID": ""}, {"SeriesInstanceUID": "1.2?"}])
def test_retrieve_keys_must_be_unique_and_exact(keys):
    with pytest.raises(ValueError):
        pacs.move(ME, peer("X", "X", 1), "DEST", "STUDY", keys, TIMEOUTS)


def test_status_names():
    assert pacs.status_meaning(0xA702).startswith("refused: out of resources")
    assert pacs.is_transient_status(0xA702) and not pacs.is_transient_status(0xC000)
    assert pacs.is_failure(0xC001) and not pacs.is_failure(0xB000) and not pacs.is_failure(0x0000)


ENGINE_STATUS_NAMES = {"STATUS_SUCCESS": 0x0000, "STATUS_OUT_OF_RESOURCES": 0xA700,
                       "STATUS_CANNOT_UNDERSTAND": 0xC000, "STATUS_MOVE_OUT_OF_RESOURCES_SUBOPS": 0xA702,
                       "STATUS_MOVE_DESTINATION_UNKNOWN": 0xA801, "STATUS_IDENTIFIER_MISMATCH": 0xA900,
                       "STATUS_CANCEL": 0xFE00, "STATUS_WARNING_SUBOPS": 0xB000}


def test_status_constants_come_from_pynetdicom_and_match_the_engines():
    from pynetdicom.status import Status
    from mid import engine
    assert (pacs.STATUS_SUCCESS, pacs.STATUS_CANCEL, pacs.STATUS_PENDING, pacs.STATUS_MOVE_DESTINATION_UNKNOWN) == (
        Status.SUCCESS, Status.CANCEL, Status.PENDING, Status.MOVE_DESTINATION_UNKNOWN)
    assert pacs.STATUS_PENDING_WARNING == 0xFF01 and pacs.is_pending(0xFF01) and pacs.is_pending(0xFF00)
    for name, code in ENGINE_STATUS_NAMES.items():
        assert getattr(pacs, name) == code, name
        assert getattr(engine, name, code) == code, f"engine.{name} differs from pacs.{name}"
    assert pacs.status_meaning(0xA801, "C-MOVE") == "move destination unknown"
    assert pacs.status_meaning(0xC000, "C-STORE") == "cannot understand"
    assert pacs.status_meaning(0xC000, "C-FIND") == "unable to process"
    assert pacs.status_meaning(0x0000) == "success" and pacs.status_meaning(None) == "no status"
    assert pacs.status_meaning(0xAB12) == "failure" and pacs.status_meaning(0xB123) == "warning"


# ----------------------------------------------------------------------------- echo

def test_echo_orthanc_ok(orthanc):
    seconds = pacs.echo(ME, orthanc.peer, TIMEOUTS)
    assert 0 < seconds < TIMEOUTS.acse


def test_echo_refused_on_closed_port(free_port):
    closed = peer("CLOSED", "NOBODY", free_port())
    with pytest.raises(pacs.NetError) as info:
        pacs.echo(ME, closed, TIMEOUTS)
    err = info.value
    assert err.kind == "refused"
    text = str(err)
    assert "\n" not in text and "connection refused" in text and "CLOSED" in text and "port" in text


def test_echo_timeout_when_port_never_answers():
    silent = socket.socket()
    silent.bind((HOST, 0))
    silent.listen(4)          # the kernel completes the TCP handshake; nobody ever speaks DICOM
    try:
        started = time.monotonic()
        with pytest.raises(pacs.NetError) as info:
            pacs.echo(ME, peer("SILENT", "SILENT", silent.getsockname()[1]),
                      pacs.Timeouts(connect=2, acse=1.5, dimse=2, network=5))
        assert info.value.kind == "timeout"
        assert "1.5 s" in str(info.value) and info.value.transient
        assert time.monotonic() - started < 10
    finally:
        silent.close()


def test_echo_connect_timeout_when_connections_are_dropped():
    full = socket.socket()
    full.bind((HOST, 0))
    full.listen(0)            # a full accept queue: the kernel drops further SYNs, like a firewall
    port = full.getsockname()[1]
    fillers = []
    try:
        for _ in range(3):
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex((HOST, port))
            fillers.append(c)
        time.sleep(0.2)
        with pytest.raises(pacs.NetError) as info:
            pacs.echo(ME, peer("FULL", "FULL", port), pacs.Timeouts(connect=1, acse=5, dimse=5, network=5))
        assert info.value.kind == "timeout" and "no TCP connection within 1 s" in str(info.value)
        assert info.value.transient
    finally:
        for c in fillers:
            c.close()
        full.close()


@pytest.fixture(scope="module")
def strict_orthanc(tmp_path_factory):
    """An Orthanc that checks the called AE title, answers echo only for known modalities and
    closes associations idle for 3 s."""
    peers.require_tools(peers.ORTHANC_TOOLS)
    server = peers.OrthancServer(tmp_path_factory.mktemp("strict_orthanc"),
                                 config={"DicomCheckCalledAet": True, "DicomAlwaysAllowEcho": False,
                                         "DicomScpTimeout": 3})
    server.start()
    yield server
    server.stop()


def test_echo_rejected_wrong_called_aet(strict_orthanc):
    wrong = peer("STRICT", "NOT_ORTHANC", strict_orthanc.dicom_port)
    with pytest.raises(pacs.NetError) as info:
        pacs.echo(ME, wrong, TIMEOUTS)
    err = info.value
    assert err.kind == "rejected" and not err.transient
    assert "called AE title not recognised" in str(err) and "NOT_ORTHANC" in str(err)
    assert pacs.echo(ME, strict_orthanc.peer, TIMEOUTS) > 0       # the right called AE passes


def test_echo_unknown_calling_aet_is_named(strict_orthanc):
    with pytest.raises(pacs.NetError) as info:
        pacs.echo("STRANGER", strict_orthanc.peer, TIMEOUTS)
    assert info.value.kind in ("rejected", "aborted")
    assert "STRANGER" in str(info.value) or "calling AE" in str(info.value)


def _rejecting(result, source, reason):
    def handle(event):
        event.assoc.acse.send_reject(result, source, reason)
        event.assoc.kill()
    return [(evt.EVT_REQUESTED, handle)]


@pytest.mark.parametrize("rsd, text, transient", [
    ((1, 1, 3), "calling AE title not recognised", False),
    ((1, 1, 1), "no reason given", False),
    ((2, 3, 1), "temporary congestion", True),
    ((2, 3, 2), "local limit exceeded", True),
])
def test_rejection_reasons_decoded(pyscp, rsd, text, transient):
    port = pyscp(_rejecting(*rsd))
    with pytest.raises(pacs.NetError) as info:
        pacs.echo(ME, peer("PY", "TESTPEER", port), TIMEOUTS)
    err = info.value
    assert err.kind == "rejected" and err.transient is transient and text in str(err)
    if rsd == (1, 1, 3):
        assert ME in err.hint          # tells the user which AE title to register


def test_abort_during_association_is_named(pyscp):
    port = pyscp([(evt.EVT_REQUESTED, lambda event: event.assoc.abort(block=False))])
    with pytest.raises(pacs.NetError) as info:
        pacs.echo(ME, peer("PY", "TESTPEER", port), TIMEOUTS)
    assert info.value.kind == "aborted" and info.value.transient


def test_a_rejection_lost_to_a_closing_connection_is_asked_for_once_more(pyscp):
    """A PACS that rejects and closes at once can lose its A-ASSOCIATE-RJ; the second try names it."""
    calls = []

    def first_closes_then_rejects(event):
        calls.append(1)
        if len(calls) == 1:
            event.assoc.abort(block=False)
        else:
            event.assoc.acse.send_reject(1, 1, 7)
            event.assoc.kill()
    port = pyscp([(evt.EVT_REQUESTED, first_closes_then_rejects)])
    with pytest.raises(pacs.NetError) as info:
        pacs.echo(ME, peer("PY", "TESTPEER", port), TIMEOUTS)
    assert len(calls) == 2
    assert info.value.kind == "rejected" and "called AE title not recognised" in str(info.value)


# ----------------------------------------------------------------------------- find

def test_find_study_and_series_on_one_association(orthanc_loaded, synthetic_study_files):
    desc = synthetic_study_files.desc
    patient, study = desc.studies()[0]
    with pacs.QuerySession(ME, orthanc_loaded.peer, TIMEOUTS) as session:
        studies = session.find("STUDY", {"PatientID": patient.patient_id, "StudyInstanceUID": "",
                                         "StudyDescription": "", "AccessionNumber": ""})
        assert {s.StudyInstanceUID for s in studies} == {st.study_uid for st in patient.studies}
        assert all(s.QueryRetrieveLevel == "STUDY" for s in studies)
        series = session.find("SERIES", {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": "",
                                         "SeriesDescription": "", "NumberOfSeriesRelatedInstances": ""})
        assert {s.SeriesInstanceUID for s in series} == {se.series_uid for se in study.series}
        counts = {s.SeriesInstanceUID: int(s.NumberOfSeriesRelatedInstances) for s in series}
        assert counts == {se.series_uid: se.count for se in study.series}
        assert session.find("STUDY", {"PatientID": "NO_SUCH_PATIENT", "StudyInstanceUID": ""}) == []
        for p in desc.patients:
            assert len(session.find("STUDY", {"PatientID": p.patient_id, "StudyInstanceUID": ""})) == len(p.studies)
        assert session.associations_opened == 1


def test_find_patient_root(orthanc_loaded, synthetic_study_files):
    patient = synthetic_study_files.desc.patients[1]
    with pacs.QuerySession(ME, orthanc_loaded.peer, TIMEOUTS, model="patient") as session:
        found = session.find("PATIENT", {"PatientID": patient.patient_id, "PatientName": ""})
        assert [str(d.PatientName) for d in found] == [patient.name]
        studies = session.find("STUDY", {"PatientID": patient.patient_id, "StudyInstanceUID": ""})
        assert len(studies) == len(patient.studies)


def test_find_on_dcmqrscp(dcmqrscp_loaded, synthetic_study_files):
    patient, study = synthetic_study_files.desc.studies()[2]
    with pacs.QuerySession(ME, dcmqrscp_loaded.peer, TIMEOUTS) as session:
        found = session.find("STUDY", {"PatientID": patient.patient_id, "StudyInstanceUID": ""})
        assert study.study_uid in {d.StudyInstanceUID for d in found}


def _find_scp(counter: dict, *, drop_find: int | None = None, status=None, delay=0.0):
    """Handlers for a pynetdicom C-FIND SCP answering one match per request."""

    def on_established(event):
        counter["assocs"] = counter.get("assocs", 0) + 1

    def on_find(event):
        counter["finds"] = counter.get("finds", 0) + 1
        if counter["finds"] == drop_find:
            event.assoc.abort()
            return
        if delay:
            time.sleep(delay)
        if status is not None:
            yield status, None
            return
        match = Dataset()
        match.QueryRetrieveLevel = "STUDY"
        match.StudyInstanceUID = "1.2.3.4"
        yield 0xFF00, match

    return [(evt.EVT_ESTABLISHED, on_established), (evt.EVT_C_FIND, on_find)]


def test_find_reopens_after_peer_dropped_idle_association(pyscp):
    counter: dict = {}
    port = pyscp(_find_scp(counter), (StudyRootQueryRetrieveInformationModelFind,), network_timeout=2)
    with pacs.QuerySession(ME, peer("PY", "TESTPEER", port), TIMEOUTS) as session:
        assert len(session.find("STUDY", {"StudyInstanceUID": ""})) == 1
        assert len(session.find("STUDY", {"StudyInstanceUID": ""})) == 1
        assert counter["assocs"] == 1
        assert wait_for(lambda: not session._assoc.is_established, 10)  # the peer timed us out
        assert len(session.find("STUDY", {"StudyInstanceUID": ""})) == 1
        assert counter["assocs"] == 2 and session.associations_opened == 2


def test_find_retries_once_when_association_drops_mid_query(pyscp):
    counter: dict = {}
    port = pyscp(_find_scp(counter, drop_find=2), (StudyRootQueryRetrieveInformationModelFind,))
    with pacs.QuerySession(ME, peer("PY", "TESTPEER", port), TIMEOUTS) as session:
        assert len(session.find("STUDY", {"StudyInstanceUID": ""})) == 1     # association 1
        found = session.find("STUDY", {"StudyInstanceUID": ""})    # aborted on 1, retried on 2
        assert session.associations_opened == 2
    assert len(found) == 1 and counter["finds"] == 3 and counter["assocs"] == 2


def test_find_reopens_after_orthanc_closed_idle_association(strict_orthanc):
    with pacs.QuerySession(ME, strict_orthanc.peer, TIMEOUTS) as session:
        assert session.find("STUDY", {"PatientID": "NOBODY", "StudyInstanceUID": ""}) == []
        assert wait_for(lambda: not session._assoc.is_established, 15)   # Orthanc's DicomScpTimeout
        assert session.find("STUDY", {"PatientID": "NOBODY", "StudyInstanceUID": ""}) == []
        assert session.associations_opened == 2


def test_find_failure_status_raises(pyscp):
    port = pyscp(_find_scp({}, status=0xC001), (StudyRootQueryRetrieveInformationModelFind,))
    with pacs.QuerySession(ME, peer("PY", "TESTPEER", port), TIMEOUTS) as session:
        with pytest.raises(pacs.NetError) as info:
            session.find("STUDY", {"StudyInstanceUID": ""})
    assert info.value.kind == "status" and info.value.status == 0xC001 and "0xC001" in str(info.value)


def test_find_timeout_raises_not_empty(pyscp):
    port = pyscp(_find_scp({}, delay=3), (StudyRootQueryRetrieveInformationModelFind,))
    slow = pacs.Timeouts(connect=2, acse=2, dimse=1, network=10)
    with pacs.QuerySession(ME, peer("PY", "TESTPEER", port), slow) as session:
        with pytest.raises(pacs.NetError) as info:
            session.find("STUDY", {"StudyInstanceUID": ""})
    assert info.value.kind == "timeout" and "C-FIND" in str(info.value)


def test_find_refused_raises(free_port):
    with pacs.QuerySession(ME, peer("CLOSED", "NOBODY", free_port()), TIMEOUTS) as session:
        with pytest.raises(pacs.NetError) as info:
            session.find("STUDY", {"StudyInstanceUID": ""})
    assert info.value.kind == "refused"


# ----------------------------------------------------------------------------- receiver

def _storescu(port: int, calling: str, called: str, files) -> subprocess.CompletedProcess:
    cmd = ["/usr/bin/storescu", "-aet", calling, "-aec", called, HOST, str(port), *map(str, files)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_receiver_rejects_unknown_calling_aet(require_real_peers, receiver, synthetic_study_files):
    got = Received()
    allowed = {"GOODPACS"}
    scp = receiver(lambda: allowed, got, aet="MID_RECV", host="0.0.0.0")
    files = synthetic_study_files.paths[:2]
    bad = _storescu(scp.port, "NOTALLOWED", "MID_RECV", files)
    assert bad.returncode != 0
    assert "Calling AE Title Not Recognized" in bad.stderr + bad.stdout
    assert got.requests == []
    good = _storescu(scp.port, "GOODPACS", "MID_RECV", files)
    assert good.returncode == 0, good.stderr
    assert len(got.requests) == 2 and {r.calling_aet for r in got.requests} == {"GOODPACS"}
    allowed.add("NOTALLOWED")                                 # re-read per association
    assert _storescu(scp.port, "NOTALLOWED", "MID_RECV", files[:1]).returncode == 0
    assert len(got.requests) == 3


def test_receiver_checks_calling_aet_with_pynetdicoms_require_calling_aet(receiver):
    """pynetdicom's own check turns the intruder away; the allow-list is handed to it per association."""
    allowed = {"GOODPACS"}
    scp = receiver(lambda: allowed, Received())
    me = peer("US", "MID_RECV", scp.port)
    assert pacs.echo("GOODPACS", me, TIMEOUTS) >= 0
    assert scp._ae.require_calling_aet == ["GOODPACS"]
    with pytest.raises(pacs.NetError) as info:
        pacs.echo("INTRUDER", me, TIMEOUTS)
    assert info.value.kind == "rejected" and "calling AE title not recognised" in str(info.value)
    allowed.add("INTRUDER")                                   # added in the window: no restart
    assert pacs.echo("INTRUDER", me, TIMEOUTS) >= 0


@pytest.mark.parametrize("allowed", [set(), lambda: 1 / 0, {"", "   "}],
                         ids=["empty", "unreadable", "blank titles"])
def test_receiver_with_no_usable_allowed_title_admits_no_one(receiver, allowed):
    """An empty require_calling_aet means "anyone" to pynetdicom; ours then rejects every sender."""
    scp = receiver(allowed, Received())
    with pytest.raises(pacs.NetError) as info:
        pacs.echo("ANYONE", peer("US", "MID_RECV", scp.port), TIMEOUTS)
    assert info.value.kind == "rejected" and "calling AE title not recognised" in str(info.value)


def test_receiver_port_in_use_is_named(receiver):
    first = receiver({"X"}, Received())
    with pytest.raises(pacs.NetError) as info:
        pacs.StorageSCP("OTHER", HOST, first.port, {"X"}, Received(), TIMEOUTS).start()
    assert info.value.kind == "failed" and str(first.port) in str(info.value)


def _send(port: int, path: Path, calling="GOODPACS") -> int:
    """C-STORE one file with its own transfer syntax; returns the status."""
    ds = dcmread(path)
    ae = AE(ae_title=calling)
    ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
    assoc = ae.associate(HOST, port, ae_title="MID_RECV")
    assert assoc.is_established
    try:
        return assoc.send_c_store(ds).Status
    finally:
        assoc.release()


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small_bigendian.dcm", "image_dfl.dcm",
                                  "SC_rgb_jpeg_dcmtk.dcm", "JPEG-lossy.dcm", "SC_rgb_jpeg_gdcm.dcm",
                                  "MR_small_jpeg_ls_lossless.dcm", "JPEGLSNearLossless_08.dcm",
                                  "MR_small_jp2klossless.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm"])
def test_receiver_keeps_transfer_syntax_and_bytes(receiver, name):
    path = Path(get_testdata_file(name))
    got = Received()
    scp = receiver({"GOODPACS"}, got)
    assert _send(scp.port, path) == pacs.STATUS_SUCCESS
    req = got.requests[0]
    original = dcmread(path)
    assert req.dataset.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
    assert req.dataset.SOPInstanceUID == original.SOPInstanceUID
    encoded = req.encoded()
    assert encoded[128:132] == b"DICM"
    again = dcmread(io.BytesIO(encoded))
    assert again.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
    if "PixelData" in original:
        assert again.PixelData == original.PixelData


def test_receiver_answers_failure_when_handler_fails(receiver, caplog):
    path = Path(get_testdata_file("CT_small.dcm"))
    uid = dcmread(path).SOPInstanceUID
    with caplog.at_level("ERROR", logger="mid.pacs"):
        assert _send(receiver({"GOODPACS"}, Received({uid}, raise_error=True)).port, path) == \
            pacs.STATUS_OUT_OF_RESOURCES
    plain = [r for r in caplog.records if not getattr(r, "phi", False)]
    assert plain and all(uid not in r.getMessage() for r in plain)       # the app log gets no identifiers
    assert any(uid in r.getMessage() for r in caplog.records if getattr(r, "phi", False))

    def broken(req):
        raise ValueError("cannot decode")
    assert _send(receiver({"GOODPACS"}, broken).port, path) == pacs.STATUS_CANNOT_UNDERSTAND
    assert _send(receiver({"GOODPACS"}, lambda req: None).port, path) == pacs.STATUS_CANNOT_UNDERSTAND


# ----------------------------------------------------------------------------- move and get

@pytest.fixture
def orthanc_to_receiver(orthanc_loaded, receiver, free_port):
    """(orthanc, make) where make(on_store) starts a receiver registered at Orthanc as MID_RECV."""
    port = free_port()

    def make(on_store):
        scp = receiver({orthanc_loaded.aet}, on_store, aet="MID_RECV", port=port)
        orthanc_loaded.set_modality("mid_recv", "MID_RECV", HOST, port)
        return scp

    yield orthanc_loaded, make
    orthanc_loaded.remove_modality("mid_recv")


def test_move_series_and_study_from_orthanc(orthanc_to_receiver, synthetic_study_files):
    orthanc, make = orthanc_to_receiver
    got = Received()
    make(got)
    patient, study, series = series_of(synthetic_study_files, "MR")
    pending = []
    result = pacs.move(ME, orthanc.peer, "MID_RECV", "SERIES",
                       {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid},
                       TIMEOUTS, on_pending=pending.append)
    assert result.status == pacs.STATUS_SUCCESS and not result.cancelled
    assert (result.completed, result.failed, result.warning) == (series.count, 0, 0)
    assert got.sop_uids == {series.sop_uid(i) for i in range(series.count)}
    assert {r.calling_aet for r in got.requests} == {orthanc.aet}
    assert pending and all(isinstance(p, pacs.RetrieveResult) for p in pending)
    assert pending[-1].completed + pending[-1].remaining == series.count

    result = pacs.move(ME, orthanc.peer, "MID_RECV", "STUDY", {"StudyInstanceUID": study.study_uid}, TIMEOUTS)
    assert result.completed == study.count and result.failed == 0
    assert len(got.sop_uids) == study.count


def test_move_patient_root_and_parallel_moves(orthanc_to_receiver, synthetic_study_files):
    orthanc, make = orthanc_to_receiver
    got = Received()
    make(got)
    patient_root = peers.make_peer("ORTHANC", orthanc.aet, HOST, orthanc.dicom_port, query_model="patient")
    jobs = [(p, st, se) for p, st, se in synthetic_study_files.desc.all_series()][:4]
    results: dict[str, pacs.RetrieveResult] = {}

    def run(p, st, se):
        keys = {"PatientID": p.patient_id, "StudyInstanceUID": st.study_uid, "SeriesInstanceUID": se.series_uid}
        results[se.series_uid] = pacs.move(ME, patient_root, "MID_RECV", "SERIES", keys, TIMEOUTS)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert {uid: r.completed for uid, r in results.items()} == {se.series_uid: se.count for _, _, se in jobs}
    assert got.sop_uids == {se.sop_uid(i) for _, _, se in jobs for i in range(se.count)}


@pytest.mark.parametrize("bad_index", [0, 5])
def test_move_failed_store_is_never_success_orthanc(orthanc_to_receiver, synthetic_study_files, bad_index):
    """Orthanc stops a move at the first refused C-STORE and answers a failure status."""
    orthanc, make = orthanc_to_receiver
    patient, study, series = series_of(synthetic_study_files, "CT")
    bad_uid = series.sop_uid(bad_index)
    got = Received({bad_uid}, raise_error=True)
    make(got)
    keys = {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid}
    with pytest.raises(pacs.NetError) as info:
        pacs.move(ME, orthanc.peer, "MID_RECV", "SERIES", keys, TIMEOUTS)
    err = info.value
    assert err.kind == "status" and err.status != pacs.STATUS_SUCCESS and err.result is not None
    assert f"0x{err.status:04X}" in str(err)
    assert bad_uid not in got.sop_uids
    assert err.result.completed == len(got.requests)          # counts kept from the pending answers
    assert err.transient is (len(got.requests) > 0)           # part-way failures are worth a retry


def test_move_failed_store_is_a_failed_suboperation_dcmqrscp(dcmqrscp_loaded, receiver, synthetic_study_files):
    """dcmqrscp goes on after a refused C-STORE and reports it as a failed sub-operation."""
    patient, study, series = series_of(synthetic_study_files, "MR")
    bad_uid = series.sop_uid(2)
    got = Received({bad_uid})
    receiver({dcmqrscp_loaded.aet}, got, aet=dcmqrscp_loaded.self_aet, port=dcmqrscp_loaded.self_port)
    result = pacs.move(ME, dcmqrscp_loaded.peer, dcmqrscp_loaded.self_aet, "SERIES",
                       {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid}, TIMEOUTS)
    assert result.status == pacs.STATUS_SUBOPS_WARNING
    assert (result.failed, result.completed) == (1, series.count - 1)
    assert result.failed_sop_uids == [bad_uid]
    assert got.sop_uids == {series.sop_uid(i) for i in range(series.count)} - {bad_uid}


def test_move_unknown_destination_is_named(orthanc_loaded, synthetic_study_files):
    patient, study = synthetic_study_files.desc.studies()[0]
    with pytest.raises(pacs.NetError) as info:
        pacs.move(ME, orthanc_loaded.peer, "NO_SUCH_DEST", "STUDY", {"StudyInstanceUID": study.study_uid}, TIMEOUTS)
    assert info.value.kind == "status" and info.value.status is not None
    assert "0x" in str(info.value)


def test_move_from_dcmqrscp(dcmqrscp_loaded, receiver, synthetic_study_files):
    got = Received()
    receiver({dcmqrscp_loaded.aet}, got, aet=dcmqrscp_loaded.self_aet, port=dcmqrscp_loaded.self_port)
    patient, study, series = series_of(synthetic_study_files, "CT")
    result = pacs.move(ME, dcmqrscp_loaded.peer, dcmqrscp_loaded.self_aet, "SERIES",
                       {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid}, TIMEOUTS)
    assert result.status == pacs.STATUS_SUCCESS and result.completed == series.count
    assert got.sop_uids == {series.sop_uid(i) for i in range(series.count)}


def test_get_from_orthanc(orthanc_loaded, synthetic_study_files):
    got = Received()
    patient, study, series = series_of(synthetic_study_files, "MR")
    result = pacs.get(ME, orthanc_loaded.peer, "SERIES",
                      {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid},
                      TIMEOUTS, on_store=got)
    assert result.status == pacs.STATUS_SUCCESS and result.completed == series.count
    assert got.sop_uids == {series.sop_uid(i) for i in range(series.count)}
    assert {r.calling_aet for r in got.requests} == {orthanc_loaded.aet}
    first = got.requests[0]
    assert dcmread(io.BytesIO(first.encoded())).SOPInstanceUID == first.dataset.SOPInstanceUID


def test_get_store_failure_is_reported(orthanc_loaded, synthetic_study_files):
    patient, study, series = series_of(synthetic_study_files, "CT")
    got = Received({series.sop_uid(1)})
    keys = {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid}
    try:
        result = pacs.get(ME, orthanc_loaded.peer, "SERIES", keys, TIMEOUTS, on_store=got)
    except pacs.NetError as err:
        assert err.result is not None
        result = err.result
    assert result.failed >= 1 and len(got.sop_uids) == series.count - 1


def test_get_contexts_fit_the_limit():
    common = {cx.abstract_syntax for cx in StoragePresentationContexts}
    rare = [cx.abstract_syntax for cx in AllStoragePresentationContexts if cx.abstract_syntax not in common]
    chosen = pacs.storage_contexts_for_get(rare[:3])
    assert chosen[:3] == rare[:3] and CTImageStorage in chosen and len(chosen) == len(common) + 3
    everything = pacs.storage_contexts_for_get(rare + rare)
    assert len(everything) == 127 and len(set(everything)) == 127 and set(rare) <= set(everything)


# ----------------------------------------------------------------------------- cancel

def _slow_move_scp(dest_port: int, stuck: bool):
    """C-MOVE handler that sends one instance every 0.3 s, up to 40, to dest_port.

    stuck=True: it hangs 8 s before the first instance, so it cannot see a C-CANCEL in time.
    """
    source = dcmread(get_testdata_file("CT_small.dcm"))

    def on_move(event):
        yield HOST, dest_port
        yield 40
        for i in range(40):
            time.sleep(8 if stuck and i == 0 else 0.3)
            if event.is_cancelled:
                yield 0xFE00, None
                return
            ds = source.copy()
            ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.99.{i + 1}"
            yield 0xFF00, ds

    return [(evt.EVT_C_MOVE, on_move)]


@pytest.mark.parametrize("stuck", [False, True])
def test_move_cancel_returns_quickly(pyscp, receiver, stuck):
    got = Received()
    scp = receiver({"SLOWPACS"}, got)
    port = pyscp(_slow_move_scp(scp.port, stuck), (StudyRootQueryRetrieveInformationModelMove,),
                 aet="SLOWPACS", requested=(CTImageStorage,))
    cancel = threading.Event()
    timer = threading.Timer(1.0, cancel.set)
    timer.start()
    started = time.monotonic()
    result = pacs.move(ME, peer("SLOW", "SLOWPACS", port), "MID_RECV", "STUDY",
                       {"StudyInstanceUID": "1.2.3"}, TIMEOUTS, cancel=cancel)
    elapsed = time.monotonic() - started
    timer.cancel()
    assert result.cancelled and result.status == pacs.STATUS_CANCEL
    assert elapsed < 6                    # C-CANCEL at 1 s, A-ABORT 1 s later; the peer alone needs >= 8 s
    if stuck:
        assert got.requests == []         # the abort cut the move before the peer's first instance
    else:
        assert 0 < len(got.requests) < 40 and result.completed == len(got.requests)


def _slow_get_scp(state: dict):
    """C-GET handler that sends one instance every 0.3 s, up to 40, and honours C-CANCEL."""
    source = dcmread(get_testdata_file("CT_small.dcm"))

    def on_get(event):
        yield 40
        for i in range(40):
            if event.is_cancelled:
                state["cancelled_at"] = i
                yield 0xFE00, None
                return
            time.sleep(0.3)
            ds = source.copy()
            ds.SOPInstanceUID = f"1.2.826.0.1.3680043.8.498.98.{i + 1}"
            yield 0xFF00, ds

    return [(evt.EVT_C_GET, on_get)]


def test_get_cancel_returns_quickly():
    state: dict = {}
    ae = AE(ae_title="SLOWGET")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelGet)
    ae.add_supported_context(CTImageStorage, scu_role=True, scp_role=True)
    port = peers.free_port()
    server = ae.start_server((HOST, port), block=False, evt_handlers=_slow_get_scp(state))
    try:
        got = Received()
        cancel = threading.Event()
        timer = threading.Timer(1.0, cancel.set)
        timer.start()
        started = time.monotonic()
        result = pacs.get(ME, peer("SLOWGET", "SLOWGET", port), "STUDY", {"StudyInstanceUID": "1.2.3"},
                          TIMEOUTS, on_store=got, cancel=cancel)
        elapsed = time.monotonic() - started
        timer.cancel()
    finally:
        server.shutdown()
    assert result.cancelled and result.status == pacs.STATUS_CANCEL     # the peer honoured C-CANCEL
    assert 0 < len(got.requests) < 40 and result.completed == len(got.requests)
    assert elapsed < 6                    # the peer alone needs 12 s for its 40 instances


def test_invalid_ae_titles_are_named(free_port):
    with pytest.raises(pacs.NetError) as info:
        pacs.echo(ME, peer("LONG", "X" * 17, free_port()), TIMEOUTS)
    assert info.value.kind == "failed" and "16 characters" in str(info.value)
    with pytest.raises(pacs.NetError) as info:
        pacs.echo("", peer("P", "P", free_port()), TIMEOUTS)
    assert info.value.kind == "failed" and "our AE title" in str(info.value)


def test_retrieve_already_cancelled_opens_nothing(free_port):
    cancel = threading.Event()
    cancel.set()
    nowhere = peer("CLOSED", "NOBODY", free_port())          # would be "refused" if contacted
    keys = {"StudyInstanceUID": "1.2.3"}
    assert pacs.move(ME, nowhere, "DEST", "STUDY", keys, TIMEOUTS, cancel=cancel).cancelled
    assert pacs.get(ME, nowhere, "STUDY", keys, TIMEOUTS, on_store=Received(), cancel=cancel).cancelled


def test_get_from_dcmqrscp(dcmqrscp_loaded, synthetic_study_files):
    got = Received()
    patient, study, series = series_of(synthetic_study_files, "MR")
    result = pacs.get(ME, dcmqrscp_loaded.peer, "SERIES",
                      {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid},
                      TIMEOUTS, on_store=got)
    assert result.status == pacs.STATUS_SUCCESS and result.completed == series.count
    assert got.sop_uids == {series.sop_uid(i) for i in range(series.count)}


# ----------------------------------------------------------------------------- socket tuning

def test_receiver_and_requestor_sockets_send_without_nagle_delay(receiver):
    """Our receiver's inbound connections and our own associations have TCP_NODELAY set."""
    ct = dcmread(get_testdata_file("CT_small.dcm"))
    seen = []

    def on_store(req):
        sock = req._event.assoc.dul.socket.socket
        seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return pacs.STATUS_SUCCESS

    scp = receiver({"SENDER"}, on_store)
    ae = pacs._make_ae("SENDER", TIMEOUTS)
    ae.add_requested_context(ct.SOPClassUID, ct.file_meta.TransferSyntaxUID)
    assoc = pacs._open(ae, "SENDER", peer("US", "MID_RECV", scp.port), TIMEOUTS, "storage")
    try:
        ours = assoc.dul.socket.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        status = assoc.send_c_store(ct)
    finally:
        assoc.release()
    assert status.Status == pacs.STATUS_SUCCESS
    assert ours and seen and all(seen)
