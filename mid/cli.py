"""The headless commands: echo, check, search, download, serve, report, anonymize, demo --headless.

`run(command, args, config_dir=...)` takes the argparse namespace built by main.py and the
config folder it was given, and returns an exit code (vocab.ExitCode). Long jobs run on an
engine.Job so Ctrl+C cancels them cleanly: the engine marks what was not done CANCELLED and
writes the reports before we exit. Progress events are drawn as one refreshing line on a
terminal, or as plain lines at most every ~2 s when the output is a file or a pipe.
"""
from __future__ import annotations

import dataclasses
import logging
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TextIO

from mid import engine
from mid.settings import Settings

if TYPE_CHECKING:
    from mid.project import Project
from mid.vocab import FAILED, PENDING, ExitCode

log = logging.getLogger("mid.cli")

PLAIN_INTERVAL = 2.0       # seconds between plain progress lines
TTY_INTERVAL = 0.2         # seconds between redraws of the progress bar
BAR_WIDTH = 24


class UsageError(Exception):
    """A command cannot run as typed; str() says what to type instead (exit 2)."""


# ------------------------------------------------------------------------------------- progress
def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds + 0.5)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def format_progress(ev: engine.DownloadProgress, bar: bool) -> str:
    """One line: instances, MB, rate, ETA (with a bar when drawn on a terminal)."""
    total = max(ev.instances_total, ev.instances_done)
    mb = ev.bytes_done / 1e6
    text = (f"{ev.instances_done}/{total} instances  {mb:.1f} MB  {ev.rate:.1f}/s  "
            f"ETA {_fmt_eta(ev.eta_seconds)}  series {ev.series_done}/{ev.series_total}")
    if not bar:
        return text
    frac = (ev.instances_done / total) if total else 0.0
    filled = int(round(frac * BAR_WIDTH))
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {frac * 100:3.0f}% {text}"


class ProgressView:
    """Draws engine events: a one-line bar with \\r on a terminal, plain lines every ~2 s otherwise.

    Thread-safe enough for the engine's use: events arrive from worker threads, lines are
    written whole.
    """

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._last = 0.0
        self._bar_open = False
        self._last_progress: engine.DownloadProgress | None = None
        #: the texts of the Message events shown, so a summary does not say them a second time
        self.said: set[str] = set()

    def __call__(self, ev) -> None:
        if isinstance(ev, engine.DownloadProgress):
            self._progress(format_progress(ev, self.tty), force=False)
            self._last_progress = ev
        elif isinstance(ev, engine.SearchProgress):
            self._progress(f"searched {ev.done}/{ev.total} rows: {ev.found} found, {ev.missing} missing, "
                           f"{ev.failed} failed  {ev.rate:.1f} rows/s  ETA {_fmt_eta(ev.eta_seconds)}",
                           force=ev.done == ev.total)
        elif isinstance(ev, engine.SeriesUpdate):
            # once per series, when its status is final; not for the run's own stop reason,
            # which its error line says once for every series
            if ev.status in (engine.FAILED, engine.PARTIAL) and ev.reason and ev.final and not ev.run_stopped:
                self._line(f"study {ev.study_number} series {ev.series_description or ev.series_uid[-12:]}: "
                           f"{ev.status} ({ev.reason})")
        elif isinstance(ev, engine.Message):
            self._line(f"{ev.level}: {ev.text}")
            self.said.add(ev.text)
        elif isinstance(ev, engine.DownloadFinished):
            if self._last_progress is not None:
                self._progress(format_progress(self._last_progress, self.tty), force=True)
            self.close()

    def _progress(self, text: str, force: bool) -> None:
        now = time.monotonic()
        interval = TTY_INTERVAL if self.tty else PLAIN_INTERVAL
        if not force and now - self._last < interval:
            return
        self._last = now
        if self.tty:
            self.stream.write("\r" + text.ljust(100)[:max(len(text), 100)])
            self._bar_open = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _line(self, text: str) -> None:
        if self._bar_open:
            self.stream.write("\n")
            self._bar_open = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._bar_open:
            self.stream.write("\n")
            self.stream.flush()
            self._bar_open = False


