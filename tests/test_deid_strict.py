"""Markers planted into every text element of varied real-world files, at every depth.

Code values and schemes get no marker: a code is not PHI, both modes keep it.
Basic Profile (default): no marker survives in any attribute the table lists, nor in any
descriptor (the Clean Descriptors column), nor in the series folder path. Strict mode
(deid_strict): no marker survives anywhere.
"""
from __future__ import annotations

import io
import itertools
import re
import sys
from pathlib import Path

from pydicom import dcmread, dcmwrite
from pydicom.dataset import Dataset

from mid import anonymizer, deid_profile, engine
from mid.anonymizer import AnonConfig, Anonymizer, MemoryKeys

sys.path.insert(0, str(Path(__file__).parent))
import deid_corpus  # noqa: E402

SECRET = bytes(range(32))
TEXT_VRS = {"LO", "SH", "LT", "ST", "UT", "UC", "PN"}
MARK = re.compile(r"ZQMARK\d{5}")
# A dozen varied files: CT, MR, enhanced MR, RT plan/dose/struct, SR, US, NM, waveform, SEG-like.
WANTED = ("CT_small.dcm", "MR_small.dcm", "emri_small.dcm", "rtplan.dcm", "rtdose.dcm",
          "rtstruct.dcm", "test-SR.dcm", "waveform_ecg.dcm", "RG1_UNCR.dcm", "US1_UNCR.dcm",
          "NM-PAL-16-PixRep1.dcm", "ctbrain1.dcm", "RGB_IMAGE.dcm", "SC_rgb.dcm")


def plant(ds: Dataset, counter) -> None:
    """A unique marker in every public text element of ds and its sequences (any depth)."""
    for elem in list(ds):
        if elem.VR == "SQ":
            for item in elem.value:
                plant(item, counter)
        elif (elem.VR in TEXT_VRS and not (elem.tag >> 16) & 1
              and elem.tag not in anonymizer.CODE_ITEM_TAGS - {0x00080104}):   # codes are kept
            elem.value = f"ZQMARK{next(counter):05d}"


def marked_files() -> list[tuple[str, Dataset]]:
    by_name = {}
    for file in deid_corpus.corpus_files():
        by_name.setdefault(file.path.name, file)
    files = [by_name[n] for n in WANTED if n in by_name]
    assert len(files) >= 12, [n for n in WANTED if n not in by_name]
    counter = itertools.count(1)
    out = []
    for file in files:
        ds = file.read()
        plant(ds, counter)
        out.append((file.label, ds))
    return out


def survivors(ds: Dataset, path: str = ""):
    """(path, keyword, tag, marker) of every marker left in ds, at any depth."""
    for elem in ds:
        if elem.VR == "SQ":
            for n, item in enumerate(elem.value):
                yield from survivors(item, f"{path}{elem.keyword}[{n}]/")
        elif elem.VR in TEXT_VRS | {"UN", "OB"}:
            raw = elem.value if isinstance(elem.value, bytes) else str(elem.value).encode("utf-8", "replace")
            for m in MARK.findall(raw.decode("latin-1")):
                yield path, elem.keyword, int(elem.tag), m


def deidentify(ds: Dataset, strict: bool) -> Dataset:
    res = Anonymizer(AnonConfig(drop_rules=(), drop_sop_classes=(), strict=strict),
                     MemoryKeys(SECRET)).anonymize(ds)
    assert res.dataset is not None, res.dropped
    buf = io.BytesIO()
    dcmwrite(buf, res.dataset, enforce_file_format=True)
    return dcmread(io.BytesIO(buf.getvalue()))


def _listed(tag: int) -> bool:
    return (tag in deid_profile.BASIC_PROFILE or tag in anonymizer.DESCRIPTOR_TAGS
            or any(tag & mask == value for value, mask, _ in deid_profile.MASKED_PROFILE))


