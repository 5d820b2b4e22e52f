"""The demo PACS answers echo, find, move and get like a PACS, through real pynetdicom SCU calls."""
from __future__ import annotations

import json
import threading

import pytest
from openpyxl import load_workbook
from pydicom.dataset import Dataset
from pynetdicom import AE, StoragePresentationContexts, build_role, evt
from pynetdicom.sop_class import (
    CTImageStorage, MRImageStorage, PatientRootQueryRetrieveInformationModelFind,
    SecondaryCaptureImageStorage, BasicTextSRStorage, StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet, StudyRootQueryRetrieveInformationModelMove,
    Verification)

from mid import demo
import peers
from mid import synthdata

SCU_AET = "MID_SCU"
SPEC = (
    (synthdata.SeriesSpec("CT", "AX 5MM", 5), synthdata.SeriesSpec("CT", "Dose Report", 1, number=999,
                                                                   kind="capture")),
    (synthdata.SeriesSpec("MR", "T1 AX", 4), synthdata.SeriesSpec("SR", "Radiology Report", 1,
                                                                  kind="report")),
)


@pytest.fixture(scope="module")
def desc() -> synthdata.SynthSet:
    return synthdata.generate_set(seed=21, n_patients=3, studies_per_patient=2, series_spec=SPEC)


@pytest.fixture(scope="module")
def receiver():
    """A bare pynetdicom Storage SCP collecting SOPInstanceUIDs (the move destination)."""
    got: list[str] = []
    lock = threading.Lock()

    def on_store(event):
        with lock:
            got.append(str(event.dataset.SOPInstanceUID))
        return 0x0000

    ae = AE(SCU_AET)
    for cx in StoragePresentationContexts:
        ae.add_supported_context(cx.abstract_syntax)
    server = ae.start_server((peers.HOST, 0), block=False, evt_handlers=[(evt.EVT_C_STORE, on_store)])
    server.got = got
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def pacs(tmp_path_factory, desc, receiver):
    p = demo.DemoPACS(tmp_path_factory.mktemp("demo_data"), port=0, allowed={SCU_AET}, desc=desc)
    p.register_destination(SCU_AET, "0.0.0.0", receiver.server_address[1])
    with p:
        yield p


def _assoc(pacs, *contexts, calling=SCU_AET, roles=()):
    ae = AE(calling)
    for cx in contexts:
        ae.add_requested_context(cx)
    return ae.associate(peers.HOST, pacs.port, ae_title=pacs.aet, ext_neg=list(roles) or None)


def _find(pacs, level: str, model=StudyRootQueryRetrieveInformationModelFind, **keys) -> list[Dataset]:
    """All pending answers of one C-FIND; asserts the final status is Success."""
    assoc = _assoc(pacs, model)
    assert assoc.is_established
    query = Dataset()
    query.QueryRetrieveLevel = level
    for k, v in keys.items():
        setattr(query, k, v)
    answers, final = [], None
    try:
        for status, ident in assoc.send_c_find(query, model):
            if status.Status == 0xFF00:
                answers.append(ident)
            else:
                final = status.Status
    finally:
        assoc.release()
    assert final == 0x0000, f"C-FIND ended with status {final}"
    return answers


def test_echo(pacs):
    assoc = _assoc(pacs, Verification)
    assert assoc.is_established
    assert assoc.send_c_echo().Status == 0x0000
    assoc.release()


def test_unknown_calling_aet_is_rejected(pacs):
    assoc = _assoc(pacs, Verification, calling="STRANGER")
    assert assoc.is_rejected
    assert assoc.acceptor.primitive.diagnostic == 0x03     # calling AE title not recognised


def test_find_study_by_patient_id_with_counts(pacs, desc):
    patient = desc.patients[0]
    answers = _find(pacs, "STUDY", PatientID=patient.patient_id, StudyInstanceUID="",
                    NumberOfStudyRelatedInstances="", NumberOfStudyRelatedSeries="",
                    ModalitiesInStudy="", PatientName="", StudyDescription="")
    got = {a.StudyInstanceUID: a for a in answers}
    assert set(got) == {st.study_uid for st in patient.studies}
    for st in patient.studies:
        a = got[st.study_uid]
        assert int(a.NumberOfStudyRelatedInstances) == st.count
        assert int(a.NumberOfStudyRelatedSeries) == len(st.series)
        assert str(a.PatientName) == patient.name
        assert a.StudyDescription == st.description
        assert a.RetrieveAETitle == pacs.aet
    mr = next(st for st in patient.studies if st.series[0].modality == "MR")
    assert list(got[mr.study_uid].ModalitiesInStudy) == ["MR", "SR"]


