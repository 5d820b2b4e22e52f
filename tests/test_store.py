"""mid/store.py, the one place an image is written: validate → drop rules → anonymize → place →
encode → atomic write → record → key; and the store handler (mid.retrieve.Receiver) that answers
the sending PACS with the DIMSE status of that outcome.

No network: the datasets come from mid.synthdata (fake patients) and the project is a real
one on disk.
"""
from __future__ import annotations

import copy
import re
import sqlite3
import threading
from pathlib import Path

import pydicom

import pacs
from mid import retrieve, store, synthdata
from mid.jobs import Emitter
from mid.project import Project
from mid.vocab import SELF

SPEC = (synthdata.SeriesSpec("CT", "AX 5MM", 3), synthdata.SeriesSpec("CT", "Dose Report", 1, number=999,
                                                                      kind="capture"))
FILE_NAME = re.compile(r"^\d{4}/\d+_[^/]+/\d{5}_[0-9a-f]{8}\.dcm$")


def datasets() -> list[pydicom.Dataset]:
    desc = synthdata.generate_set(seed=3, n_patients=1, studies_per_patient=1, series_spec=SPEC)
    return list(synthdata.iter_datasets(desc))


def found(project: Project, dss) -> None:
    """Record each dataset's series as a search would."""
    for ds in dss:
        project.upsert_series(1, {"StudyInstanceUID": ds.StudyInstanceUID, "SeriesInstanceUID": ds.SeriesInstanceUID,
                                  "SeriesNumber": str(ds.SeriesNumber), "NumberOfSeriesRelatedInstances": "3"})


def instance_rows(project: Project) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(project.db_path) as db:
        return {sop: (status, reason) for sop, status, reason in
                db.execute("SELECT sop_uid, status, reason FROM instances")}


def test_store_writes_deidentified_files_records_them_and_keys_each_series_once(settings, project):
    dss = datasets()
    found(project, dss)
    st = store.ImageStore(project, store.make_anonymizer(settings, project))
    number = project.study_number(dss[0].StudyInstanceUID)
    try:
        outs = [st.store(copy.deepcopy(ds), number) for ds in dss]
        again = st.store(copy.deepcopy(dss[0]), number)
    finally:
        st.close()
    assert [o.status for o in outs] == ["WRITTEN"] * 3 + ["IGNORED"]
    assert all(o.nbytes > 0 for o in outs[:3]) and outs[3].nbytes == 0 and outs[3].reason
    assert again.status == store.KNOWN
    files = sorted(p for p in project.images_dir.rglob("*") if p.is_file() and p.name != store.INCOMPLETE_MARKER)
    rels = [f.relative_to(project.images_dir).as_posix() for f in files]
    assert len(rels) == 3 and all(FILE_NAME.match(r) for r in rels), rels
    # no final status yet: the series folder says it is incomplete
    assert (files[0].parent / store.INCOMPLETE_MARKER).is_file()
    assert all(r.startswith(f"{number}/1_AX_5MM/") for r in rels), rels
    assert sum(f.stat().st_size for f in files) == sum(o.nbytes for o in outs)
    back = pydicom.dcmread(files[0])
    assert back.SOPInstanceUID != dss[0].SOPInstanceUID and back.PatientID != dss[0].PatientID
    assert project.counts(dss[0].SeriesInstanceUID) == (3, 0)
    assert project.counts(dss[3].SeriesInstanceUID) == (0, 1)
    assert [e.series_uid for e in project.key_entries()] == [dss[0].SeriesInstanceUID]


def test_an_image_without_its_uids_is_refused_and_recorded_failed_with_the_reason(settings, project):
    dss = datasets()
    found(project, dss)
    bad = copy.deepcopy(dss[1])
    del bad.SOPClassUID
    no_sop = copy.deepcopy(dss[2])
    del no_sop.SOPInstanceUID
    assert store.validate(dss[0]) is None
    st = store.ImageStore(project, store.make_anonymizer(settings, project))
    try:
        out = st.store(bad, "0001")
        out2 = st.store(no_sop, "0001")
    finally:
        st.close()
    assert out.status == "FAILED" and "SOPClassUID" in out.reason
    assert out2.status == "FAILED" and "SOPInstanceUID" in out2.reason
    assert instance_rows(project) == {bad.SOPInstanceUID: ("FAILED", out.reason)}   # no UID, no row
    assert not any(p.is_file() for p in project.images_dir.rglob("*"))
    s = project.get_series(bad.SeriesInstanceUID)
    assert (s.received, s.written) == (1, 0), "counted as received, not written: a resume asks again"


