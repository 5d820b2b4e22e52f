"""C-GET of compressed images from PACS that do not transcode: DCMTK's dcmqrscp and an Orthanc with
TranscodeDicomProtocol off. Such a PACS sends an image only in the transfer syntax it stored, so our
C-GET must have a presentation context accepted in that syntax for the image's SOP class.

The images are pydicom's test files, given one study and a series per modality:
- MR (MR Image Storage): Explicit VR Little Endian, RLE Lossless, JPEG-LS Lossless, JPEG 2000 Lossless
- OT (Secondary Capture): JPEG Baseline
- NM (a Secondary Capture file whose Modality is NM): JPEG Extended
Every one must arrive whole: status Success, no failed sub-operation, the transfer syntax and the
pixel data bytes as stored.
"""
from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import (
    JPEG2000Lossless, JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLSLossless, RLELossless, generate_uid,
)
from pynetdicom import AllStoragePresentationContexts, StoragePresentationContexts
from pynetdicom.sop_class import (
    CTImageStorage, EnhancedCTImageStorage, MRImageStorage, SecondaryCaptureImageStorage,
)

import pacs
import peers
from mid import engine
from mid import project as project_mod
from mid import settings as settings_mod
from mid.querysheet import Query

pytestmark = pytest.mark.peers

ME = peers.SELF_AET
TIMEOUTS = pacs.Timeouts(connect=5, acse=20, dimse=30, network=60)
PATIENT_ID = "CGET0001"

#: (series modality, pydicom test file, the transfer syntax it is stored in)
IMAGES = [
    ("MR", "MR_small.dcm", None),
    ("MR", "MR_small_RLE.dcm", RLELossless),
    ("MR", "MR_small_jpeg_ls_lossless.dcm", JPEGLSLossless),
    ("MR", "MR_small_jp2klossless.dcm", JPEG2000Lossless),
    ("OT", "SC_rgb_jpeg_dcmtk.dcm", JPEGBaseline8Bit),
    ("NM", "JPEG-lossy.dcm", JPEGExtended12Bit),
]


@dataclass
class CompressedStudy:
    study_uid: str
    series: dict[str, str]                 # modality -> SeriesInstanceUID
    originals: dict[str, Dataset]          # SOPInstanceUID -> the dataset as stored
    paths: list[Path]

    def of_series(self, modality: str) -> dict[str, Dataset]:
        uid = self.series[modality]
        return {k: ds for k, ds in self.originals.items() if ds.SeriesInstanceUID == uid}


@pytest.fixture(scope="module")
def compressed_study(tmp_path_factory) -> CompressedStudy:
    """The test files as one patient's study, new UIDs, written to disk as they are (not recoded)."""
    folder = tmp_path_factory.mktemp("compressed")
    study_uid = generate_uid()
    series: dict[str, str] = {}
    originals: dict[str, Dataset] = {}
    paths = []
    for n, (modality, name, syntax) in enumerate(IMAGES):
        ds = dcmread(get_testdata_file(name))
        assert ds.Modality == modality, name          # the series' Modality is the file's own
        if syntax is not None:
            assert ds.file_meta.TransferSyntaxUID == syntax, name
        ds.PatientID, ds.PatientName = PATIENT_ID, "CGET^COMPRESSED"
        ds.StudyInstanceUID, ds.StudyDate, ds.StudyID = study_uid, "20240102", "1"
        ds.SeriesInstanceUID = series.setdefault(modality, generate_uid())
        ds.SeriesNumber = list(series).index(modality) + 1
        ds.InstanceNumber = n + 1
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        path = folder / f"{n}_{name}"
        ds.save_as(path)
        originals[ds.SOPInstanceUID] = dcmread(path)
        paths.append(path)
    return CompressedStudy(study_uid, series, originals, paths)


@pytest.fixture(scope="module")
def archive(tmp_path_factory, compressed_study) -> peers.DcmqrscpServer:
    """A dcmqrscp that keeps compressed images as stored, holding the compressed study."""
    peers.require_tools(peers.DCMTK_TOOLS)
    with peers.DcmqrscpServer(tmp_path_factory.mktemp("dcmqrscp_compressed"), accept_compressed=True) as server:
        server.load(compressed_study.paths)
        yield server


@pytest.fixture(scope="module")
def orthanc_no_transcoding(tmp_path_factory, compressed_study) -> peers.OrthancServer:
    """An Orthanc that sends over C-GET only what it stored (TranscodeDicomProtocol off)."""
    peers.require_tools(peers.ORTHANC_TOOLS)
    with peers.OrthancServer(tmp_path_factory.mktemp("orthanc_no_transcoding"),
                             config={"TranscodeDicomProtocol": False}) as server:
        server.upload(compressed_study.paths)
        yield server


