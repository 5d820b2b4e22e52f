"""Logging: the application log (no PHI) and the per-project log in private/ (everything).

Every module logs on a `mid.<module>` logger. A record that may carry PHI is marked with
``extra=PHI`` (i.e. ``{"phi": True}``): the application log and the console drop it, the
project log in ``<project>/private/log/`` keeps it.

    app_log = setup_app_logging(verbose=False)      # once, at start
    handler = attach_project_log(project.private_dir)
    ...
    detach_project_log(handler)
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import tempfile
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

APP_NAME = "MedicalImagingDownloader"
LOG_DIR_ENV = "MID_LOG_DIR"
APP_LOG_NAME = "mid.log"
PROJECT_LOG_NAME = "project.log"
ROOT_LOGGER = "mid"

# Pass as extra=PHI on any record whose message or arguments may identify a patient.
PHI = MappingProxyType({"phi": True})

LINE_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 5

# Handler names, so that a second setup replaces our handlers instead of doubling them.
_APP_FILE = "mid-app-file"
_APP_CONSOLE = "mid-app-console"


class NoPHIFilter(logging.Filter):
    """Drops records marked extra={"phi": True}; for every log that must carry no PHI."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "phi", False)


def app_log_dir() -> Path:
    """$MID_LOG_DIR, else %LOCALAPPDATA%\\MedicalImagingDownloader\\logs on Windows,
    else $XDG_STATE_HOME (or ~/.local/state)/MedicalImagingDownloader/logs."""
    return log_dir_for(os.name == "nt", os.environ, Path.home())


def log_dir_for(windows: bool, env: Mapping[str, str], home: Path) -> Path:
    """The application log folder for a platform, environment and home folder."""
    override = env.get(LOG_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    if windows:
        base = env.get("LOCALAPPDATA", "").strip()
        return (Path(base) if base else home / "AppData" / "Local") / APP_NAME / "logs"
    state = env.get("XDG_STATE_HOME", "").strip()
    return (Path(state) if state else home / ".local" / "state") / APP_NAME / "logs"


class _QuietFailures:
    """A handler that cannot write (disk full, folder gone, stream closed) says so once, in one
    line on the terminal, instead of printing logging's "--- Logging error ---" traceback for
    every record; the program goes on."""

    _failed = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        if self._failed:
            return
        self._failed = True
        err = sys.exc_info()[1]
        where = getattr(self, "baseFilename", "the terminal")
        try:
            sys.__stderr__.write(f"warning: the log {where} cannot be written ({err}); "
                                 f"log records are dropped there from now on\n")
        except (OSError, ValueError, AttributeError):
            pass


class _ConsoleHandler(_QuietFailures, logging.StreamHandler):
    """Writes to whatever sys.stderr is at the moment of the record (not the stream of the
    moment it was made, which may be closed by then)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class _NoTraceback(logging.Formatter):
    """The terminal's lines: the message only. A record's traceback goes to the log files."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


class _RotatingFile(_QuietFailures, logging.handlers.RotatingFileHandler):
    def close(self) -> None:
        try:
            super().close()
        except OSError:           # the last buffered lines cannot be flushed (disk full): dropped
            self.stream = None


def _formatter() -> logging.Formatter:
    return logging.Formatter(LINE_FORMAT, datefmt=DATE_FORMAT)


def _rotating(path: Path, level: int) -> logging.handlers.RotatingFileHandler:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = _RotatingFile(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(_formatter())
    return handler


def _replace_named(logger: logging.Logger, handler: logging.Handler, name: str) -> None:
    """Add handler under name, closing and removing an earlier handler of that name."""
    for old in [h for h in logger.handlers if h.get_name() == name]:
        logger.removeHandler(old)
        old.close()
    handler.set_name(name)
    logger.addHandler(handler)


def setup_app_logging(verbose: bool = False) -> Path:
    """Start the application log (rotating, no PHI) and the console; return the log file's path.

    The file takes INFO and up (DEBUG when verbose); the console WARNING and up (DEBUG when
    verbose). Both drop PHI-marked records. Calling it again replaces, never doubles, them.
    """
    mid = logging.getLogger(ROOT_LOGGER)
    mid.setLevel(logging.DEBUG)
    console = _ConsoleHandler()
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(_NoTraceback(LINE_FORMAT, datefmt=DATE_FORMAT) if not verbose else _formatter())
    console.addFilter(NoPHIFilter())
    _replace_named(mid, console, _APP_CONSOLE)

    level = logging.DEBUG if verbose else logging.INFO
    path = app_log_dir() / APP_LOG_NAME
    try:
        file_handler = _rotating(path, level)
    except OSError as e:
        fallback = Path(tempfile.gettempdir()) / APP_NAME / "logs" / APP_LOG_NAME
        mid.warning("cannot write the application log %s (%s); logging to %s instead. "
                    "Set MID_LOG_DIR to a writable folder.", path, e, fallback)
        path, file_handler = fallback, _rotating(fallback, level)
    file_handler.addFilter(NoPHIFilter())
    _replace_named(mid, file_handler, _APP_FILE)
    mid.debug("application log at %s", path)
    return path


def attach_project_log(private_dir: Path) -> logging.Handler:
    """Start <private_dir>/log/project.log (rotating), which keeps every record, PHI included.

    It listens on the root logger, so it also keeps warnings of the DICOM libraries.
    Return the handler for `detach_project_log`.
    """
    mid = logging.getLogger(ROOT_LOGGER)
    if mid.level == logging.NOTSET or mid.level > logging.DEBUG:
        mid.setLevel(logging.DEBUG)
    handler = _rotating(Path(private_dir) / "log" / PROJECT_LOG_NAME, logging.DEBUG)
    logging.getLogger().addHandler(handler)
    mid.info("project log opened in %s", Path(private_dir) / "log")
    return handler


def detach_project_log(handler: logging.Handler) -> None:
    """Stop writing to a project log started by `attach_project_log`, and close its file."""
    logging.getLogger(ROOT_LOGGER).info("project log closed")
    logging.getLogger().removeHandler(handler)
    handler.close()
