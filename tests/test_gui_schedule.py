"""The Download page across a peer's transfer windows, in a real window under Xvfb against the
session Orthanc: at the end of a window the download says so, waits for the next one saying until
when, and goes on by itself (as `download --wait` does); Cancel ends the wait.

The windows are read against a clock the test gives the page (`Downloads.clock`): it reads 10:00
when Download is pressed and runs 12 times as fast as real time, so the first window
(10:00-10:01) lasts 5 s, the gap before the next (10:03) another 10 s: time enough, on a busy
machine, for the retrieves in flight to wind down before the wait is shown. At 4 images/s the first
window holds about half of the 48 images, at any machine speed.
"""
from __future__ import annotations

import time

import pytest

from mygui import Key
from test_engine import dicom_files, orthanc_settings
from test_gui import click, gui_env, last  # noqa: F401  (gui_env is a fixture)
from test_schedule_run import IMAGES, clock_at, image_project, with_peer

pytestmark = [pytest.mark.gui, pytest.mark.peers]

WINDOWS = ("10:00-10:01", "10:03-12:00")
WAITING = "Waiting for the transfer windows 10:00-10:01, 10:03-12:00, opens at 10:03"


def started_across_windows(tmp_path, gui_env, orthanc_loaded, synthetic_study_files):  # noqa: F811
    """The window on a searched project whose peer's first window closes a few seconds after
    Download is pressed; returns (App, the series ticked, the time Download was pressed) once the
    wait is shown."""
    s = with_peer(orthanc_settings(tmp_path, orthanc_loaded, workers=2), transfer_windows=WINDOWS,
                  max_instances_per_s=4.0)
    proj = image_project(tmp_path, s, synthetic_study_files.desc)
    root = proj.root
    proj.close()
    a = gui_env(s, project=root)
    w = a.window
    assert a.run_until(lambda: a.pages.steps.index == 3, 10), a.ctx.messages
    selected = set(a.pages.select.model.selected)
    assert len(selected) > 1
    click(a, Key.NEXT)
    assert a.run_until(lambda: a.pages.steps.index == 4, 5)
    a.pages.download.clock = clock_at(10, 0, 0, speed=12)
    pressed = time.time()
    click(a, Key.DOWNLOAD)
    assert a.run_until(lambda: a.ctx.busy("download"), 5)
    # the first window closes: the user is told, and told that the download goes on by itself
    assert a.run_until(lambda: any("closed at 10:01" in t for _, t in a.ctx.messages), 30), a.ctx.messages
    closed = next((lvl, t) for lvl, t in a.ctx.messages if "closed at 10:01" in t)
    assert closed[0] == "warning" and "goes on by itself when the next window opens" in closed[1], closed
    # then it waits for the next one, and the Download page's status line says until when
    assert a.run_until(lambda: w[Key.DL_STATUS].get().startswith(WAITING), 30), \
        (w[Key.DL_STATUS].get(), a.ctx.messages)
    status = w[Key.DL_STATUS].get()
    assert "goes on by itself" in status and "ETA" not in status and "images/s" not in status, status
    assert a.ctx.busy("download") and a.pages.download.result is None
    assert w[Key.DL_CANCEL].Widget.cget("state") == "normal"
    return a, selected, pressed


def test_a_download_waits_for_the_next_window_by_itself_and_finishes(tmp_path, gui_env, orthanc_loaded,  # noqa: F811
                                                                     synthetic_study_files):
    a, selected, pressed = started_across_windows(tmp_path, gui_env, orthanc_loaded, synthetic_study_files)
    w = a.window
    project = a.ctx.project
    in_first_window = len(dicom_files(project.images_dir))
    assert 0 < in_first_window < IMAGES                   # the first window ended part-way
    assert f"{in_first_window} of {IMAGES} images so far" in w[Key.DL_STATUS].get()
    # between two windows the reports are up to date: the first run wrote them when it stopped
    reports = list(project.private_dir.glob("*_3_SUCCESSFUL_DOWNLOADS.xlsx"))
    assert reports and all(r.stat().st_mtime >= pressed for r in reports), reports

    # nothing more is pressed: the next window opens and the same download goes on to the end
    assert a.run_until(lambda: a.pages.download.result is not None, 120), (w[Key.DL_STATUS].get(), a.ctx.messages)
    a.run_until(lambda: False, 0.3)
    result = a.pages.download.result
    assert not result.cancelled and result.error is None and not result.window_closed
    assert result.counts == {"DOWNLOADED": len(selected)}
    assert {s.status for s in project.series() if s.series_uid in selected} == {"DOWNLOADED"}
    assert len(dicom_files(project.images_dir)) == IMAGES
    assert sum(1 for _, t in a.ctx.messages if t.startswith("Downloading ")) == 1      # Download pressed once
    assert any(t.startswith("waiting for the transfer windows") and "goes on by itself then" in t
               for _, t in a.ctx.messages)
    assert w[Key.DL_STATUS].get().startswith(f"{IMAGES} of {IMAGES} images")
    assert w[Key.DL_STATUS].get().endswith("finished")
    assert last(a) == "Download finished; the reports are written."
    assert not any("press Download again" in t for _, t in a.ctx.messages)
    assert w[Key.SUMMARY].get().startswith(f"Finished: {len(selected)} DOWNLOADED")
    assert all(row[-1] == "DOWNLOADED" for row in w[Key.STUDY_TABLE].Values)


def test_cancel_while_waiting_for_the_next_window_ends_it_within_two_seconds(tmp_path, gui_env,  # noqa: F811
                                                                            orthanc_loaded, synthetic_study_files):
    a, selected, _ = started_across_windows(tmp_path, gui_env, orthanc_loaded, synthetic_study_files)
    w = a.window
    project = a.ctx.project
    kept = {f: f.stat().st_mtime_ns for f in dicom_files(project.images_dir)}
    assert 0 < len(kept) < IMAGES
    cancelled_at = time.time()
    t0 = time.monotonic()
    click(a, Key.DL_CANCEL)
    assert a.run_until(lambda: a.pages.download.result is not None, 10), (w[Key.DL_STATUS].get(), a.ctx.messages)
    assert time.monotonic() - t0 < 2.0
    result = a.pages.download.result
    assert result.cancelled and result.error is None
    # what came is kept, untouched, and nothing more came; the reports were written at the cancel
    assert {f: f.stat().st_mtime_ns for f in dicom_files(project.images_dir)} == kept
    statuses = {s.status for s in project.series() if s.series_uid in selected}
    assert "DOWNLOADING" not in statuses and "DOWNLOADED" in statuses and statuses - {"DOWNLOADED"}
    reports = list(project.private_dir.glob("*.xlsx"))
    assert len(reports) >= 8 and any("_6_FAILED_TRANSFERS" in r.name for r in reports)
    assert all(r.stat().st_mtime >= cancelled_at - 1 for r in project.private_dir.glob("*_6_FAILED_TRANSFERS.xlsx"))
    a.run_until(lambda: False, 0.3)
    assert w[Key.DL_STATUS].get().endswith("cancelled"), w[Key.DL_STATUS].get()
    assert last(a) == "Download cancelled; the reports are written."
    assert w[Key.SUMMARY].get().startswith("Cancelled:")
    assert w[Key.DOWNLOAD].Widget.cget("state") == "normal"     # Download may be pressed again to go on
