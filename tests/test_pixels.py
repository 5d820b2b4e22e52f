"""Text burned into pixels (mid.pixels, mid.pixel_ocr): found, judged, masked or dropped.

The images are tests/pixel_corpus.py's: a fake patient's name, MRN and dates drawn with
Pillow's bundled font at several sizes, on dark and light fields, 8-bit RGB and 16-bit grey,
for every modality at risk, plus images with only safe text. The OCR is the real engine.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEGBaseline8Bit, RLELossless

import pixel_corpus as pc
from mid import logsetup, pixel_ocr, pixels, store
from mid import settings as settings_mod
from mid.project import Project

DCIODVFY = "/usr/bin/dciodvfy"
CONFIG = pixels.PixelConfig()


def _black(ds: pydicom.Dataset) -> np.ndarray:
    arr = ds.pixel_array
    return (arr == 0).all(-1) if arr.ndim == 3 else arr == 0


def test_planted_names_ids_and_dates_are_found_and_safe_text_is_kept(capsys):
    """Targets: 100 % of identifying texts at >= 12 px masked; >= 95 % of safe-only images unmasked."""
    found = total = 0
    missed = []
    safe_masked_in_mixed = 0
    for b in pc.identifying_set(pixels.AT_RISK):
        check = pixels.PixelCheck.prepare(CONFIG, b.ds)
        assert check is not None, b.ds.Modality
        out = check.apply(b.ds)
        black = _black(b.ds)
        assert out.verdict == pixels.IDENTIFYING
        for p in b.planted:
            covered = black[p.mask].mean()
            if p.identifying:
                total += 1
                found += covered > 0.98
                if covered <= 0.98:
                    missed.append(f"{p.text!r} {p.size}px {b.ds.Modality} {b.ds.PhotometricInterpretation}")
            else:
                safe_masked_in_mixed += covered > 0.5
    safe = pc.safe_set(pixels.AT_RISK)
    unmasked = 0
    for b in safe:
        before = b.ds.pixel_array.copy()
        out = pixels.PixelCheck.prepare(CONFIG, b.ds).apply(b.ds)
        unmasked += not out.boxes and np.array_equal(before, b.ds.pixel_array)
    with capsys.disabled():
        print(f"\npixel checks: {found}/{total} planted identifying texts found ({100 * found / total:.0f} %); "
              f"{unmasked}/{len(safe)} safe-only images unmasked ({100 * unmasked / len(safe):.0f} %); "
              f"{safe_masked_in_mixed} safe texts masked beside identifying ones")
    assert total == 120 and found == total, missed
    assert unmasked / len(safe) >= 0.95


def test_a_large_cr_is_read_in_tiles_and_12_px_text_is_masked_even_across_a_tile_edge(capsys):
    """A 2,500×2,000 CR is detected in tiles of a scaled copy (pixel_ocr.DET_SCALE): planted
    texts of 12 to 20 px, some drawn across the edge between two tiles, are all masked."""
    rows, cols = 2500, 2000
    edges = pixel_ocr.tiles(round(rows * pixel_ocr.DET_SCALE), round(cols * pixel_ocr.DET_SCALE))
    assert len(edges) > 1
    edge_x = round(edges[1][1] / pixel_ocr.DET_SCALE)            # the second tile's left edge, full size
    cases = [(12, True, False, (16, 12)), (12, False, True, (edge_x - 60, 900)),
             (16, False, False, (cols - 400, rows - 150)), (20, True, True, (edge_x - 90, 40))]
    found = total = 0
    missed = []
    for size, rgb, light, origin in cases:
        texts = [("FAKE^ALICE", size, True), ("MRN FK0012345", size, True), ("04/10/2023", size, True)]
        b = pc.burned("CR", texts, rgb=rgb, light=light, rows=rows, cols=cols, seed=size, origin=origin)
        out = pixels.PixelCheck.prepare(CONFIG, b.ds).apply(b.ds)
        black = _black(b.ds)
        for p in b.planted:
            total += 1
            found += black[p.mask].mean() > 0.98
            if black[p.mask].mean() <= 0.98:
                missed.append(f"{p.text!r} {size}px at {origin}: read {out.texts}")
    with capsys.disabled():
        print(f"\nlarge CR: {found}/{total} planted texts masked")
    assert found == total, missed


def test_tiles_cover_the_image_with_overlap_and_lines_cut_by_an_edge_are_joined():
    for rows, cols in ((1875, 1500), (1025, 800), (600, 3000)):
        got = pixel_ocr.tiles(rows, cols)
        covered = np.zeros((rows, cols), bool)
        for top, left, bottom, right in got:
            assert bottom - top <= pixel_ocr.DET_TILE and right - left <= pixel_ocr.DET_TILE
            covered[top:bottom, left:right] = True
        assert covered.all()
        lefts = sorted({t[1] for t in got})
        rights = sorted({t[3] for t in got})
        assert all(r - next_left >= pixel_ocr.TILE_OVERLAP for r, next_left in zip(rights, lefts[1:]))
    # the two halves of one line, found in two tiles, become one box; a line below stays apart
    assert pixel_ocr.merge_boxes([(100, 50, 300, 70), (290, 51, 420, 71), (100, 120, 200, 140)]) == \
        [(100, 50, 420, 71), (100, 120, 200, 140)]
    assert pixel_ocr.merge_boxes([(0, 0, 50, 20), (200, 0, 250, 20)]) == [(0, 0, 50, 20), (200, 0, 250, 20)]
    # a tile is skipped only when no channel has contrast: blue text on black is looked at
    tile = np.zeros((64, 64, 3), np.uint8) + 3
    assert pixel_ocr.flat(tile)
    tile[20:30, 10:40, 2] = 255
    assert not pixel_ocr.flat(tile)


@pytest.mark.parametrize("text", ["FAKE^ALICE", "Name: A. Smith", "MRN 55", "DOB", "04/10/2023", "10:22:03",
                                  "12-MAR-1970", "FK0012345", "1234567", "NOWHERE GENERAL"])
def test_identifying_lines(text):
    ids = pixels.identifiers(pc.burned("US", [], rgb=True, light=False, rows=64, cols=64).ds)
    assert pixels.is_identifying(text, ids)


@pytest.mark.parametrize("text", ["L", "R", "5 cm", "C5-1", "12 MHz", "GAIN 50", "LIVER", "TIB", "L5", "3.2 cm"])
def test_safe_lines(text):
    ids = pixels.identifiers(pc.burned("US", [], rgb=True, light=False, rows=64, cols=64).ds)
    assert not pixels.is_identifying(text, ids)


def test_ct_and_mr_are_not_checked_and_modalities_are_configurable():
    for m in ("CT", "MR"):
        assert pixels.PixelCheck.prepare(CONFIG, pc.burned(m, [], rgb=False, light=False, rows=32, cols=32).ds) is None
    us = pc.burned("US", [], rgb=False, light=False, rows=32, cols=32).ds
    assert pixels.PixelCheck.prepare(pixels.PixelConfig(modalities=("CR",)), us) is None
    assert pixels.PixelCheck.prepare(pixels.PixelConfig(enabled=False), us) is None


def test_frames_read_of_small_and_large_multiframe_objects():
    assert pixels.frames_to_read(1) == [0]
    assert pixels.frames_to_read(8) == list(range(8))
    assert pixels.frames_to_read(40) == [0, 20, 39]


def test_a_multiframe_cine_is_masked_in_every_frame():
    b = pc.burned("US", [("FAKE^ALICE", 16, True)], rgb=True, light=False, frames=12, rows=256, cols=256)
    out = pixels.PixelCheck.prepare(CONFIG, b.ds).apply(b.ds)
    assert out.masked
    arr = b.ds.pixel_array
    for f in range(12):
        assert (arr[f][b.planted[0].mask] == 0).all(), f


def test_known_regions_are_blanked_before_the_ocr():
    b = pc.burned("US", [("5 cm", 16, False)], rgb=False, light=False, rows=256, cols=256)
    region = pixels.Region("acme", "sono", "US", ((0, 0, -1, 40),))
    out = pixels.PixelCheck.prepare(pixels.PixelConfig(regions=(region,)), b.ds).apply(b.ds)
    arr = b.ds.pixel_array
    assert (arr[:40] == 0).all() and (arr[40:] != 0).any()
    assert out.boxes[0] == (0, 0, 256, 40)
    other = pc.burned("US", [], rgb=False, light=False, rows=64, cols=64).ds
    other.Manufacturer = "OTHER"
    assert not region.matches(other)


def test_pixel_regions_file_is_read_and_bad_entries_are_reported(tmp_path):
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "pixel_regions.json").write_text(json.dumps({"regions": [
        {"manufacturer": "ACME", "model": "SONO", "modality": "US", "boxes": [[0, 0, -1, 60]]},
        {"manufacturer": "ACME", "boxes": [[1, 2, 3]]}]}))
    s = settings_mod.load_settings(cfg)
    assert [r.manufacturer for r in s.pixel_regions] == ["ACME"]
    assert any("region 2" in str(n) for n in s.notices)
    assert pixels.PixelConfig.from_settings(s).regions == s.pixel_regions


def test_compressed_pixel_data_is_masked_and_encoded_again_when_lossless():
    b = pc.burned("US", [("FAKE^ALICE", 20, True)], rgb=False, light=False, rows=256, cols=256)
    b.ds.compress(RLELossless)
    note = pixels.PixelCheck.prepare(CONFIG, b.ds).apply(b.ds).note
    assert note is None and b.ds.file_meta.TransferSyntaxUID == RLELossless
    assert (b.ds.pixel_array[b.planted[0].mask] == 0).all()


def test_lossy_pixel_data_is_written_uncompressed_and_says_so():
    b = pc.burned("US", [("FAKE^ALICE", 20, True)], rgb=True, light=False, rows=256, cols=256)
    from io import BytesIO
    from PIL import Image
    buf = BytesIO()
    Image.fromarray(b.ds.pixel_array).save(buf, "JPEG", quality=95)
    b.ds.PixelData = pydicom.encaps.encapsulate([buf.getvalue()])
    b.ds.PhotometricInterpretation = "YBR_FULL_422"
    b.ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    out = pixels.PixelCheck.prepare(CONFIG, b.ds).apply(b.ds)
    assert out.masked and "written uncompressed" in (out.note or "")
    assert not b.ds.file_meta.TransferSyntaxUID.is_compressed
    assert (b.ds.pixel_array[b.planted[0].mask] == 0).all()


def test_undecodable_pixel_data_drops_the_image_with_the_reason():
    b = pc.burned("US", [], rgb=False, light=False, rows=64, cols=64)
    b.ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"      # MPEG2: no decoder here
    b.ds.PixelData = pydicom.encaps.encapsulate([b"not an mpeg stream"])
    out = pixels.PixelCheck.prepare(CONFIG, b.ds).apply(b.ds)
    assert out.dropped and "could not be looked for" in out.dropped


def test_the_ocr_never_touches_the_network(tmp_path):
    """The engine loads its models from the wheel and reads text with every socket refused."""
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network refused by the test')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
        "import numpy as np\nfrom PIL import Image, ImageDraw, ImageFont\n"
        "img = Image.new('RGB', (256, 64)); ImageDraw.Draw(img).text((8, 8), 'FAKE ALICE', fill=(255, 255, 255),"
        " font=ImageFont.load_default(size=20))\n"
        "from mid import pixel_ocr\nprint([f.text for f in pixel_ocr.read(np.asarray(img))])\n")
    before = sorted(p.name for p in pixel_ocr.model_dir().iterdir())
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parent.parent, env={"HOME": str(tmp_path), "PATH": "/usr/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "FAKE ALICE" in out.stdout
    assert sorted(p.name for p in pixel_ocr.model_dir().iterdir()) == before


# ------------------------------------------------------------------- through the one write path
def _settings(tmp_path: Path, **defaults) -> settings_mod.Settings:
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    (cfg / "user_defaults.json").write_text(json.dumps(defaults))
    return settings_mod.load_settings(cfg)


class _AppSide(logging.Handler):
    """What the application log would keep: every record but those marked PHI."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(logsetup.NoPHIFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _errors(path: Path) -> set[str]:
    out = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True)
    return {line.split(" - ", 1)[-1].strip() for line in (out.stdout + out.stderr).splitlines()
            if line.startswith("Error")}