# ------------------------------------------------------------------------------------ plumbing
@dataclass
class Context:
    """What every command gets: the settings, the output streams and a progress view."""
    settings: Settings
    out: TextIO
    err: TextIO
    verbose: bool
    progress: ProgressView
    log_handlers: list[logging.Handler] = field(default_factory=list)   # project logs attached by this command

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()


def _setup_logging(verbose: bool) -> None:
    from mid import logsetup
    try:
        logsetup.setup_app_logging(verbose=verbose)
    except OSError as e:  # logging must never stop a command (e.g. a read-only home folder)
        logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING)
        log.debug("app logging not set up: %s", e)


def _attach_project_log(ctx: "Context", project) -> None:
    if project.lock_notice:
        ctx.warn(f"warning: {project.lock_notice}")
    try:
        from mid import logsetup
        ctx.log_handlers.append(logsetup.attach_project_log(project.private_dir))
    except Exception as e:
        log.warning("project log not attached: %s", e)


def _detach_project_logs(ctx: "Context | None") -> None:
    if ctx is None:
        return
    from mid import logsetup
    while ctx.log_handlers:
        try:
            logsetup.detach_project_log(ctx.log_handlers.pop())
        except Exception:
            log.debug("project log not detached", exc_info=True)


def _load_settings(ctx_err: TextIO, config_dir: Path | None = None):
    from mid import settings as settings_mod
    s = settings_mod.load_settings(config_dir)
    for n in getattr(s, "notices", []) or []:
        renamed = f" (the old file is kept as {n.renamed_to})" if getattr(n, "renamed_to", None) else ""
        ctx_err.write(f"warning: {n.file}: {n.message}{renamed}\n")
    return s


def run(command: str, args, out: TextIO | None = None, err: TextIO | None = None,
        config_dir: Path | None = None) -> int:
    """Runs one headless command on the settings in config_dir (None: settings.default_config_dir(),
    which honours $MID_CONFIG_DIR); returns its exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    verbose = bool(getattr(args, "verbose", False))
    _setup_logging(verbose)
    handler = COMMANDS.get(command)
    if handler is None:
        err.write(f"unknown command {command!r}; try: {', '.join(sorted(COMMANDS))}\n")
        return ExitCode.USAGE
    ctx = None
    try:
        settings = _load_settings(err, config_dir)
        ctx = Context(settings, out, err, verbose, ProgressView(err))
        return handler(ctx, args)
    except UsageError as e:
        err.write(f"error: {e}\n")
        return ExitCode.USAGE
    except _NoRows as e:
        err.write(f"error: {e}\n")
        return ExitCode.INCOMPLETE
    except engine.EngineError as e:
        err.write(f"error: {e}\n")
        return ExitCode.USAGE
    except Exception as e:  # map the modules' own errors to exit codes, with their one-line message
        code = _code_for(e)
        if code is None:
            raise
        err.write(f"error: {e}\n")
        return code
    finally:
        _detach_project_logs(ctx)


def _code_for(e: Exception) -> ExitCode | None:
    """The exit code of one of our modules' own errors (None for anything else)."""
    import pacs
    from mid.project import ProjectError
    from mid.reports import ReportError
    from mid.sheetfiles import SheetError
    if isinstance(e, (SheetError, ReportError)):
        return ExitCode.USAGE
    if isinstance(e, ProjectError):
        return ExitCode.PROJECT
    if isinstance(e, pacs.NetError):
        return ExitCode.NETWORK
    return None


def _run_job(fn, *a, **kw):
    """Runs an engine function on a Job; Ctrl+C cancels it and waits for it to wind down."""
    job = engine.Job(fn, *a, **kw).start()
    interrupted = False
    while not job.done:
        try:
            job.join(0.2)
        except KeyboardInterrupt:
            interrupted = True
            job.cancel()
    if job.error is not None:
        raise job.error
    return job.result, interrupted or job.cancelled


