"""The application log (no PHI) and the project log (everything), written to temp folders."""
from __future__ import annotations

import logging
import re
import sys
import tempfile
from pathlib import Path

import pytest

from mid import logsetup
from mid.logsetup import PHI, attach_project_log, detach_project_log, setup_app_logging

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} ")
FAKE = "FAKE^ALICE MRN TEST000123"


@pytest.fixture(autouse=True)
def restore_logging():
    """Put the mid and root loggers back as they were, closing handlers the test added."""
    mid, root = logging.getLogger("mid"), logging.getLogger()
    saved = (list(mid.handlers), mid.level, list(root.handlers))
    yield
    for lg, before in ((mid, saved[0]), (root, saved[2])):
        for h in [h for h in lg.handlers if h not in before]:
            lg.removeHandler(h)
            h.close()
    mid.setLevel(saved[1])


@pytest.fixture
def app_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "applogs"
    monkeypatch.setenv("MID_LOG_DIR", str(d))
    return d


def flush_all() -> None:
    for h in [*logging.getLogger("mid").handlers, *logging.getLogger().handlers]:
        h.flush()


def test_app_log_goes_to_mid_log_dir(app_dir):
    path = setup_app_logging(verbose=False)
    assert path == app_dir / "mid.log"
    logging.getLogger("mid.test").info("plain line")
    flush_all()
    assert "plain line" in path.read_text(encoding="utf-8")


def test_phi_record_absent_from_app_log_present_in_project_log(app_dir, tmp_path):
    app_log = setup_app_logging(verbose=True)
    handler = attach_project_log(tmp_path / "proj" / "private")
    log = logging.getLogger("mid.engine")
    log.info("query 3: no match for %s", FAKE, extra=PHI)
    log.info("query 3: no match (details in project log)")
    detach_project_log(handler)
    flush_all()
    app_text = app_log.read_text(encoding="utf-8")
    project_text = (tmp_path / "proj" / "private" / "log" / "project.log").read_text(encoding="utf-8")
    assert FAKE not in app_text and "details in project log" in app_text
    assert FAKE in project_text and "details in project log" in project_text


def test_phi_kept_off_the_console(app_dir, capsys):
    setup_app_logging(verbose=True)
    logging.getLogger("mid.pacs").warning("peer said no for %s", FAKE, extra={"phi": True})
    logging.getLogger("mid.pacs").warning("peer said no")
    err = capsys.readouterr().err
    assert "peer said no" in err and FAKE not in err


def test_traceback_and_timestamps_in_both_logs(app_dir, tmp_path):
    app_log = setup_app_logging(verbose=False)
    handler = attach_project_log(tmp_path / "private")
    try:
        1 / 0
    except ZeroDivisionError:
        logging.getLogger("mid.engine").exception("download failed")
    detach_project_log(handler)
    flush_all()
    for path in (app_log, tmp_path / "private" / "log" / "project.log"):
        text = path.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" in text and "ZeroDivisionError: division by zero" in text
        assert "1 / 0" in text
        records = [ln for ln in text.splitlines() if " mid." in ln and ("INFO" in ln or "ERROR" in ln)]
        assert records and all(STAMP.match(ln) for ln in records), records
        assert any(STAMP.match(ln) and "ERROR" in ln and "download failed" in ln for ln in records)


