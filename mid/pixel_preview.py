"""The Anonymization tab's preview of the pixel checks: one image, the boxes found on it, and
the image as it would be written (masked), as two PNG thumbnails for the window.

Runs the same steps as the write path (`mid.pixels.PixelCheck.find`, then `mid.pixels.mask`)
on a copy held in memory: nothing is written anywhere, and the text read is returned only as a
count (the window shows no PHI). Two sources:

    a file the user picks   an original DICOM file, its identifiers read from its own header:
                            what a download would find and mask in an image like it;
    an image of the project a de-identified file from images/ of a modality at risk, checked
                            again (with nothing but the patterns to go on): it should be clean.

The project keeps no original image (images/ holds the output, already masked), and no copy of
one may sit outside private/; hence the file browser for the before-and-after view.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

from mid import pixels

#: the longer side of each thumbnail, in pixels
THUMB = 240
#: how many files of images/ are looked at (headers only) for one of a modality at risk
MAX_LOOKED_AT = 400
BOX_COLOUR = (0, 0, 255)         # red, in OpenCV's blue-green-red order


class PreviewError(Exception):
    """The image cannot be previewed; str() says which file and why."""


@dataclass(frozen=True)
class Preview:
    """What the window shows for one image."""
    source: str                     # a name for the image (no patient data: the file's name only)
    modality: str
    verdict: str                    # mid.pixels.CLEAN | SAFE | IDENTIFYING
    boxes: int                      # boxes found to blacken (identifying lines and known regions)
    lines: int                      # lines of text read
    note: str                       # a sentence for the status line
    original_png: bytes             # the first frame with the boxes drawn in red
    masked_png: bytes               # the first frame as it would be written


def png(rgb: Any, boxes: Sequence[tuple[int, int, int, int]] = ()) -> bytes:
    """An 8-bit RGB frame as a PNG thumbnail of at most THUMB pixels a side, `boxes` drawn on it."""
    import cv2
    import numpy as np
    rows, cols = rgb.shape[:2]
    scale = min(1.0, THUMB / max(rows, cols))
    small = cv2.resize(rgb, (max(1, round(cols * scale)), max(1, round(rows * scale))),
                       interpolation=cv2.INTER_AREA)
    bgr = np.ascontiguousarray(small[..., ::-1])
    for left, top, right, bottom in boxes:
        cv2.rectangle(bgr, (int(left * scale), int(top * scale)), (int(right * scale), int(bottom * scale)),
                      BOX_COLOUR, 2)
    ok, data = cv2.imencode(".png", bgr)
    if not ok:
        raise PreviewError("the thumbnail could not be encoded as PNG")
    return bytes(data.tobytes())


def _first_frame(ds: Any, arr: Any) -> Any:
    frames = int(str(ds.get("NumberOfFrames") or 1).strip() or 1)
    return pixels.to_rgb8(arr[0] if frames > 1 else arr, str(ds.get("PhotometricInterpretation", "")).strip())


def preview_file(path: Path, config: pixels.PixelConfig) -> Preview:
    """The check of one DICOM file on disk, as a download would run it with `config`."""
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError
    path = Path(path)
    try:
        ds = dcmread(path)
    except (OSError, InvalidDicomError, ValueError) as e:
        raise PreviewError(f"{path.name} cannot be read as DICOM ({e}); pick a DICOM image file") from None
    if "PixelData" not in ds:
        raise PreviewError(f"{path.name} holds no image (no Pixel Data); pick an image file")
    modality = pixels.element_text(ds, "Modality").strip().upper() or "(no modality)"
    unchecked = modality not in config.modalities
    check = pixels.PixelCheck.prepare(replace(config, enabled=True, modalities=(modality,)), ds)
    assert check is not None                         # enabled, this modality, pixel data: checked
    original = copy.deepcopy(ds)
    out, arr = check.find(ds)
    if out.dropped is not None or arr is None:
        raise PreviewError(f"{path.name}: {out.dropped}")
    masked_png = png(_first_frame(ds, arr))
    if out.boxes:                                    # identifying lines, known regions: blackened
        pixels.mask(original, arr, out.boxes)
        masked_png = png(_first_frame(original, original.pixel_array))
    action = ("masked" if config.action == "mask" else f"the image dropped ({pixels.DROP_REASON}); "
              "shown masked")
    if out.verdict == pixels.IDENTIFYING:
        what = f"identifying text: {len(out.boxes)} boxes found, {action}"
    elif out.boxes:
        what = f"{len(out.boxes)} known regions blanked; the rest {out.verdict}"
    else:
        what = f"{out.verdict}: {len(out.texts)} lines read, none identifying" if out.texts else "clean: no text"
    note = f"{path.name} ({modality}): {what}."
    if unchecked:
        note += f" {modality} is not among the modalities checked, so a download would not look."
    return Preview(path.name, modality, out.verdict, len(out.boxes), len(out.texts), note,
                   png(_first_frame(ds, arr), out.boxes), masked_png)


def run(path: Path, config: pixels.PixelConfig) -> "Preview | str":
    """`preview_file` for a worker thread: the Preview, or the sentence saying why there is none
    (returned, not raised, so the file's name, which may name a patient, stays out of the log)."""
    try:
        return preview_file(path, config)
    except PreviewError as e:
        return str(e)


def project_image(images_dir: Path, modalities: tuple[str, ...]) -> Path | None:
    """The first de-identified image under images/ of one of `modalities` (None: none there)."""
    from pydicom import dcmread
    for n, path in enumerate(sorted(Path(images_dir).rglob("*.dcm"))):
        if n >= MAX_LOOKED_AT:
            break
        try:
            ds = dcmread(path, stop_before_pixels=True)
        except Exception:  # noqa: BLE001 - an unreadable file is simply not the one shown
            continue
        if pixels.element_text(ds, "Modality").strip().upper() in modalities:
            return path
    return None
