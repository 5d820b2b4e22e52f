"""The OCR engine that reads text burned into pixels: RapidOCR (PP-OCRv6 small, ONNX, CPU).

An image of up to DET_TILE pixels a side (a 512×512 US) is read in one pass at its own size.
A larger one (a 2,000×2,500 CR) is read in two steps: the detector looks at it (a copy scaled
by DET_SCALE; 1, its own size) in the fewest equal tiles of at most DET_TILE pixels that overlap
by TILE_OVERLAP, skipping flat tiles (no contrast: no text can be seen there); the lines found
are joined across tile edges, and each is read at the original resolution. The tiles are what
makes 12-pixel text found (tests/test_pixels.py): on the whole 2,500-row image the detector
missed most 12-20 px lines, even at the image's own size, and found them all in tiles.

The models ship inside the `rapidocr` wheel (rapidocr/models/*.onnx); the engine is built with
their paths given explicitly, so it never looks for a model elsewhere and never downloads one
(a missing file is an `OcrUnavailable`, not a fetch). Built lazily, once per process (the
receiving process and each writer worker process), on first use; calls are serialised by a
lock, so threads share one engine without oversubscribing the cores. What the engine reads
is returned to the caller only: nothing here logs a text it read.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("mid.pixels")

#: the model files the engine uses, inside the rapidocr package's models/ folder
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
#: the engine's own limit on the side it detects on (tiles and small images stay under it)
DET_MAX_SIDE = 2048
#: an image larger than this on a side is detected in tiles of this size, on a scaled copy
DET_TILE = 1024
#: the scale of that copy. Measured on tests/pixel_corpus.py's 2,500×2,000 CR with 12-28 px
#: lines, some across a tile edge: at 0.6 a third of the 12-16 px lines were missed, at 0.75 one
#: 12 px date, at 0.85 none (a thin margin); so the detector sees the image at its own size
DET_SCALE = 1.0
#: pixels (of the scaled copy) two neighbouring tiles share: more than a glyph is wide
TILE_OVERLAP = 64
#: a tile whose grey levels span fewer than this (of 255) holds nothing readable and is skipped
FLAT_RANGE = 8
#: lines read with a lower confidence are taken as noise (the engine's own default)
TEXT_SCORE = 0.5

_engine: list[Any] = []
_lock = threading.Lock()


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be loaded (package or model file missing): text cannot be looked for."""


@dataclass(frozen=True)
class Found:
    """One line of text found: its box in pixels (left, top, right, bottom), text and score."""
    box: tuple[int, int, int, int]
    text: str
    score: float


def model_dir() -> Path:
    """The rapidocr package's models/ folder (raises OcrUnavailable when the package is missing)."""
    try:
        import rapidocr
    except ImportError as e:
        raise OcrUnavailable(f"the OCR package rapidocr is not installed ({e}); "
                             f"install the requirements (pip install -r requirements.txt)") from e
    return Path(rapidocr.__file__).resolve().parent / "models"


def _build() -> Any:
    folder = model_dir()
    missing = [name for name in (DET_MODEL, REC_MODEL) if not (folder / name).is_file()]
    if missing:
        raise OcrUnavailable(f"the OCR model files {', '.join(missing)} are missing from {folder}; "
                             f"reinstall rapidocr (pip install --force-reinstall -r requirements.txt)")
    from rapidocr import RapidOCR
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)      # "no text found" is no warning
    params = {
        "Global.use_cls": False, "Global.log_level": "warning", "Global.model_root_dir": str(folder),
        "Global.max_side_len": DET_MAX_SIDE, "Global.min_side_len": 32,
        "Det.model_path": str(folder / DET_MODEL), "Rec.model_path": str(folder / REC_MODEL),
        "Det.limit_type": "max", "Det.limit_side_len": DET_MAX_SIDE,
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    try:
        eng = RapidOCR(params=params)
    except Exception as e:  # noqa: BLE001 - whatever the engine raises, it cannot run here
        raise OcrUnavailable(f"the OCR engine could not start ({type(e).__name__}: {e})") from e
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)      # set again: the engine set its own level
    return eng


def engine() -> Any:
    """The process's engine, built on first use."""
    with _lock:
        if not _engine:
            _engine.append(_build())
        return _engine[0]