def test_unwritable_log_dir_falls_back_to_temp(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MID_LOG_DIR", str(blocker / "logs"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    path = setup_app_logging()
    assert path == tmp_path / "tmp" / "MedicalImagingDownloader" / "logs" / "mid.log" and path.exists()
    assert "cannot write the application log" in capsys.readouterr().err


def test_debug_only_when_verbose(app_dir):
    path = setup_app_logging(verbose=False)
    logging.getLogger("mid.x").debug("quiet detail")
    logging.getLogger("mid.x").info("normal line")
    flush_all()
    text = path.read_text(encoding="utf-8")
    assert "normal line" in text and "quiet detail" not in text
    setup_app_logging(verbose=True)
    logging.getLogger("mid.x").debug("loud detail")
    flush_all()
    assert "loud detail" in path.read_text(encoding="utf-8")


def test_second_setup_does_not_double_lines(app_dir):
    path = setup_app_logging()
    setup_app_logging()
    logging.getLogger("mid.x").warning("only once")
    flush_all()
    assert path.read_text(encoding="utf-8").count("only once") == 1
    names = [h.get_name() for h in logging.getLogger("mid").handlers]
    assert names.count("mid-app-file") == 1 and names.count("mid-app-console") == 1


def test_project_log_keeps_library_warnings_and_stops_after_detach(tmp_path):
    handler = attach_project_log(tmp_path / "private")
    logging.getLogger("mid.settings").debug("debug kept")
    logging.getLogger("pynetdicom.assoc").warning("library warning")
    detach_project_log(handler)
    logging.getLogger("mid.settings").warning("after detach")
    text = (tmp_path / "private" / "log" / "project.log").read_text(encoding="utf-8")
    assert "debug kept" in text and "library warning" in text and "after detach" not in text
    assert handler not in logging.getLogger().handlers


def test_app_log_dir_defaults(tmp_path):
    home = tmp_path / "home"
    tail = ("MedicalImagingDownloader", "logs")
    assert logsetup.log_dir_for(False, {"XDG_STATE_HOME": "/st"}, home) == Path("/st", *tail)
    assert logsetup.log_dir_for(False, {}, home) == home.joinpath(".local", "state", *tail)
    assert logsetup.log_dir_for(True, {"LOCALAPPDATA": str(tmp_path / "L")}, home) == tmp_path.joinpath("L", *tail)
    assert logsetup.log_dir_for(True, {}, home) == home.joinpath("AppData", "Local", *tail)
    assert logsetup.log_dir_for(True, {"MID_LOG_DIR": "/x"}, home) == Path("/x")


def test_phi_marker_is_read_only():
    with pytest.raises(TypeError):
        PHI["phi"] = False  # type: ignore[index]
    assert logsetup.NoPHIFilter().filter(logging.makeLogRecord({"msg": "x", "phi": True})) is False
    assert logsetup.NoPHIFilter().filter(logging.makeLogRecord({"msg": "x"})) is True


def test_console_log_follows_the_current_stderr_and_a_closed_one_prints_no_traceback(tmp_path, monkeypatch, capsys):
    import io
    monkeypatch.setenv("MID_LOG_DIR", str(tmp_path / "logs"))
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logsetup.setup_app_logging()
    logging.getLogger("mid.test").warning("one")
    first.close()                                  # the stream of the moment the handler was made is gone
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    logging.getLogger("mid.test").warning("two")
    assert "two" in second.getvalue() and "Logging error" not in second.getvalue()


def test_a_log_file_on_a_full_disk_says_so_once_and_prints_no_traceback(small_disk, capfd):
    disk = small_disk(64)
    handler = logsetup.attach_project_log(disk / "private")
    try:
        filler = disk / "filler"
        with pytest.raises(OSError):
            filler.write_bytes(b"\0" * 200_000)          # the disk is now full
        for i in range(200):
            logging.getLogger("mid.test").info("a record that needs room %d %s", i, "x" * 200)
        err = capfd.readouterr().err
        assert err.count("cannot be written") == 1 and "No space left on device" in err, err
        assert "Traceback" not in err and "Logging error" not in err
    finally:
        logsetup.detach_project_log(handler)


def test_the_terminal_gets_no_traceback_the_log_file_keeps_it(tmp_path, monkeypatch):
    import io
    monkeypatch.setenv("MID_LOG_DIR", str(tmp_path / "logs"))
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    path = logsetup.setup_app_logging()
    try:
        raise OSError(28, "No space left on device")
    except OSError:
        logging.getLogger("mid.test").error("cannot write an instance", exc_info=True)
    assert "cannot write an instance" in err.getvalue() and "Traceback" not in err.getvalue()
    for h in logging.getLogger("mid").handlers:
        h.flush()
    assert "Traceback" in path.read_text() and "No space left on device" in path.read_text()
