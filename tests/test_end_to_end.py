"""End to end against Orthanc: a PHI-laden synthetic set is downloaded with de-identification on,
then every byte and every path under images/ is scanned for every original identifier.

The set mixes synthdata's studies with planted PHI (free text, other IDs, sequences, private
blocks) and tests/phi_corpus.py's instances (a unique marker in every element the Basic Profile
covers, at top level, in nested sequences, private blocks, SR content and the file meta).
"""
from __future__ import annotations


import datetime as dt

import pydicom
import pytest

from mid.vocab import ExitCode
import phi_corpus
from mid import synthdata
from test_cli import mrn_sheet, run_main
from test_engine import peer_entry, write_config

pytestmark = pytest.mark.peers


def needles_for(desc: synthdata.SynthSet, corpus: phi_corpus.Corpus) -> set[str]:
    """Every original identifier that must not appear anywhere under images/ (dates excepted:
    see dates_by_patient)."""
    out: set[str] = set()
    for p in desc.patients:
        out.update(s for s in synthdata.phi_strings(p) if s != p.birth_date)
        out.add(f"OTHER{p.patient_id}")
        for st in p.studies:
            out.update(s for s in synthdata.phi_strings(p, st) if s != p.birth_date)
            for se in st.series:
                out.add(se.series_uid)
                out.update(se.sop_uid(i) for i in range(se.count))
    out.update({"FAKE GENERAL HOSPITAL", "1 FAKE STREET", "12 TEST ROAD", "SN-FAKE-0001", "FAKESTATION1",
                "FAKE^OPERATOR", "FAKE^PERFORMER"})
    out.update(corpus.markers)
    out.update(corpus.original_uids)
    for pid, name in corpus.patients.items():
        out.update({pid, name})
    return {n for n in out if n and len(n) >= 5}


def dates_by_patient(desc: synthdata.SynthSet) -> dict[str, set[str]]:
    """Each synthetic patient's original dates (birth and study dates), by original PatientID.

    A date is PHI for its own patient: a shifted date of one patient may well equal another
    patient's real date (the shift is a few hundred days, the synthetic dates are dense), so a
    file is searched for the dates of the patient it belongs to. The corpus's dates are left out
    for the same reason; the anonymizer's own tests check every date of it is shifted."""
    return {p.patient_id: {p.birth_date, *(st.date for st in p.studies)} for p in desc.patients}


def test_nothing_under_images_carries_phi(monkeypatch, tmp_path, orthanc_factory):
    server = orthanc_factory()
    desc = synthdata.generate_set(seed=97, n_patients=2, studies_per_patient=2)
    corpus = phi_corpus.build_corpus(patients=1, studies=1, instances=3)
    server.upload(list(synthdata.iter_datasets(desc, phi_markers=True)))
    server.upload(corpus.datasets)
    cfg = write_config(tmp_path / "c", server.self_port, {"ORTHANC": peer_entry(server)}, workers=3)
    ids = [p.patient_id for p in desc.patients] + list(corpus.patients)
    sheet = mrn_sheet(tmp_path / "phi.csv", ids)
    proj = tmp_path / "P"
    code = run_main(monkeypatch, cfg, "download", str(sheet), "--source", "ORTHANC", "--project", str(proj))
    assert code == ExitCode.OK

    images = proj / "images"
    files = [p for p in images.rglob("*") if p.is_file()]
    assert len(files) >= desc.count // 2, "too few instances arrived to prove anything"
    needles = needles_for(desc, corpus)
    assert len(needles) > 100
    encoded = [(n, n.encode("ascii", "ignore")) for n in needles]
    from mid.project import Project
    with Project.open(proj) as opened:
        entries = opened.key_entries()
    original_of = {e.new_patient_id: e.patient_id for e in entries}
    offset_of = {e.patient_id: int(e.date_offset_days) for e in entries}
    dates = dates_by_patient(desc)
    for pid, own in dates.items():    # an original date that is also one of its shifted dates can't be told apart
        shifted = {(dt.datetime.strptime(d, "%Y%m%d") + dt.timedelta(days=offset_of.get(pid, 0))).strftime("%Y%m%d")
                   for d in own}
        own -= shifted
    leaks: list[str] = []
    dated = 0
    for f in files:
        rel = str(f.relative_to(images))
        data = f.read_bytes()
        for text, raw in encoded:
            if text in rel:
                leaks.append(f"path {rel}: {text}")
            if raw in data:
                leaks.append(f"bytes of {rel}: {text}")
        ds = pydicom.dcmread(f)                         # every file is valid DICOM
        own_dates = dates.get(original_of.get(str(ds.PatientID), ""), set())
        dated += bool(own_dates)
        for d in own_dates:
            if d in rel or d.encode() in data:
                leaks.append(f"{rel}: its patient's original date {d}")
    assert dated >= len(files) // 2, "too few files could be traced to their patient to check their dates"
    for d in (p for p in images.rglob("*") if p.is_dir()):
        for text, _ in encoded:
            if text in d.name:
                leaks.append(f"folder {d.name}: {text}")
    assert not leaks, "\n".join(sorted(set(leaks))[:40])

    # the key lives in private/ only, and it does link back to the originals
    private = proj / "private"
    key_files = [p for p in private.rglob("*") if p.is_file() and "KEY" in p.name.upper()]
    assert key_files
    assert not [p for p in images.rglob("*") if "KEY" in p.name.upper()]
    key_bytes = b"".join(p.read_bytes() for p in key_files if p.suffix == ".csv")
    assert desc.patients[0].patient_id.encode() in key_bytes