def test_a_file_left_whole_by_a_killed_run_is_kept_and_only_recorded(settings, project):
    dss = datasets()[:1]
    found(project, dss)
    first = store.ImageStore(project, store.make_anonymizer(settings, project))
    first.store(copy.deepcopy(dss[0]), "0001")
    first.close()
    (path,) = [p for p in project.images_dir.rglob("*.dcm")]
    path.write_bytes(b"whole file of the killed run")
    # the rows of that run were lost: nothing is known, the same image arrives again
    second = store.ImageStore(project, store.make_anonymizer(settings, project), known=set())
    out = second.store(copy.deepcopy(dss[0]), "0001")
    second.close()
    assert out.status == "WRITTEN"
    assert path.read_bytes() == b"whole file of the killed run", "kept, not rewritten"
    assert project.counts(dss[0].SeriesInstanceUID) == (1, 0), "recorded once"


def test_raw_images_are_written_as_received_under_the_patient_folder(project):
    ds = datasets()[0]
    found(project, [ds])
    received = synthdata.to_bytes(ds)
    st = store.ImageStore(project, None)
    out = st.store(copy.deepcopy(ds), "0001", received=lambda: received)
    st.close()
    (path,) = list(project.images_dir.rglob("*.dcm"))
    assert out.status == "WRITTEN" and path.read_bytes() == received
    assert path.relative_to(project.images_dir).parts[0] == f"{ds.PatientID}_{ds.StudyDate}_{ds.AccessionNumber}"
    assert project.key_entries() == []


def test_anonymize_files_goes_through_the_same_store(settings, project, tmp_path):
    dss = datasets()
    folder = tmp_path / "in"
    folder.mkdir()
    for i, ds in enumerate(dss):
        (folder / f"{i}.dcm").write_bytes(synthdata.to_bytes(ds))
    broken = copy.deepcopy(dss[0])
    broken.SOPInstanceUID = "2.25.999"
    del broken.SOPClassUID
    broken.file_meta.MediaStorageSOPClassUID = dss[0].SOPClassUID
    pydicom.dcmwrite(folder / "broken.dcm", broken, enforce_file_format=True)
    (folder / "notes.txt").write_text("not an image")
    summary = store.anonymize_files(settings, project, folder)
    assert (summary.written, summary.ignored, summary.failed, summary.not_dicom) == (3, 1, 1, 1)
    assert any("broken.dcm" in p and "SOPClassUID" in p for p in summary.problems), summary.problems
    assert len(list(project.images_dir.rglob("*.dcm"))) == 3
    again = store.anonymize_files(settings, project, folder)
    assert (again.written, again.known) == (0, 4)
    by = {s.series_uid: s.status for s in project.series()}
    # broken.dcm belongs to the first series: 3 of its 4 images could be stored
    assert by == {dss[0].SeriesInstanceUID: "PARTIAL", dss[3].SeriesInstanceUID: "IGNORED"}
    markers = list(project.images_dir.rglob(store.INCOMPLETE_MARKER))
    assert len(markers) == 1 and "3 of 4 images" in markers[0].read_text()


def test_the_receiver_answers_with_the_status_of_the_store(settings, project, monkeypatch):
    dss = datasets()
    found(project, dss)
    project.select({ds.SeriesInstanceUID for ds in dss})
    run = retrieve._DownloadRun(settings, project, settings.peers["PACS"], method="move", destination=SELF,
                                workers=1, raw=False, emit=Emitter(None), cancel=threading.Event())
    try:
        def req(ds):
            return pacs.StoreRequest(dataset=copy.deepcopy(ds), calling_aet="FAKEPACS")

        assert run.receiver(req(dss[0])) == retrieve.STATUS_SUCCESS
        no_class = copy.deepcopy(dss[1])
        del no_class.SOPClassUID
        assert run.receiver(req(no_class)) == retrieve.STATUS_CANNOT_UNDERSTAND
        stranger = copy.deepcopy(dss[2])
        stranger.SeriesInstanceUID = "2.25.4242"
        assert run.receiver(req(stranger)) == retrieve.STATUS_CANNOT_UNDERSTAND

        def full(path, data, fsync=False):      # a passing I/O error (a full disk stops the run)
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(store, "write_atomic", full)
        assert run.receiver(req(dss[2])) == retrieve.STATUS_OUT_OF_RESOURCES
        monkeypatch.undo()
        assert run.receiver(req(dss[2])) == retrieve.STATUS_SUCCESS
        assert run.counts(dss[0].SeriesInstanceUID) == (2, 0)
    finally:
        run.store.close()
    rows = instance_rows(project)
    assert rows[no_class.SOPInstanceUID][0] == "FAILED"
    assert set(rows) == {dss[0].SOPInstanceUID, no_class.SOPInstanceUID, dss[2].SOPInstanceUID}
    assert run.counters.done == 2
    assert all(Path(p).suffix == ".dcm" or p.name == store.INCOMPLETE_MARKER
               for p in project.images_dir.rglob("*") if p.is_file())