# ------------------------------------------------------------------------------------ commands
def cmd_echo(ctx: Context, args) -> int:
    """C-ECHO a peer: exit 0 when it answers, 3 with the reason otherwise, 2 for an unknown name."""
    import pacs
    s = ctx.settings
    name = args.peer
    if name not in s.peers or name == engine.SELF:
        known = ", ".join(sorted(n for n in s.peers if n != engine.SELF)) or "none yet"
        ctx.warn(f"error: no peer named {name!r} in {s.config_dir / 'peers.json'}. Known peers: {known}")
        return ExitCode.USAGE
    peer = s.peers[name]
    from mid import dicomweb
    try:
        seconds = dicomweb.echo(s.self_peer.aet, peer, engine.timeouts_for(s))     # C-ECHO, or QIDO-RS
    except pacs.NetError as e:
        ctx.warn(f"echo failed: {e}")
        return ExitCode.NETWORK
    where = peer.url if peer.is_dicomweb else f"{peer.aet} at {peer.host}:{peer.port}"
    ctx.say(f"{name} ({where}) answered in {seconds * 1000:.0f} ms")
    return ExitCode.OK


def cmd_check(ctx: Context, args) -> int:
    """Print the normalised query table and every row error; exit 1 when no row is usable."""
    from mid import querysheet
    result = querysheet.load_sheet(args.sheet_path, ctx.settings, sheet=getattr(args, "sheet", None))
    ctx.say(querysheet.format_table(result))
    if not result.queries:
        ctx.warn(f"error: {args.sheet_path}: no usable row (see the errors above)")
        return ExitCode.INCOMPLETE
    return ExitCode.OK


def _source(ctx: Context, args, project: "Project | None" = None) -> str:
    name = getattr(args, "source", None) or (project.get_setting("source") if project is not None else None) \
        or ctx.settings.defaults.default_source
    if not name:
        raise UsageError("no source PACS: add --source NAME (a peer in peers.json) or set default_source "
                         "in user_defaults.json")
    engine.peer_for(ctx.settings, name)
    return name


def _project_root(ctx: Context, args) -> Path:
    if getattr(args, "project", None):
        return Path(args.project).expanduser()
    if getattr(args, "sheet_path", None):
        from mid import project as project_mod
        return project_mod.Project.default_root(ctx.settings.defaults.storage_root, args.sheet_path)
    raise UsageError("no project: add --project DIR (or give a SHEET to start a new project)")


def _is_project(root: Path) -> bool:
    from mid import project as project_mod
    return (root / project_mod.PRIVATE / project_mod.DB_NAME).is_file()


def _load_into_project(ctx: Context, args):
    """Loads the sheet (when given) into a new or existing project; returns the open project.

    What the command line names is checked first, so a command that fails on its arguments
    creates nothing: the source PACS (unless an existing project will name it) and the sheet."""
    from mid import project as project_mod
    from mid import querysheet
    root = _project_root(ctx, args)
    if getattr(args, "source", None) or not _is_project(root):
        _source(ctx, args)
    if getattr(args, "sheet_path", None):
        sheet = querysheet.load_sheet(args.sheet_path, ctx.settings, sheet=getattr(args, "sheet", None))
        for e in sheet.errors:
            ctx.warn(f"{args.sheet_path}: row {e.row}, column {e.column}, value {e.value!r}: {e.message}")
        if not sheet.queries:
            raise _NoRows(f"{args.sheet_path}: no usable row; `python main.py check {args.sheet_path}` "
                          f"shows every row error")
        proj = project_mod.Project.create(root, {"sheet": str(Path(args.sheet_path).name)})
        _attach_project_log(ctx, proj)
        proj.add_queries(sheet.queries, sheet.errors)
        ctx.say(f"project {proj.root}: {len(sheet.queries)} queries from {args.sheet_path}")
        return proj
    proj = project_mod.Project.open(root)
    _attach_project_log(ctx, proj)
    return proj


class _NoRows(Exception):
    """The sheet has no usable row (exit 1)."""


def _search(ctx: Context, args, proj, source: str, again_capped: bool = True) -> tuple[engine.SearchFinished, bool]:
    exact = bool(getattr(args, "exact", False)) or bool(ctx.settings.defaults.exact_descriptions)
    proj.set_setting("source", source)      # a later `download --project` retrieves from it
    ctx.say(f"searching {source} ...")
    result, interrupted = _run_job(engine.search, ctx.settings, proj, source, exact=exact,
                                   on_event=ctx.progress, again_capped=again_capped)
    ctx.say(f"search: {result.found} rows found, {result.missing} missing, {result.failed} failed")
    _warn_failed_rows(ctx, proj)
    return result, interrupted