class Arrivals:
    """A store handler keeping every instance's bytes as received and the context it came on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.files: dict[str, bytes] = {}
        self.context_syntax: dict[str, str] = {}

    def __call__(self, req: pacs.StoreRequest) -> int:
        with self.lock:
            uid = req.dataset.SOPInstanceUID
            self.files[uid] = req.encoded()
            self.context_syntax[uid] = req._event.context.transfer_syntax
        return pacs.STATUS_SUCCESS


def assert_as_stored(received: dict[str, bytes], originals: dict[str, Dataset]) -> None:
    """Every original arrived once, in its own transfer syntax, with its pixel data bytes."""
    assert set(received) == set(originals)
    for uid, data in received.items():
        got, want = dcmread(io.BytesIO(data)), originals[uid]
        assert got.file_meta.TransferSyntaxUID == want.file_meta.TransferSyntaxUID, want.SOPClassUID
        assert got.PixelData == want.PixelData


def get_series(server, study: CompressedStudy, modality: str) -> tuple[pacs.RetrieveResult, Arrivals]:
    got = Arrivals()
    keys = {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": study.series[modality]}
    result = pacs.get(ME, server.peer, "SERIES", keys, TIMEOUTS, on_store=got, modalities=[modality])
    return result, got


# ----------------------------------------------------------------------------- pacs.get

@pytest.mark.parametrize("modality", ["MR", "OT", "NM"])
def test_get_brings_compressed_images_from_dcmqrscp(archive, compressed_study, modality):
    result, got = get_series(archive, compressed_study, modality)
    wanted = compressed_study.of_series(modality)
    assert result.status == pacs.STATUS_SUCCESS, result
    assert (result.completed, result.failed, result.failed_sop_uids) == (len(wanted), 0, [])
    assert_as_stored(got.files, wanted)
    for uid, ds in wanted.items():                       # each came on a context of its own syntax
        assert got.context_syntax[uid] == ds.file_meta.TransferSyntaxUID


@pytest.mark.parametrize("modality", ["MR", "OT", "NM"])
def test_get_brings_compressed_images_from_orthanc_that_does_not_transcode(
        orthanc_no_transcoding, compressed_study, modality):
    result, got = get_series(orthanc_no_transcoding, compressed_study, modality)
    wanted = compressed_study.of_series(modality)
    assert result.status == pacs.STATUS_SUCCESS, result
    assert (result.completed, result.failed) == (len(wanted), 0)
    assert_as_stored(got.files, wanted)
    for uid, ds in wanted.items():
        assert got.context_syntax[uid] == ds.file_meta.TransferSyntaxUID


# ----------------------------------------------------------------------------- the whole download

def test_download_by_get_from_dcmqrscp_keeps_compressed_images(tmp_path, archive, compressed_study):
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "peers.json").write_text(json.dumps({
        settings_mod.SELF: {"peer_name": settings_mod.SELF, "peer_aet": ME, "peer_ip": "127.0.0.1",
                            "peer_port": peers.free_port()},
        "ARCHIVE": {"peer_name": "ARCHIVE", "peer_aet": archive.aet, "peer_ip": "127.0.0.1",
                    "peer_port": archive.port, "retrieve_method": "get"}}))
    (cfg / "user_defaults.json").write_text(json.dumps({
        "retries": 1, "retry_backoff": 0.05, "workers": 2, "connect_timeout": 3, "acse_timeout": 10,
        "dimse_timeout": 30, "network_timeout": 30}))
    s = settings_mod.load_settings(cfg)
    proj = project_mod.Project.create(tmp_path / "proj")
    proj.add_queries([Query(query_id="1", row=2, values={"PatientID": [PATIENT_ID]})], [])
    assert engine.search(s, proj, "ARCHIVE").found == 1
    assert engine.select(proj) == len(compressed_study.series)
    fin = engine.download(s, proj, "ARCHIVE", method="get", anonymize=False)
    assert fin.error is None, fin.error
    assert {(r.tags.get("Modality"), r.status, r.reason) for r in proj.series()} == {
        (m, "DOWNLOADED", None) for m in compressed_study.series}
    files = {}
    for path in sorted(proj.images_dir.rglob("*.dcm")):
        data = path.read_bytes()
        files[dcmread(io.BytesIO(data), stop_before_pixels=True).SOPInstanceUID] = data
    assert_as_stored(files, compressed_study.originals)


# ----------------------------------------------------------------------------- the proposal

def test_get_proposal_for_a_known_modality():
    contexts = pacs.get_storage_contexts(modalities=["MR"])
    assert len(contexts) <= pacs.MAX_CONTEXTS - 1
    by_class: dict[str, list[list[str]]] = {}
    for uid, syntaxes in contexts:
        by_class.setdefault(uid, []).append(list(syntaxes))
    for uid in (MRImageStorage, SecondaryCaptureImageStorage):     # the likely classes, SC always
        assert by_class[uid][0] == list(pacs.UNCOMPRESSED_SYNTAXES)
        assert by_class[uid][1:] == [[ts] for ts in pacs.COMPRESSED_SYNTAXES]
    assert by_class[CTImageStorage] == [list(pacs.STORE_TRANSFER_SYNTAXES)]   # the rest: one shared
    assert len(contexts) == pacs.MAX_CONTEXTS - 1                  # the room left is used


def test_get_proposal_for_several_modalities_fits_and_keeps_every_modality_class():
    everything = list(pacs.MODALITY_STORAGE_CLASSES)
    contexts = pacs.get_storage_contexts(modalities=everything)
    assert len(contexts) <= pacs.MAX_CONTEXTS - 1
    classes = {uid for uid, _ in contexts}
    assert {uid for m in everything for uid in pacs.MODALITY_STORAGE_CLASSES[m]} <= classes
    ct_only = pacs.get_storage_contexts(modalities=["ct"])
    assert [s for uid, s in ct_only if uid == EnhancedCTImageStorage][1:] == [
        [ts] for ts in pacs.COMPRESSED_SYNTAXES]


def test_get_proposal_for_an_unknown_modality_is_the_shared_one():
    common = {cx.abstract_syntax for cx in StoragePresentationContexts}
    rare = [cx.abstract_syntax for cx in AllStoragePresentationContexts if cx.abstract_syntax not in common]
    today = [(uid, list(pacs.STORE_TRANSFER_SYNTAXES)) for uid in pacs.storage_contexts_for_get(rare[:3])]
    for modalities in ([], ["SR"], ["XYZ", ""]):
        got = pacs.get_storage_contexts(rare[:3], modalities=modalities)
        assert [(uid, list(s)) for uid, s in got] == today