def test_find_wildcards_ignore_case(pacs, desc):
    bob = desc.patients[1]
    answers = _find(pacs, "STUDY", PatientName="fake^b*", PatientID="", StudyInstanceUID="")
    assert {a.PatientID for a in answers} == {bob.patient_id}
    pid_pattern = bob.patient_id[:-1] + "?"
    answers = _find(pacs, "STUDY", PatientID=pid_pattern, StudyInstanceUID="")
    assert bob.patient_id in {a.PatientID for a in answers}
    assert all(a.PatientID[:-1] == bob.patient_id[:-1] for a in answers)
    answers = _find(pacs, "STUDY", StudyDescription="*nothing-like-this*", StudyInstanceUID="")
    assert answers == []


def test_find_date_ranges(pacs, desc):
    dates = sorted(st.date for _, st in desc.studies())
    middle = dates[len(dates) // 2]
    exact = _find(pacs, "STUDY", StudyDate=f"{middle}-{middle}", StudyInstanceUID="")
    assert {a.StudyDate for a in exact} == {middle}
    upto = _find(pacs, "STUDY", StudyDate=f"-{middle}", StudyInstanceUID="")
    assert len(upto) == sum(1 for d in dates if d <= middle)
    since = _find(pacs, "STUDY", StudyDate=f"{middle}-", StudyInstanceUID="")
    assert len(since) == sum(1 for d in dates if d >= middle)
    single = _find(pacs, "STUDY", StudyDate=middle, StudyInstanceUID="")
    assert len(single) == dates.count(middle)


def test_find_series_by_uid_list_and_description(pacs, desc):
    _, study = desc.studies()[0]
    wanted = [se.series_uid for se in study.series]
    answers = _find(pacs, "SERIES", StudyInstanceUID=study.study_uid, SeriesInstanceUID=wanted,
                    NumberOfSeriesRelatedInstances="", SeriesNumber="", Modality="")
    got = {a.SeriesInstanceUID: a for a in answers}
    assert set(got) == set(wanted)
    for se in study.series:
        assert int(got[se.series_uid].NumberOfSeriesRelatedInstances) == se.count
        assert int(got[se.series_uid].SeriesNumber) == se.number
    reports = _find(pacs, "SERIES", SeriesDescription="*REPORT*", SeriesInstanceUID="")
    expected = {se.series_uid for _, _, se in desc.all_series() if "report" in se.description.lower()}
    assert {a.SeriesInstanceUID for a in reports} == expected


def test_find_image_and_patient_levels(pacs, desc):
    _, study = desc.studies()[0]
    series = study.series[0]
    images = _find(pacs, "IMAGE", StudyInstanceUID=study.study_uid,
                   SeriesInstanceUID=series.series_uid, SOPInstanceUID="", InstanceNumber="")
    assert sorted(a.SOPInstanceUID for a in images) == sorted(series.sop_uid(i) for i in range(series.count))
    patients = _find(pacs, "PATIENT", PatientRootQueryRetrieveInformationModelFind, PatientID="*",
                     NumberOfPatientRelatedStudies="")
    assert {a.PatientID: int(a.NumberOfPatientRelatedStudies) for a in patients} == \
        {p.patient_id: len(p.studies) for p in desc.patients}


def test_find_with_a_level_the_model_lacks_fails(pacs):
    assoc = _assoc(pacs, StudyRootQueryRetrieveInformationModelFind)
    query = Dataset()
    query.QueryRetrieveLevel = "PATIENT"          # not a Study Root level
    query.PatientID = ""
    statuses = [s.Status for s, _ in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind)]
    assoc.release()
    assert statuses == [demo.STATUS_IDENTIFIER_MISMATCH]


def test_move_series_to_registered_destination(pacs, desc, receiver):
    _, study = desc.studies()[1]
    wanted = study.series[:2]
    receiver.got.clear()
    assoc = _assoc(pacs, StudyRootQueryRetrieveInformationModelMove)
    query = Dataset()
    query.QueryRetrieveLevel = "SERIES"
    query.StudyInstanceUID = study.study_uid
    query.SeriesInstanceUID = [se.series_uid for se in wanted]
    responses = list(assoc.send_c_move(query, SCU_AET, StudyRootQueryRetrieveInformationModelMove))
    assoc.release()
    final = responses[-1][0]
    assert final.Status == 0x0000
    assert final.NumberOfCompletedSuboperations == sum(se.count for se in wanted)
    assert sorted(receiver.got) == sorted(se.sop_uid(i) for se in wanted for i in range(se.count))


def test_move_to_unknown_destination_fails(pacs, desc):
    _, study = desc.studies()[0]
    assoc = _assoc(pacs, StudyRootQueryRetrieveInformationModelMove)
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = study.study_uid
    statuses = [s.Status for s, _ in assoc.send_c_move(query, "NOBODY",
                                                       StudyRootQueryRetrieveInformationModelMove)]
    assoc.release()
    assert statuses[-1] == 0xA801                  # move destination unknown


