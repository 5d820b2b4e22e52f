"""The public real-world DICOM corpus of the de-identification tests, and dciodvfy.

Files come from three pinned packages (requirements-dev.txt): pydicom's own test files,
``pydicom-data`` (module ``data_store``) and ``deid-data`` (module ``deid_data``). A file is in
the corpus when pydicom reads it and it has a SOPClassUID and a StudyInstanceUID; truncated
inputs that the validator cannot read whole are listed in TRUNCATED and left out of the
validation comparison only.
"""
from __future__ import annotations

import importlib.metadata as metadata
import re
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from pydicom import dcmread
import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian

DCIODVFY = "/usr/bin/dciodvfy"
DCIODVFY_TOOLS = {"dciodvfy": (DCIODVFY,)}
PACKAGES = ("pydicom-data", "deid-data")
# Inputs cut short on purpose by their authors: the validator reads only part of them, so its
# findings on input and output cannot be compared.
TRUNCATED = frozenset({"MR_truncated.dcm", "rtplan_truncated.dcm",
                       "emri_small_jpeg_2k_lossless_too_short.dcm"})


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    label: str          # package/relative name, for messages

    def read(self) -> Dataset:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dcmread(self.path)


def _candidates() -> list[tuple[Path, str]]:
    own = Path(pydicom.__file__).parent / "data" / "test_files"     # listed, never downloaded
    out = [(p, f"pydicom/{p.relative_to(own)}") for p in own.rglob("*") if p.is_file()]
    for package in PACKAGES:
        dist = metadata.distribution(package)
        for file in dist.files or ():
            if str(file).endswith(".dcm"):
                out.append((Path(file.locate()).resolve(), f"{package}/{file}"))
    return sorted(set(out))


def corpus_files() -> list[CorpusFile]:
    """Every readable instance of the three packages (sorted by label)."""
    files = []
    for path, label in _candidates():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = dcmread(path)
        except Exception:     # not DICOM (pydicom also ships other test files)
            continue
        if "SOPClassUID" in ds and "StudyInstanceUID" in ds:
            files.append(CorpusFile(path, label))
    return sorted(files, key=lambda f: f.label)


_VALUE = re.compile(r"=\s*<[^>]*>")


def dciodvfy_errors(path: Path, workdir: Path) -> set[str]:
    """dciodvfy's Error lines for a file, values blanked (UIDs and dates change on purpose).

    dciodvfy cannot read deflated files, so those are validated as explicit VR little endian.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = dcmread(path, stop_before_pixels=False)
    if ds.file_meta.get("TransferSyntaxUID") == DeflatedExplicitVRLittleEndian:
        inflated = workdir / (path.name + ".inflated.dcm")
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.save_as(inflated, enforce_file_format=True)
        path = inflated
    proc = subprocess.run([DCIODVFY, "-new", str(path)], capture_output=True, text=True,
                          errors="replace", timeout=120)
    lines = (proc.stdout + proc.stderr).splitlines()
    return {_VALUE.sub("=<>", line.strip()) for line in lines if "Error - " in line}