def test_anonymize_masks_on_disk_and_the_output_rereads_black_under_the_boxes(tmp_path):
    b = pc.burned("US", [("FAKE^ALICE", 16, True), ("MRN FK0012345", 20, True), ("5 cm", 16, False)],
                  rgb=False, light=True, rows=384, cols=384)
    original = b.ds.pixel_array.copy()
    src = tmp_path / "in"
    src.mkdir()
    b.ds.save_as(src / "us.dcm", enforce_file_format=True)
    results = {}
    app_side = _AppSide()
    logging.getLogger("mid").addHandler(app_side)
    for name, checks in (("plain", False), ("masked", True)):
        with Project.create(tmp_path / name) as proj:
            handler = logsetup.attach_project_log(proj.private_dir)
            try:
                summary = store.anonymize_files(_settings(tmp_path / name, pixel_checks=checks), proj, src)
            finally:
                logsetup.detach_project_log(handler)
                logging.getLogger("mid").removeHandler(app_side)
            assert summary.written == 1, summary.problems
            results[name] = next((tmp_path / name / "images").rglob("*.dcm"))
            log_text = "".join(p.read_text() for p in (tmp_path / name / "private").rglob("*.log"))
            if checks:
                assert "FAKE^ALICE" in log_text          # what was read goes to the project log only
    assert app_side.lines and not [line for line in app_side.lines if "ALICE" in line]
    out = pydicom.dcmread(results["masked"])
    arr = out.pixel_array
    boxes = np.zeros(arr.shape, bool)
    for p in b.planted[:2]:
        ys, xs = np.nonzero(p.mask)
        boxes[max(0, ys.min() - 24):ys.max() + 25, max(0, xs.min() - 24):xs.max() + 25] = True
    for p in b.planted[:2]:
        assert (arr[p.mask] == 0).all(), p.text
    changed = arr != original
    assert (arr[changed] == 0).all(), "masked pixels are black"
    assert not (changed & ~boxes).any(), "pixels away from the identifying texts changed"
    assert not changed[b.planted[2].mask].any(), "the safe text is kept"
    assert out.BurnedInAnnotation == "NO"
    assert "113101" in [item.CodeValue for item in out.DeidentificationMethodCodeSequence]
    assert np.array_equal(pydicom.dcmread(results["plain"]).pixel_array, original)
    assert _errors(results["masked"]) <= _errors(results["plain"])


