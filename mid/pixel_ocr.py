"""The OCR engine that reads text burned into pixels: RapidOCR (PP-OCRv6 small, ONNX, CPU).

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
#: the detector sees the image at its own size up to this many pixels on its longer side (a
#: larger image is scaled down to it): 12-pixel text stays readable on a 2,500-row CR
DET_MAX_SIDE = 2048

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
    eng = engine()
    with _lock:
        out = eng(rgb, use_cls=False)
    boxes, txts, scores = getattr(out, "boxes", None), getattr(out, "txts", None), getattr(out, "scores", None)
    if boxes is None or txts is None:
        return []
    found = []
    for quad, text, score in zip(boxes, txts, scores or [1.0] * len(txts)):
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        found.append(Found((int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1), str(text), float(score)))
    return found