def _unsearched(proj) -> list:
    """The queries of a project that were not searched, or whose search failed."""
    return [q for q in proj.queries() if q.status in (FAILED, PENDING)]


def _say_capped_rows_stay(ctx: Context, proj) -> None:
    """`download` does not ask capped rows again (the same answer, at up to thousands of C-FINDs a
    row): it names them and says what to do."""
    capped = [f"query {q.query_id} (row {q.row})" for q in proj.queries() if engine.capped_row(q)]
    if capped:
        ctx.warn(f"{', '.join(capped)}: not searched again: the PACS capped the answer and it could not be "
                 f"split; what was found of {'them' if len(capped) > 1 else 'it'} is kept. Narrow the row in the "
                 f"sheet and load it again, or run `python main.py search --project {proj.root}` to ask the "
                 f"PACS again")


def _warn_failed_rows(ctx: Context, proj) -> None:
    """One line per reason: `query 1 (row 2), query 2 (row 3): FAILED: <reason>`."""
    by_reason: dict[str, list[str]] = {}
    for q in proj.queries():
        if q.status == FAILED:
            by_reason.setdefault(q.reason or "no reason recorded", []).append(f"query {q.query_id} (row {q.row})")
    for reason, rows in by_reason.items():
        ctx.warn(f"{', '.join(rows)}: FAILED: {reason}")


def cmd_search(ctx: Context, args) -> int:
    """Search every row of a sheet; exit 0 when every row was searched (found or MISSING)."""
    if _refused_unwritable(ctx, args):
        return ExitCode.LOCAL
    proj = _load_into_project(ctx, args)
    try:
        source = _source(ctx, args, proj)
        result, interrupted = _search(ctx, args, proj, source)
        _print_paths(ctx, proj)
        if interrupted or result.cancelled:
            return ExitCode.CANCELLED
        return ExitCode.NETWORK if result.failed else ExitCode.OK
    finally:
        proj.close()


def _refused_unwritable(ctx: Context, args) -> bool:
    """True (and said) when the project folder cannot be written at all: nothing is started."""
    unwritable = _unwritable_project(ctx, args)
    if unwritable:
        ctx.warn(f"error: {unwritable}")
    return bool(unwritable)


def _strict(ctx: Context, args) -> None:
    """--strict: this run de-identifies keeping only what is known safe; --pixels mask|drop|off: what
    this run does with text burned into the pixels (mid.pixels)."""
    if args.strict:
        ctx.settings = dataclasses.replace(ctx.settings,
                                           defaults=dataclasses.replace(ctx.settings.defaults, deid_strict=True))
    choice = getattr(args, "pixels", None)
    if choice:
        on = {"pixel_checks": choice != "off"} | ({"pixel_action": choice} if choice != "off" else {})
        ctx.settings = dataclasses.replace(ctx.settings, defaults=dataclasses.replace(ctx.settings.defaults, **on))


