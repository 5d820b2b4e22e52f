#!/usr/bin/env python3
"""What the pixel checks cost, against references measured in the same run.

    python3 bench/bench_pixels.py [--images 6] [--study 24]

1. ms per image of the check (OCR, judgement, mask) for a 512×512 US and a 2,000×2,500 CR with
   burned-in text, and for a 512×512 CT (not at risk: prepare returns at once), each as a ratio
   to de-identifying the same image (mid.anonymizer) without the check.
2. A mixed study (US, CR, CT, MR) stored through mid.store.ImageStore into a project, with the
   pixel checks on and off, in the same run: throughput as the ratio on/off, and the same ratio
   for the CT and MR images alone (target: 1.0, they cost nothing extra).
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def _image(modality: str, rows: int, cols: int, seed: int):
    import pixel_corpus as pc
    texts = [] if modality in ("CT", "MR") else [("FAKE^ALICE", 24, True), ("04/10/2023", 20, True), ("L", 20, False)]
    return pc.burned(modality, texts, rgb=modality == "US", light=False, rows=rows, cols=cols, seed=seed).ds


def per_image(n: int) -> None:
    from mid import anonymizer, pixels
    anon = anonymizer.Anonymizer()
    cfg = pixels.PixelConfig()
    pixels.PixelCheck.prepare(cfg, _image("US", 64, 64, 0)).apply(_image("US", 64, 64, 0))   # loads the engine
    for label, modality, rows, cols in (("US 512x512", "US", 512, 512), ("CR 2000x2500", "CR", 2500, 2000),
                                        ("CT 512x512", "CT", 512, 512)):
        base = _image(modality, rows, cols, 1)
        check_ms, deid_ms = [], []
        for _ in range(n):
            ds = copy.deepcopy(base)
            t0 = time.perf_counter()
            anon.anonymize(ds)
            deid_ms.append((time.perf_counter() - t0) * 1000)
            ds = copy.deepcopy(base)
            t0 = time.perf_counter()
            check = pixels.PixelCheck.prepare(cfg, ds)
            if check is not None:
                check.apply(ds)
            check_ms.append((time.perf_counter() - t0) * 1000)
        c, d = statistics.median(check_ms), statistics.median(deid_ms)
        print(f"{label:14s} pixel check {c:9.1f} ms/image   de-identification {d:7.2f} ms/image   "
              f"ratio check/de-id {c / d:8.1f}")


def mixed_study(n: int) -> None:
    from pydicom import dcmread  # noqa: F401  (warm import)
    from mid import settings as settings_mod, store, synthdata
    from mid.project import Project
    kinds = [("US", 512, 512), ("CR", 2500, 2000), ("CT", 512, 512), ("MR", 256, 256)]
    images = []
    for i in range(n):
        m, r, c = kinds[i % len(kinds)]
        ds = _image(m, r, c, i)
        ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.1"
        ds.SeriesInstanceUID = f"1.2.826.0.1.3680043.8.498.1.{i % len(kinds) + 1}"
        ds.InstanceNumber = i + 1
        images.append((m, synthdata.to_bytes(ds)))
    results: dict[tuple[bool, str], float] = {}
    for checks in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "config"
            cfg.mkdir()
            (cfg / "user_defaults.json").write_text(f'{{"pixel_checks": {str(checks).lower()}}}')
            settings = settings_mod.load_settings(cfg)
            from io import BytesIO
            with Project.create(Path(tmp) / "p") as proj:
                st = store.ImageStore(proj, store.make_anonymizer(settings, proj))
                for m, data in images:
                    ds = dcmread(BytesIO(data))
                    store._ensure_series(proj, ds, {})
                    t0 = time.perf_counter()
                    st.store(ds, "0001", received=store._given(data))
                    key = (checks, "CT/MR" if m in ("CT", "MR") else "at risk")
                    results[key] = results.get(key, 0.0) + time.perf_counter() - t0
                st.close()
    total = {c: results[(c, "at risk")] + results[(c, "CT/MR")] for c in (False, True)}
    print(f"mixed study of {n} images (US, CR, CT, MR): {n / total[False]:.1f} images/s with pixel checks off, "
          f"{n / total[True]:.1f} images/s on; throughput ratio on/off {total[False] / total[True]:.3f}")
    print(f"  CT and MR images alone: time ratio on/off {results[(True, 'CT/MR')] / results[(False, 'CT/MR')]:.2f} "
          f"(1.0 = no extra cost)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=6, help="repeats per image size")
    ap.add_argument("--study", type=int, default=24, help="images in the mixed study")
    args = ap.parse_args()
    per_image(args.images)
    mixed_study(args.study)


if __name__ == "__main__":
    main()