def test_drop_action_records_the_image_ignored_with_the_reason(tmp_path):
    b = pc.burned("XA", [("FAKE^ALICE", 16, True)], rgb=False, light=False, rows=256, cols=256)
    src = tmp_path / "in"
    src.mkdir()
    b.ds.save_as(src / "xa.dcm", enforce_file_format=True)
    with Project.create(tmp_path / "p") as proj:
        summary = store.anonymize_files(_settings(tmp_path, pixel_action="drop"), proj, src)
        assert summary.ignored == 1 and summary.written == 0
        reasons = [r[0] for r in proj._rows("SELECT reason FROM instances")]
    assert reasons == [pixels.DROP_REASON]
    assert not list((tmp_path / "p" / "images").rglob("*.dcm"))


def test_the_anonymize_command_takes_pixels_drop_and_describes_the_checks(monkeypatch, tmp_path, capsys):
    from test_cli import run_main
    b = pc.burned("CR", [("Name: FAKE, ALICE", 20, True)], rgb=False, light=False, rows=256, cols=256)
    src = tmp_path / "in"
    src.mkdir()
    b.ds.save_as(src / "cr.dcm", enforce_file_format=True)
    cfg = tmp_path / "c"
    cfg.mkdir()
    assert run_main(monkeypatch, cfg, "anonymize", str(src), "--project", str(tmp_path / "p"), "--pixels", "drop") == 0
    assert "0 written, 1 dropped" in capsys.readouterr().out
    assert run_main(monkeypatch, cfg, "anonymize", "--describe", "--pixels", "off") == 0
    assert "Pixel checks: off" in capsys.readouterr().out