def cmd_download(ctx: Context, args) -> int:
    """Search (with a sheet, and the rows not searched or failed), select, retrieve, de-identify,
    report; exit 0 only when every row was searched and every selected series is done."""
    _strict(ctx, args)
    sheet_given = bool(getattr(args, "sheet_path", None))
    if _refused_unwritable(ctx, args):
        return ExitCode.LOCAL
    proj = _load_into_project(ctx, args)
    try:
        source = _source(ctx, args, proj)
        _with_limits(ctx, args, source)
        raw = bool(getattr(args, "raw", False)) or (not sheet_given and proj.get_setting("raw") is True)
        proj.check_mode(raw)
        again = [q for q in _unsearched(proj) if not engine.capped_row(q)]
        _say_capped_rows_stay(ctx, proj)
        if sheet_given or again:
            if again and not sheet_given:
                ctx.say(f"searching again {len(again)} rows not searched or whose search failed")
            sres, interrupted = _search(ctx, args, proj, source, again_capped=False)
            if interrupted or sres.cancelled:
                return ExitCode.CANCELLED
        search_failed = len(_unsearched(proj))
        chosen = _apply_selection(ctx, args, proj, sheet_given)
        if chosen is not None:
            ctx.say(f"selected {chosen} series")
        todo = proj.series(set(engine.TO_RETRIEVE))
        if not todo:
            ctx.say("nothing left to download")
        from mid import throttle
        with _sigterm_cancels():
            fin, interrupted = _run_job(throttle.keep_downloading if getattr(args, "wait", False)
                                        else engine.download, ctx.settings, proj, source,
                                        destination=(getattr(args, "destination", None)
                                                     or ctx.settings.defaults.default_destination or engine.SELF),
                                        method=getattr(args, "method", None), workers=getattr(args, "workers", None),
                                        anonymize=not raw, on_event=ctx.progress)
        _print_summary(ctx, proj, fin)
        if interrupted or fin.cancelled:
            return ExitCode.CANCELLED
        code = _download_exit(proj, fin, search_failed)
        if code == ExitCode.WINDOW_CLOSED:
            opens = throttle.Gate(ctx.settings.peers[source]).next_open_text()
            ctx.warn(f"stopped at the end of the transfer window of {source}; the next opens at {opens}. "
                     f"Run the same command again to continue (with --wait it keeps running and goes on by itself)")
        return code
    except (OSError, sqlite3.Error) as e:        # a write of the project state itself failed
        from mid.store import local_failure
        why = local_failure(e, proj.root)
        if why is None:
            raise
        log.debug("the local failure that stopped the download", exc_info=e)
        ctx.warn(f"error: {why}")
        return ExitCode.LOCAL
    finally:
        proj.close()


def _with_limits(ctx: Context, args, source: str) -> None:
    """--window, --max-rate and --max-associations: this run's limits in place of the peer's own."""
    from mid import throttle
    windows, rate = getattr(args, "window", None), getattr(args, "max_rate", None)
    most = getattr(args, "max_associations", None)
    if not (windows or rate or most):
        return
    try:
        peer = throttle.peer_with_limits(ctx.settings.peers[source], rate=rate, max_associations=most,
                                         windows=throttle.parse_windows(windows) if windows else None)
    except throttle.LimitError as e:
        raise UsageError(str(e)) from None
    ctx.settings = dataclasses.replace(ctx.settings, peers={**ctx.settings.peers, source: peer})


class _sigterm_cancels:
    """While a job runs, SIGTERM (systemctl stop, kill) winds it down as Ctrl+C does."""

    def __enter__(self) -> None:
        import signal
        import threading
        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._raise)

    @staticmethod
    def _raise(signum, frame) -> None:
        log.info("SIGTERM: the download winds down")
        raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        import signal
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)


def cmd_serve(ctx: Context, args) -> int:
    """`serve PROJECT`: `download --project PROJECT --wait`, to be left running on a server."""
    for name in ("sheet_path", "strict", "raw", "destination", "include_series", "exclude_series", "modality",
                 "from_results", "exact"):
        if not hasattr(args, name):
            setattr(args, name, None if name not in ("strict", "raw", "exact") else False)
    args.wait = True
    return cmd_download(ctx, args)