def test_get_study(pacs, desc):
    _, study = desc.studies()[2]
    got: list[str] = []

    def on_store(event):
        got.append(str(event.dataset.SOPInstanceUID))
        return 0x0000

    ae = AE(SCU_AET)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
    classes = (CTImageStorage, MRImageStorage, SecondaryCaptureImageStorage, BasicTextSRStorage)
    for sop in classes:
        ae.add_requested_context(sop)
    roles = [build_role(sop, scp_role=True) for sop in classes]
    assoc = ae.associate(peers.HOST, pacs.port, ae_title=pacs.aet, ext_neg=roles,
                         evt_handlers=[(evt.EVT_C_STORE, on_store)])
    assert assoc.is_established
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = study.study_uid
    responses = list(assoc.send_c_get(query, StudyRootQueryRetrieveInformationModelGet))
    assoc.release()
    assert responses[-1][0].Status == 0x0000
    expected = [se.sop_uid(i) for se in study.series for i in range(se.count)]
    assert sorted(got) == sorted(expected)


def test_generated_data_is_cached(tmp_path, desc):
    folder = demo.ensure_data(tmp_path, desc)
    marker = folder / "COMPLETE.json"
    files = sorted(folder.rglob("*.dcm"))
    assert len(files) == desc.count
    stamp = files[0].stat().st_mtime_ns
    assert demo.ensure_data(tmp_path, desc) == folder
    assert files[0].stat().st_mtime_ns == stamp, "cached files must not be rewritten"
    marker.unlink()                                # an interrupted generation is redone
    assert demo.ensure_data(tmp_path, desc) == folder
    assert marker.is_file() and len(list(folder.rglob("*.dcm"))) == desc.count


def test_demopacs_needs_a_data_source():
    with pytest.raises(demo.DemoError, match="data_dir"):
        demo.DemoPACS()


def test_running_registers_peer_and_serves_the_sample_sheet(tmp_path):
    from mid import settings
    config_dir = tmp_path / "config"
    current = settings.load_settings(config_dir)
    me = current.self_peer
    self_port = peers.free_port()
    settings.save_peers(config_dir, {**current.peers, settings.SELF: settings.PeerConfig(
        name=settings.SELF, aet=me.aet, host="127.0.0.1", port=self_port)})
    with demo.running(config_dir, tmp_path / "storage", port=0) as d:
        saved = json.loads((config_dir / "peers.json").read_text())[demo.DEMO_PEER_NAME]
        assert (saved["peer_aet"], saved["peer_ip"], int(saved["peer_port"])) == \
            (demo.DEMO_AET, "127.0.0.1", d.port)
        assert settings.load_settings(config_dir).peers[d.peer_name].port == d.port
        rows = list(load_workbook(d.sheet_path).active.iter_rows(values_only=True))
        assert rows[0] == synthdata.SHEET_COLUMNS and rows[-1][0] == synthdata.MISSING_MRN
        assert d.desc.count == synthdata.sample_set().count
        by_mrn = _find(d.pacs, "STUDY", PatientID=rows[1][0], StudyInstanceUID="")
        assert by_mrn, "the first sheet row must find a study"
        assert _find(d.pacs, "STUDY", PatientID=synthdata.MISSING_MRN, StudyInstanceUID="") == []
        assert d.pacs.destination(me.aet) == ("127.0.0.1", self_port)
        stranger = _assoc(d.pacs, Verification, calling="STRANGER")
        assert stranger.is_rejected
        now = settings.load_settings(config_dir)       # a new <SELF> applies while running
        settings.save_peers(config_dir, {**now.peers, settings.SELF: settings.PeerConfig(
            name=settings.SELF, aet="MID_RENAMED", host="0.0.0.0", port=self_port + 1)})
        assert d.pacs.destination("MID_RENAMED") == ("127.0.0.1", self_port + 1)
        renamed = _assoc(d.pacs, Verification, calling="MID_RENAMED")
        assert renamed.is_established
        renamed.release()
    closed = AE(me.aet)
    closed.add_requested_context(Verification)
    after = closed.associate(peers.HOST, d.port, ae_title=demo.DEMO_AET)
    assert not after.is_established, "the demo PACS must stop when the with block ends"


def test_demopacs_with_config_dir_runs_the_program_demo(tmp_path):
    from mid import settings
    import dataclasses
    config_dir = tmp_path / "config"
    current = settings.load_settings(config_dir)
    settings.save_user_defaults(config_dir, dataclasses.replace(current.defaults,
                                                                storage_root=str(tmp_path / "root")))
    with demo.DemoPACS(port=0, config_dir=config_dir) as pacs:
        assert pacs.sample_sheet_path.is_file()
        assert pacs.sample_sheet_path.is_relative_to(tmp_path / "root")
        peer = settings.load_settings(config_dir).peers[pacs.peer_name]
        assert (peer.aet, peer.host, peer.port) == (pacs.aet, pacs.host, pacs.port)
        assoc = _assoc(pacs, Verification, calling=current.self_peer.aet)
        assert assoc.is_established and assoc.send_c_echo().Status == 0x0000
        assoc.release()