@pytest.mark.peers
def test_a_download_of_an_ultrasound_series_leaves_no_name_in_any_pixel(monkeypatch, tmp_path, orthanc_factory):
    from test_cli import mrn_sheet, run_main
    from test_engine import peer_entry, write_config
    from mid.vocab import ExitCode
    server = orthanc_factory()
    series = [pc.burned("US", [("FAKE^ALICE", 12 + 4 * i, True), ("L", 16, False)], rgb=i % 2 == 0,
                        light=False, rows=320, cols=320, seed=i).ds for i in range(3)]
    for i, ds in enumerate(series):
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.InstanceNumber = series[0].StudyInstanceUID, \
            series[0].SeriesInstanceUID, i + 1
    server.upload(series)
    cfg = write_config(tmp_path / "c", server.self_port, {"ORTHANC": peer_entry(server)}, workers=2)
    proj = tmp_path / "P"
    code = run_main(monkeypatch, cfg, "download", str(mrn_sheet(tmp_path / "s.csv", ["FK0012345"])),
                    "--source", "ORTHANC", "--project", str(proj))
    assert code == ExitCode.OK
    files = sorted((proj / "images").rglob("*.dcm"))
    assert len(files) == 3
    for f in files:
        ds = pydicom.dcmread(f)
        assert ds.BurnedInAnnotation == "NO"
        rgb = pixels.to_rgb8(ds.pixel_array, str(ds.PhotometricInterpretation))
        read = " ".join(x.text for x in pixel_ocr.read(rgb)).upper()
        assert "FAKE" not in read and "ALICE" not in read, read


def test_the_preview_says_why_a_file_cannot_be_shown_and_notes_a_modality_not_checked(tmp_path):
    from mid import pixel_preview
    junk = tmp_path / "notes.txt"
    junk.write_text("not an image")
    said = pixel_preview.run(junk, CONFIG)
    assert isinstance(said, str) and "notes.txt" in said and "DICOM" in said
    b = pc.burned("CT", [("FAKE^ALICE", 20, True)], rgb=False, light=False, rows=256, cols=256)
    path = tmp_path / "ct.dcm"
    b.ds.save_as(path, enforce_file_format=True)
    p = pixel_preview.run(path, CONFIG)
    assert isinstance(p, pixel_preview.Preview), p
    assert p.verdict == pixels.IDENTIFYING and p.boxes == 1
    assert "CT is not among the modalities checked" in p.note
    assert p.original_png.startswith(b"\x89PNG") and p.masked_png != p.original_png
    assert pydicom.dcmread(path).pixel_array.max() > 0 and np.array_equal(pydicom.dcmread(path).pixel_array,
                                                                          b.ds.pixel_array)   # file untouched