def _unwritable_project(ctx: Context, args) -> str | None:
    """Why an existing project folder cannot be written (read-only, or not this user's), or None."""
    import errno
    import os
    from mid import project as project_mod
    try:
        root = _project_root(ctx, args)
    except UsageError:
        return None
    if not _is_project(root):
        return None
    private = root / project_mod.PRIVATE
    if os.access(private, os.W_OK):
        return None
    try:
        read_only = bool(os.statvfs(private).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    code = errno.EROFS if read_only else errno.EACCES
    from mid.store import local_failure
    return local_failure(OSError(code, os.strerror(code), str(private)), root)


def _apply_selection(ctx: Context, args, proj, sheet_given: bool) -> int | None:
    filters = dict(include_series=getattr(args, "include_series", None),
                   exclude_series=getattr(args, "exclude_series", None),
                   modalities=getattr(args, "modality", None))
    from_results = getattr(args, "from_results", None)
    if from_results:
        from mid import reports
        uids = reports.read_selection(Path(from_results))
        known = {s.series_uid for s in proj.series()}
        if not uids & known:
            ctx.warn(f"warning: {from_results}: no row of this project is marked Y in the Download column; "
                     f"nothing is selected")
        return engine.select(proj, series_uids=set(uids), **filters)
    never_selected = any(s.status == engine.FOUND for s in proj.series())
    if sheet_given or never_selected or any(filters.values()):
        return engine.select(proj, **filters)
    return None


def _download_exit(proj, fin: engine.DownloadFinished, search_failed: int) -> int:
    """LOCAL for a failure of our own side, NETWORK when the run stopped on the peer or a row
    could not be searched, INCOMPLETE when a series is not done, else OK."""
    statuses = [s.status for s in proj.series()]
    unfinished = [st for st in statuses if st in engine.TO_RETRIEVE]
    if fin.local:
        return ExitCode.LOCAL
    if fin.error or search_failed:
        return ExitCode.NETWORK
    if unfinished and fin.window_closed:
        return ExitCode.WINDOW_CLOSED
    if unfinished:
        done = sum(1 for st in statuses if st in engine.FINISHED)
        only_failed = all(st == engine.FAILED for st in unfinished)
        return ExitCode.NETWORK if (only_failed and not done and fin.counts.get(engine.FAILED)) else ExitCode.INCOMPLETE
    return ExitCode.OK


def _print_summary(ctx: Context, proj, fin: engine.DownloadFinished) -> None:
    counts = ", ".join(f"{n} {st}" for st, n in sorted(fin.counts.items())) or "no series"
    ctx.say(f"download{' (cancelled)' if fin.cancelled else ''}: {counts}")
    listed = 0
    for s in proj.series({engine.FAILED, engine.PARTIAL, engine.CANCELLED}):
        if fin.error and s.reason and s.reason.endswith(fin.error):
            continue                  # the run's stop reason: said once, below
        listed += 1
        ctx.say(f"  study {s.study_number} series {s.tags.get('SeriesNumber', '?')}: {s.status}"
                f"{' (' + s.reason + ')' if s.reason else ''}")
    stopped = sum(fin.counts.get(st, 0) for st in (engine.FAILED, engine.PARTIAL, engine.CANCELLED)) - listed
    if fin.error and stopped > 0:
        ctx.say(f"  {stopped} series not done because the run stopped (the error says why)")
    if fin.error and fin.error not in ctx.progress.said:
        ctx.warn(f"error: {fin.error}")
    _print_paths(ctx, proj, fin.reports)


def _print_paths(ctx: Context, proj, reports_written=None) -> None:
    ctx.say(f"images:  {proj.images_dir}")
    ctx.say(f"reports: {proj.private_dir}")
    for p in reports_written or []:
        ctx.say(f"  {p}")


def cmd_report(ctx: Context, args) -> int:
    """Rewrite every report workbook from the project state."""
    from mid import project as project_mod
    from mid import reports
    if not getattr(args, "project", None):
        raise UsageError("add --project DIR")
    if Path(args.project).is_file():
        raise project_mod.ProjectError(f"{args.project} is a file, not a project folder; give the folder that "
                                       f"holds images/ and private/")
    proj = project_mod.Project.open(Path(args.project))
    if proj.lock_notice:
        ctx.warn(f"warning: {proj.lock_notice}")
    try:
        paths = reports.write_reports(proj, ctx.settings)
        ctx.say(f"reports of {proj.root}:")
        for p in paths or []:
            ctx.say(f"  {p}")
        return ExitCode.OK
    finally:
        proj.close()


#: per-file lines `anonymize` prints at most; the report and the project log keep them all
MAX_PROBLEM_LINES = 50


def cmd_anonymize(ctx: Context, args) -> int:
    """`--describe`: print the pipeline; `IN_DIR --project DIR`: de-identify files on disk into it."""
    from mid import anonymizer
    _strict(ctx, args)
    if getattr(args, "describe", False):
        anon = anonymizer.Anonymizer(anonymizer.AnonConfig.from_settings(ctx.settings), keys=anonymizer.MemoryKeys())
        for line in anon.describe() + anon.describe_actions():   # every action, as the README says
            ctx.say(line)
        from mid.pixels import PixelConfig
        ctx.say(PixelConfig.from_settings(ctx.settings).describe())
        return ExitCode.OK
    if not getattr(args, "in_dir", None) or not getattr(args, "project", None):
        raise UsageError("write `anonymize IN_DIR --project DIR`, or `anonymize --describe`")
    in_dir = Path(args.in_dir)
    if not in_dir.is_dir():
        raise UsageError(f"{in_dir} is not a folder; give the folder holding the DICOM files")
    looked = _find_dicom(in_dir)
    if looked is not None:
        raise UsageError(f"{in_dir} holds no DICOM file ({looked} files looked at); nothing was created. "
                         f"Give the folder that holds the DICOM files")
    from mid import project as project_mod
    proj = project_mod.Project.create(Path(args.project))
    _attach_project_log(ctx, proj)
    try:
        summary, interrupted = _run_job(engine.anonymize_files, ctx.settings, proj, in_dir,
                                        on_event=ctx.progress)
        ctx.progress.close()
        ctx.say(f"anonymize: {summary.written} written, {summary.ignored} dropped by the rules, "
                f"{summary.known} already in the project, {summary.duplicates} conflicting duplicates "
                f"(a SOPInstanceUID already in the project, other content; not written), "
                f"{summary.not_dicom} not DICOM (skipped), {summary.failed} failed")
        if summary.problems:
            ctx.warn(f"{len(summary.problems)} files not placed, each with the reason:")
        for line in summary.problems[:MAX_PROBLEM_LINES]:
            ctx.warn(f"  {line}")
        if len(summary.problems) > MAX_PROBLEM_LINES:
            ctx.warn(f"  ... and {len(summary.problems) - MAX_PROBLEM_LINES} more: every one is in the "
                     f"failed-transfers report (sheet 'Files not placed') and the project log")
        _print_paths(ctx, proj, summary.reports)
        if interrupted:
            return ExitCode.CANCELLED
        return ExitCode.INCOMPLETE if summary.failed or summary.duplicates else ExitCode.OK
    finally:
        proj.close()


def _find_dicom(folder: Path) -> int | None:
    """None when `folder` holds at least one DICOM file, else how many files were looked at."""
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError
    looked = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        looked += 1
        try:
            with open(path, "rb") as f:
                if f.read(132)[128:] == b"DICM":
                    return None
            dcmread(path, stop_before_pixels=True, specific_tags=["SOPInstanceUID"])
            return None
        except (InvalidDicomError, OSError, ValueError, EOFError, KeyError, TypeError, AttributeError):
            continue
    return looked


def cmd_demo(ctx: Context, args) -> int:
    """`demo --headless`: start the demo PACS, search and download the sample sheet end to end."""
    if not getattr(args, "headless", False):       # main.py opens the demo window itself
        raise UsageError("the demo window opens from main.py (python main.py demo); "
                         "here only demo --headless runs")
    from mid import demo
    return demo_headless(ctx, args, demo)


def demo_headless(ctx: Context, args, demo) -> int:
    """Runs the demo through the same download command a user would type."""
    import argparse
    from mid import settings as settings_mod
    with demo.running(ctx.settings.config_dir, port=getattr(args, "port", 0) or 0) as d:
        ctx.say(f"demo PACS {d.peer_name!r} ({d.pacs.aet}) listening on 127.0.0.1:{d.pacs.port}; "
                f"sample sheet {d.sheet_path}")
        ctx.settings = settings_mod.load_settings(d.config_dir)
        project_dir = getattr(args, "project", None)
        if project_dir is None:
            from mid import project as project_mod
            project_dir = project_mod.Project.default_root(ctx.settings.defaults.storage_root_path(), d.sheet_path)
        ns = argparse.Namespace(sheet_path=Path(d.sheet_path), sheet=None, source=d.peer_name,
                                project=Path(project_dir), destination=None, workers=None, method=None,
                                raw=False, strict=False, include_series=None, exclude_series=None, modality=None,
                                from_results=None, exact=False, verbose=getattr(args, "verbose", False))
        code = cmd_download(ctx, ns)
    ctx.say(f"demo finished (exit {code}).")
    ctx.say(f"  de-identified images: {Path(project_dir) / 'images'}")
    ctx.say(f"  reports and master key (private): {Path(project_dir) / 'private'}")
    return code


COMMANDS: dict[str, Callable] = {
    "echo": cmd_echo,
    "check": cmd_check,
    "search": cmd_search,
    "download": cmd_download,
    "serve": cmd_serve,
    "report": cmd_report,
    "anonymize": cmd_anonymize,
    "demo": cmd_demo,
}
