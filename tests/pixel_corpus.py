"""Synthetic images with text burned into their pixels, for the pixel checks' tests and benchmark.

Text is drawn with Pillow's own bundled font (ImageFont.load_default at a size), never a system
font. Each image knows where its planted texts are (`Planted.mask`, the glyphs' pixels), so a
test can tell whether each text was blackened. The patient is obviously fake.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

PATIENT = {"PatientName": "FAKE^ALICE", "PatientID": "FK0012345", "AccessionNumber": "ACCFK7781",
           "PatientBirthDate": "19700312", "StudyDate": "20230410", "InstitutionName": "NOWHERE GENERAL"}
#: identifying texts as a screen writes them: name, MRN, date
IDENTIFYING = ("FAKE^ALICE", "ALICE FAKE", "Name: FAKE, ALICE", "MRN FK0012345", "ID: FK0012345",
               "FK0012345", "04/10/2023", "2023-04-10", "10-Apr-2023", "DOB 03/12/1970")
SAFE = ("L", "R", "5 cm", "C5-1", "12 MHz", "GAIN 50", "LIVER", "ABD", "PA", "DEPTH 16", "TIB", "L5")
SIZES = (12, 16, 20, 28)
_SOP = {"US": "1.2.840.10008.5.1.4.1.1.6.1", "XA": "1.2.840.10008.5.1.4.1.1.12.1",
        "RF": "1.2.840.10008.5.1.4.1.1.12.2", "CR": "1.2.840.10008.5.1.4.1.1.1",
        "DX": "1.2.840.10008.5.1.4.1.1.1.1", "MG": "1.2.840.10008.5.1.4.1.1.1.2",
        "ES": "1.2.840.10008.5.1.4.1.1.77.1.1", "XC": "1.2.840.10008.5.1.4.1.1.77.1.4",
        "CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4"}
SC = "1.2.840.10008.5.1.4.1.1.7"


@dataclass
class Planted:
    text: str
    size: int
    identifying: bool
    mask: np.ndarray = field(repr=False)       # rows × columns, True on the glyphs' pixels


@dataclass
class Burned:
    ds: Dataset
    planted: list[Planted]


def _background(rows: int, cols: int, light: bool, seed: int) -> np.ndarray:
    """0..1 floats: a soft blob of 'anatomy' on a dark or light field, with noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols]
    blob = np.exp(-(((x - cols * 0.55) / (cols * 0.25)) ** 2 + ((y - rows * 0.6) / (rows * 0.2)) ** 2))
    base = 0.8 - 0.3 * blob if light else 0.08 + 0.35 * blob
    return np.clip(base + rng.normal(0, 0.02, (rows, cols)), 0, 1)


def burned(modality: str, texts: list[tuple[str, int, bool]], *, rgb: bool, light: bool, rows: int = 512,
           cols: int = 512, seed: int = 0, frames: int = 1, patient: dict | None = None,
           origin: tuple[int, int] = (16, 12)) -> Burned:
    """An image of `modality` with each (text, size, identifying) drawn on its own line, the
    first at `origin` (left, top)."""
    field_ = _background(rows, cols, light, seed)
    planted = []
    y = origin[1]
    for n, (text, size, identifying) in enumerate(texts):
        layer = Image.new("L", (cols, rows), 0)
        ImageDraw.Draw(layer).text((origin[0] + (n % 3) * 40, y), text, fill=255,
                                   font=ImageFont.load_default(size=size))
        glyphs = np.asarray(layer) > 127
        planted.append(Planted(text, size, identifying, glyphs))
        field_ = np.where(glyphs, 0.02 if light else 1.0, field_)
        y += size + 18
    ds = _dataset(modality, patient or PATIENT)
    if rgb:
        tint = np.array([1.0, 1.0, 0.6]) if not light else np.array([1.0, 1.0, 1.0])
        pix = (field_[..., None] * tint * 255).astype(np.uint8)
        pix = np.repeat(pix[None], frames, axis=0) if frames > 1 else pix
        ds.set_pixel_data(pix, "RGB", 8)
    else:
        pix16 = (field_ * 4095).astype(np.uint16)
        pix16 = np.repeat(pix16[None], frames, axis=0) if frames > 1 else pix16
        ds.set_pixel_data(pix16, "MONOCHROME2", 12)
    return Burned(ds, planted)


def _dataset(modality: str, patient: dict) -> Dataset:
    ds = Dataset()
    sop_class = _SOP.get(modality, SC)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SOPClassUID = sop_class
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    for kw, value in patient.items():
        setattr(ds, kw, value)
    ds.Modality = modality
    ds.PatientSex = "F"
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.StudyTime, ds.StudyID = "101500", "S1"
    ds.Manufacturer, ds.ManufacturerModelName = "ACME", "SONO 1"
    ds.BurnedInAnnotation = "NO"
    return ds


def identifying_set(modalities: tuple[str, ...]) -> list[Burned]:
    """Per modality: RGB and 16-bit grey, dark and light: a name, an MRN and a date each, sizes in turn."""
    names = [t for t in IDENTIFYING if not any(c.isdigit() for c in t)]
    ids = [t for t in IDENTIFYING if "FK0012345" in t]
    dates = [t for t in IDENTIFYING if t not in names and t not in ids]
    out, k = [], 0
    for m in modalities:
        for rgb in (True, False):
            for light in (False, True):
                texts = [(names[k % len(names)], SIZES[k % 4], True), (ids[k % len(ids)], SIZES[(k + 1) % 4], True),
                         (dates[k % len(dates)], SIZES[(k + 2) % 4], True), (SAFE[k % len(SAFE)], 16, False)]
                out.append(burned(m, texts, rgb=rgb, light=light, seed=k))
                k += 1
    return out


def safe_set(modalities: tuple[str, ...], per_modality: int = 4) -> list[Burned]:
    """Images with only safe text (side markers, measurements, probe names)."""
    out, k = [], 0
    for m in modalities:
        for j in range(per_modality):
            texts = [(SAFE[(k + i) % len(SAFE)], SIZES[(k + i) % 4], False) for i in range(3)]
            out.append(burned(m, texts, rgb=j % 2 == 0, light=j % 4 >= 2, seed=100 + k))
            k += 1
    return out
