"""The pixel checks on the Anonymization tab, in a real window (Xvfb): the rules shown and
saved, and the preview of one image (the boxes found, the image as written), run off the
window's thread with the real OCR."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

import pixel_corpus as pc
from mygui import Key
from test_gui import click, last, make_config
import test_gui

gui_env = test_gui.gui_env          # a fixture of test_gui.py, shared

pytestmark = pytest.mark.gui


def _decode(png: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)


def _screenshot(path: Path) -> None:
    """The virtual screen as a PNG (ImageMagick's import), for a person to look at."""
    subprocess.run(["/usr/bin/import", "-window", "root", "-display", os.environ["DISPLAY"], str(path)],
                   check=True, timeout=60)


def test_the_preview_shows_the_boxes_found_on_a_burned_in_ultrasound_and_the_masked_image(tmp_path, gui_env,
                                                                                             free_port):
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    w[Key.TAB_ANON].select()
    assert w[Key.A_PX_ON].get() is True and w[Key.A_PX_ACTION].get() == "mask"
    assert "US" in w[Key.A_PX_MODS].get() and "masked with black boxes" in w[Key.A_PX_RULES].get()
    b = pc.burned("US", [("FAKE^ALICE", 24, True), ("MRN FK0012345", 20, True), ("5 cm", 20, False)],
                  rgb=True, light=False, rows=480, cols=640)
    path = tmp_path / "originals" / "us.dcm"
    path.parent.mkdir()
    b.ds.save_as(path, enforce_file_format=True)
    w[Key.A_PX_PATH].update(str(path))
    click(a, Key.A_PX_PREVIEW)
    turns = []
    # the OCR runs on a worker thread: the loop keeps turning (and the buttons wait) meanwhile
    assert a.run_until(lambda: a.ctx.busy("pixels"), 5)
    assert w[Key.A_PX_PREVIEW].Widget["state"] == "disabled"
    assert "Looking for text" in w[Key.A_PX_STATUS].get()
    assert a.run_until(lambda: turns.append(1) or a.pages.anonymization.preview is not None, 120), \
        w[Key.A_PX_STATUS].get()
    assert len(turns) > 3
    p = a.pages.anonymization.preview
    assert (p.verdict, p.boxes, p.modality) == ("identifying", 2, "US")
    status = w[Key.A_PX_STATUS].get()
    assert "2 boxes found" in status and "masked" in status and "us.dcm" in status
    assert "ALICE" not in status and "FK0012345" not in status          # counts only, no text read
    assert w[Key.A_PX_PREVIEW].Widget["state"] == "normal"
    # both thumbnails are on screen; the masked one is black where the name was, the original is not
    for key in (Key.A_PX_ORIGINAL, Key.A_PX_MASKED):
        widget = w[key].Widget
        assert str(widget.cget("image")), key
        assert widget.winfo_ismapped()
    original, masked = _decode(p.original_png), _decode(p.masked_png)
    assert original.shape == masked.shape and max(original.shape[:2]) == 240
    scale = 240 / 640
    ys, xs = np.nonzero(b.planted[0].mask)
    inside = (slice(int(ys.min() * scale) + 1, int(ys.max() * scale)),
              slice(int(xs.min() * scale) + 1, int(xs.max() * scale)))
    assert masked[inside].max() < 30, "the name is blackened in the image as written"
    assert original[inside].max() > 200, "the original keeps it"
    red = (original[..., 2] > 200) & (original[..., 1] < 60) & (original[..., 0] < 60)
    assert red.sum() > 100, "the boxes found are drawn in red"
    ys5, xs5 = np.nonzero(b.planted[2].mask)                            # "5 cm": safe, kept
    safe = (slice(int(ys5.min() * scale), int(ys5.max() * scale) + 1),
            slice(int(xs5.min() * scale), int(xs5.max() * scale) + 1))
    assert masked[safe].max() > 150
    w.refresh()
    shot = tmp_path / "anonymization_tab.png"
    _screenshot(shot)
    assert shot.stat().st_size > 10_000
    if os.environ.get("MID_SHOTS"):                       # keep it for a person to look at
        Path(os.environ["MID_SHOTS"]).mkdir(parents=True, exist_ok=True)
        shot.replace(Path(os.environ["MID_SHOTS"]) / shot.name)


def test_pixel_options_are_validated_saved_and_a_project_image_is_checked_again(tmp_path, gui_env, free_port):
    from mid import settings as settings_mod, store
    from mid.project import Project
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    w[Key.TAB_ANON].select()
    before = json.loads((cfg / "user_defaults.json").read_text())
    w[Key.A_PX_MODS].update("US, X$")
    w.write_event_value(Key.A_PX_MODS, "")
    assert a.run_until(lambda: "X$" in w[Key.A_PX_RULES].get(), 5)
    click(a, Key.A_SAVE)
    assert a.run_until(lambda: "not saved" in last(a), 5), a.ctx.messages
    assert json.loads((cfg / "user_defaults.json").read_text()) == before
    w[Key.A_PX_MODS].update("us cr, DX")
    w[Key.A_PX_ACTION].update("drop")
    w.write_event_value(Key.A_PX_ACTION, "drop")
    assert a.run_until(lambda: "dropped" in w[Key.A_PX_RULES].get() and "Not saved" in w[Key.A_PX_RULES].get(), 5)
    click(a, Key.A_SAVE)
    assert a.run_until(lambda: a.ctx.settings.defaults.pixel_action == "drop", 5), a.ctx.messages
    saved = json.loads((cfg / "user_defaults.json").read_text())
    assert saved["pixel_action"] == "drop" and saved["pixel_modalities"] == ["US", "CR", "DX"]
    assert saved["pixel_checks"] is True
    assert "US, CR, DX" in w[Key.A_PX_RULES].get() and "Not saved" not in w[Key.A_PX_RULES].get()
    # no project open: said so; then a project whose US image was masked on the way in is clean
    click(a, Key.A_PX_PROJECT)
    assert a.run_until(lambda: "no project is open" in last(a), 5), a.ctx.messages
    w[Key.A_PX_ACTION].update("mask")
    src = tmp_path / "in"
    src.mkdir()
    b = pc.burned("US", [("FAKE^ALICE", 20, True)], rgb=False, light=False, rows=256, cols=320)
    b.ds.save_as(src / "us.dcm", enforce_file_format=True)
    proj = Project.create(tmp_path / "project")
    summary = store.anonymize_files(settings_mod.load_settings(tmp_path / "config"), proj, src)
    assert summary.ignored == 1                 # dropped under the saved "drop" action
    click(a, Key.A_SAVE)                        # mask again, then de-identify it once more
    assert a.run_until(lambda: a.ctx.settings.defaults.pixel_action == "mask", 5), a.ctx.messages
    proj.close()
    other = Project.create(tmp_path / "project2")
    summary = store.anonymize_files(a.ctx.settings, other, src)
    assert summary.written == 1, summary.problems
    a.pages.project.set_project(other)
    click(a, Key.A_PX_PROJECT)
    assert a.run_until(lambda: a.pages.anonymization.preview is not None, 120), w[Key.A_PX_STATUS].get()
    p = a.pages.anonymization.preview
    assert p.modality == "US" and p.verdict != "identifying" and p.boxes == 0, w[Key.A_PX_STATUS].get()
    assert p.source.endswith(".dcm") and "ALICE" not in p.source
