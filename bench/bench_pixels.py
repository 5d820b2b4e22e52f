#!/usr/bin/env python3
"""What the pixel checks cost, against references measured in the same run.

    python3 bench/bench_pixels.py [--images 6] [--study 24] [--rounds 3]

1. ms per image of the check (OCR, judgement, mask) for a 512×512 US and a 2,000×2,500 CR with
   burned-in text, and for a 512×512 CT (not at risk: prepare returns at once), each as a ratio
   to de-identifying the same image (mid.anonymizer) without the check.
2. A mixed study (US, CR, CT, MR) stored through mid.store.ImageStore into a project, with the
   pixel checks off and on, image by image in turn, `--rounds` times (medians): throughput as
   the ratio on/off.
3. A study of CT and MR only, stored the same way (at least 5 rounds): the ratio on/off of the
   median run and of the median ms/image (target: 1.0, they cost nothing extra).
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
        if modality == "CR":
            whole_vs_tiles(base, n)


def whole_vs_tiles(ds, n: int) -> None:
    """The large image read in tiles (what the check does) against one pass over the whole image
    (what it did before: faster, but blind to most 12-20 px lines on a 2,500-row image)."""
    from mid import pixel_ocr, pixels
    rgb = pixels.to_rgb8(ds.pixel_array, str(ds.PhotometricInterpretation))
    ms: dict[str, list[float]] = {"tiles": [], "whole": []}
    lines: dict[str, int] = {}
    for _ in range(n):
        for name, fn in (("tiles", pixel_ocr.read), ("whole", pixel_ocr._read_whole)):
            t0 = time.perf_counter()
            lines[name] = len(fn(rgb))
            ms[name].append((time.perf_counter() - t0) * 1000)
    t, w = statistics.median(ms["tiles"]), statistics.median(ms["whole"])
    print(f"  CR OCR in tiles {t:9.1f} ms ({lines['tiles']} lines)   one whole-image pass {w:9.1f} ms "
          f"({lines['whole']} lines)   ratio tiles/whole {t / w:5.2f}")


class _Side:
    """One fresh project with the pixel checks on or off, and its ImageStore."""

    def __init__(self, tmp: Path, checks: bool):
        from mid import settings as settings_mod, store
        from mid.project import Project
        cfg = tmp / f"config-{checks}"
        cfg.mkdir()
        (cfg / "user_defaults.json").write_text(f'{{"pixel_checks": {str(checks).lower()}}}')
        self.project = Project.create(tmp / f"p-{checks}")
        self.store = store.ImageStore(self.project, store.make_anonymizer(settings_mod.load_settings(cfg),
                                                                          self.project))

    def time(self, data: bytes) -> float:
        from io import BytesIO

        from pydicom import dcmread
        from mid import store
        ds = dcmread(BytesIO(data))
        store._ensure_series(self.project, ds, {})
        t0 = time.perf_counter()
        self.store.store(ds, "0001", received=store._given(data))
        return time.perf_counter() - t0

    def close(self) -> None:
        self.store.close()
        self.project.close()


def _study(n: int, kinds: list[tuple[str, int, int]]) -> list[tuple[str, bytes]]:
    from mid import synthdata
    images = []
    for i in range(n):
        m, r, c = kinds[i % len(kinds)]
        ds = _image(m, r, c, i)
        ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.1"
        ds.SeriesInstanceUID = f"1.2.826.0.1.3680043.8.498.1.{i % len(kinds) + 1}"
        ds.InstanceNumber = i + 1
        images.append((m, synthdata.to_bytes(ds)))
    return images


def _on_off(images: list, rounds: int) -> tuple[dict[bool, list[float]], dict[bool, list[float]], list[float]]:
    """Each image stored with the checks off and on, one right after the other (off first for
    every other image and round), into two fresh projects per round, so load that comes and goes
    falls on both alike; a first round warms up and is not counted. The total seconds of each
    round, the seconds of every CT and MR image, by checks on/off, and for each CT and MR image
    the ratio on/off of its two times (taken moments apart: the figure least moved by load)."""
    totals: dict[bool, list[float]] = {False: [], True: []}
    ct_mr: dict[bool, list[float]] = {False: [], True: []}
    pairs: list[float] = []
    for k in range(rounds + 1):
        with tempfile.TemporaryDirectory() as tmp:
            sides = {c: _Side(Path(tmp), c) for c in (False, True)}
            spent = {False: 0.0, True: 0.0}
            for i, (m, data) in enumerate(images):
                pair = {}
                for checks in ((False, True) if (i + k) % 2 == 0 else (True, False)):
                    pair[checks] = sides[checks].time(data)
                    spent[checks] += pair[checks]
                    if k and m in ("CT", "MR"):
                        ct_mr[checks].append(pair[checks])
                if k and m in ("CT", "MR"):
                    pairs.append(pair[True] / pair[False])
            for side in sides.values():
                side.close()
        if k:
            for c in (False, True):
                totals[c].append(spent[c])
    return totals, ct_mr, pairs


def mixed_study(n: int, rounds: int) -> None:
    mixed = [("US", 512, 512), ("CR", 2500, 2000), ("CT", 512, 512), ("MR", 256, 256)]
    totals, inside, _ = _on_off(_study(n, mixed), rounds)
    off, on = statistics.median(totals[False]), statistics.median(totals[True])
    print(f"mixed study of {n} images (US, CR, CT, MR), median of {rounds} runs each: {n / off:.1f} images/s "
          f"with pixel checks off, {n / on:.2f} images/s on; throughput ratio on/off {off / on:.3f}")
    print(f"  its CT and MR images, median ms/image: off "
          f"{statistics.median(inside[False]) * 1000:.2f}, on {statistics.median(inside[True]) * 1000:.2f}")
    totals, ct_mr, pairs = _on_off(_study(max(n, 24), [("CT", 512, 512), ("MR", 256, 256)]), max(rounds, 5))
    off, on = statistics.median(totals[False]), statistics.median(totals[True])
    per_off, per_on = statistics.median(ct_mr[False]) * 1000, statistics.median(ct_mr[True]) * 1000
    print(f"CT/MR-only study of {max(n, 24)} images, {max(rounds, 5)} rounds: median ratio on/off of each image's "
          f"two times {statistics.median(pairs):.2f} (1.0 = no extra cost); median ms/image off {per_off:.2f}, "
          f"on {per_on:.2f}; median round on/off {on / off:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=6, help="repeats per image size")
    ap.add_argument("--study", type=int, default=24, help="images in the mixed study")
    ap.add_argument("--rounds", type=int, default=3, help="runs of the mixed study with the checks off and on")
    args = ap.parse_args()
    per_image(args.images)
    mixed_study(args.study, args.rounds)


if __name__ == "__main__":
    main()