def test_basic_profile_leaves_no_marker_in_listed_attributes_descriptors_or_paths():
    for label, ds in marked_files():
        out = deidentify(ds, strict=False)
        left = [s for s in survivors(out) if _listed(s[2])]
        assert not left, f"{label}: {left[:5]}"
        path = engine.anonymized_relpath(out, "0001")
        assert not MARK.search(path), f"{label}: {path}"


def test_basic_profile_keeps_what_the_table_does_not_list():
    """The reason the strict mode exists: unlisted text survives under the Basic Profile."""
    kept = [s for label, ds in marked_files() for s in survivors(deidentify(ds, strict=False))]
    assert kept


def test_strict_mode_leaves_no_marker_at_all():
    for label, ds in marked_files():
        out = deidentify(ds, strict=True)
        left = list(survivors(out))
        assert not left, f"{label}: {left[:5]}"
        path = engine.anonymized_relpath(out, "0001")
        assert not MARK.search(path)


def test_strict_mode_keeps_technical_text_and_module_needed_text():
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.66.4"    # Segmentation
    ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.3.4", "1.2.3", "1.2.3.5"
    ds.Manufacturer, ds.ConvolutionKernel = "SIEMENS", "B30f"
    ds.WindowCenterWidthExplanation = "Dr Fake window"
    ds.ContentDescription = "made by Fakename"
    segment = Dataset()
    segment.SegmentNumber, segment.SegmentLabel = 1, "Liver Fakename"
    ds.SegmentSequence = [segment]
    strict = Anonymizer(AnonConfig(strict=True), MemoryKeys(SECRET)).anonymize(ds).dataset
    assert (strict.Manufacturer, strict.ConvolutionKernel) == ("SIEMENS", "B30f")
    assert "WindowCenterWidthExplanation" not in strict
    assert "ContentDescription" not in strict or "Fakename" not in str(strict.ContentDescription)
    assert strict.SegmentSequence[0].SegmentLabel == f"Liver {anonymizer.PLACEHOLDER}"


def test_strict_mode_is_off_by_default_and_read_through_anon_config(tmp_path):
    from mid import settings as settings_mod
    assert AnonConfig().strict is False
    loaded = settings_mod.load_settings(tmp_path / "config")
    assert AnonConfig.from_settings(loaded).strict is False
    # user_defaults deid_strict, a typed option of settings, turns it on
    import dataclasses
    with_strict = dataclasses.replace(loaded, defaults=dataclasses.replace(loaded.defaults, deid_strict=True))
    config = AnonConfig.from_settings(with_strict)
    assert config.strict is True
    assert "Strict mode (deid_strict): on" in Anonymizer(config, MemoryKeys(SECRET)).describe()[-1]


def test_describe_lists_what_strict_changes_and_every_action():
    on = Anonymizer(AnonConfig(strict=True), MemoryKeys(SECRET))
    off = Anonymizer(AnonConfig(), MemoryKeys(SECRET))
    assert "Strict mode (deid_strict): on" in on.describe()[-1]
    assert "ContentDescription" in on.describe()[-1] and "SegmentLabel" in on.describe()[-1]
    assert "off" in off.describe()[-1]
    actions = off.describe_actions()
    assert len(actions) > len(deid_profile.BASIC_PROFILE)
    text = "\n".join(actions)
    assert "(0010,1030) PatientWeight [X]: kept" in text
    assert "(0008,103E) SeriesDescription [X]: cleaned" in text
    assert "(0008,1110) ReferencedStudySequence [X/Z]: emptied (sequence)" in text
    assert "other text: kept" in text and "strict mode" in "\n".join(on.describe_actions())


def test_cli_describe_prints_every_action(tmp_path):
    import subprocess
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, str(repo / "main.py"), "anonymize", "--describe"],
                          capture_output=True, text=True, timeout=120, cwd=repo,
                          env={"MID_CONFIG_DIR": str(tmp_path / "config"), "PATH": "/usr/bin:/bin",
                               "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) > len(deid_profile.BASIC_PROFILE)
    assert any("PatientWeight" in line for line in lines)