def read(rgb: Any) -> list[Found]:
    """The lines of text in an 8-bit RGB image (numpy array, rows × columns × 3)."""
    rows, cols = rgb.shape[:2]
    if max(rows, cols) <= DET_TILE:
        return _read_whole(rgb)
    return _read_tiled(rgb)


def _read_whole(rgb: Any) -> list[Found]:
    eng = engine()
    with _lock:
        out = eng(rgb, use_det=True, use_cls=False, use_rec=True)
    boxes, txts, scores = getattr(out, "boxes", None), getattr(out, "txts", None), getattr(out, "scores", None)
    if boxes is None or txts is None:
        return []
    found = []
    for quad, text, score in zip(boxes, txts, scores or [1.0] * len(txts)):
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        found.append(Found((int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1), str(text), float(score)))
    return found


def tiles(rows: int, cols: int, size: int = DET_TILE, overlap: int = TILE_OVERLAP) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right) of the fewest tiles of at most `size` that cover rows × columns,
    of equal size, each sharing at least `overlap` pixels with its neighbours."""
    def spans(n: int) -> list[tuple[int, int]]:
        if n <= size:
            return [(0, n)]
        k = -(-(n - overlap) // (size - overlap))               # tiles needed along this side
        length = -(-(n + (k - 1) * overlap) // k)
        starts = [round(i * (n - length) / (k - 1)) for i in range(k)]
        return [(s, s + length) for s in starts]
    return [(t, left, b, r) for t, b in spans(rows) for left, r in spans(cols)]


def merge_boxes(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes that overlap, or touch on the same line (pieces of one line found in two tiles),
    joined into one, until no two are left to join."""
    out = [list(b) for b in boxes]
    joined = True
    while joined:
        joined = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = out[i], out[j]
                height = min(a[3] - a[1], b[3] - b[1])
                v_overlap = min(a[3], b[3]) - max(a[1], b[1])
                gap = max(a[0], b[0]) - min(a[2], b[2])
                if v_overlap > 0.5 * height and gap <= 0.3 * height:
                    out[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del out[j]
                    joined = True
                    break
            if joined:
                break
    return [(b[0], b[1], b[2], b[3]) for b in out]


def flat(part: Any) -> bool:
    """True when no channel of an 8-bit RGB tile spans FLAT_RANGE levels: no text can be seen in it
    (every channel: blue text on black shows in the blue one only)."""
    import numpy as np
    values = part.reshape(-1, part.shape[-1]) if part.ndim == 3 else part.reshape(-1, 1)
    return bool((np.ptp(values, axis=0) < FLAT_RANGE).all())


def _read_tiled(rgb: Any) -> list[Found]:
    """Detection in tiles of a scaled copy, then each line read at the original resolution."""
    import cv2
    import numpy as np
    rows, cols = rgb.shape[:2]
    small = rgb if DET_SCALE == 1 else cv2.resize(
        rgb, (max(1, round(cols * DET_SCALE)), max(1, round(rows * DET_SCALE))), interpolation=cv2.INTER_AREA)
    eng = engine()
    found: list[tuple[int, int, int, int]] = []
    for top, left, bottom, right in tiles(*small.shape[:2]):
        if flat(small[top:bottom, left:right]):
            continue
        with _lock:
            det = eng(np.ascontiguousarray(small[top:bottom, left:right]), use_det=True, use_cls=False,
                      use_rec=False)
        quads = getattr(det, "boxes", None)
        for quad in quads if quads is not None else ():
            xs = [(float(p[0]) + left) / DET_SCALE for p in quad]
            ys = [(float(p[1]) + top) / DET_SCALE for p in quad]
            found.append((int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1))
    lines = []
    for x0, y0, x1, y1 in merge_boxes(found):
        pad = max(2, (y1 - y0) // 6)
        box = (max(0, x0 - pad), max(0, y0 - pad), min(cols, x1 + pad), min(rows, y1 + pad))
        crop = np.ascontiguousarray(rgb[box[1]:box[3], box[0]:box[2]])
        with _lock:
            rec = eng(crop, use_det=False, use_cls=False, use_rec=True)
        txts, scores = getattr(rec, "txts", None) or (), getattr(rec, "scores", None) or ()
        for text, score in zip(txts, scores):
            if str(text).strip() and float(score) >= TEXT_SCORE:
                lines.append(Found(box, str(text), float(score)))
    return lines
