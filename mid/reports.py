"""The report workbooks: xlsx views of a project's state, regenerable at any time.

Eight workbooks go into ``<project>/private/``, named after the project plus the
user_defaults.json report suffixes:

==========================  ==================================================================
``_0_INITIAL_QUERIES_``     the queries as loaded, with each row's errors (also rows that gave no query)
``_1_SEARCH_RESULTS``       every found series (with a Download Y/N column), MISSING and FAILED queries
``_2_MASTER_KEY_LEGEND``    the master key, one row per series (DescriptorsChanged: the descriptors cleaned)
``_3_SUCCESSFUL_DOWNLOADS`` series that ended DOWNLOADED
``_4_IGNORED_FOR_HIPAA``    series IGNORED, or with instances dropped by the de-identification rules
``_5_USER_EXCLUDED``        series the user did not select
``_6_FAILED_TRANSFERS``     FAILED, PARTIAL and CANCELLED series with the reason (and unfinished ones);
                            a sheet "Files not placed" names each file `anonymize` could not place
``_7_STUDIES_NOT_DOWNLOADED`` MISSING/FAILED queries, and studies with no DOWNLOADED series
==========================  ==================================================================

Each has a frozen header row, an autofilter, fitted column widths, DICOM dates as real dates,
identifiers as text (leading zeros kept) and a "Summary" sheet with totals per status and per
query. Writes are atomic (temp file + os.replace). A workbook that cannot be replaced (open in
Excel on Windows) is written as "name (1).xlsx" (then (2) ...) unless the caller's
``on_locked`` callback asks to retry or names another path.

``read_selection`` reads an edited ``_1_SEARCH_RESULTS`` workbook back: the SeriesInstanceUIDs
marked Y in its Download column.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from mid import dates
from mid import pixels
from mid.atomic import write_atomic
from mid import project as proj
from mid import settings as settings_mod

log = logging.getLogger("mid.reports")

REPORT_KEYS = ("initial_queries", "search_results", "master_key", "successful",
               "ignored", "excluded", "failed", "not_downloaded")
SEARCH_REPORTS = ("initial_queries", "search_results")

DEFAULT_SUFFIXES = settings_mod.UserDefaults().report_suffixes      # as in user_defaults.json
DEFAULT_LEGEND_TAGS = settings_mod.UserDefaults().default_legend_tags

COUNT_HEADERS = ["Expected", "Received", "Written", "Ignored"]
#: per series: how many of its images had burned-in text masked or were dropped for it ("3 masked, 1 dropped")
PIXELS = "Burned-in text"
DOWNLOAD = "Download"
SERIES_UID = "SeriesInstanceUID"
YES_VALUES = frozenset({"Y", "YES", "1", "TRUE"})        # what counts as "download this row"

# Series statuses shown as Download=Y in the search results (selected at some point).
SELECTED_STATUSES = frozenset({proj.QUEUED, proj.DOWNLOADING, proj.DOWNLOADED, proj.PARTIAL,
                               proj.FAILED, proj.IGNORED, proj.CANCELLED})

MAX_RENAMES = 50        # "name (1).xlsx" .. "name (50).xlsx"
MAX_RETRIES = 20        # on_locked may answer "retry" this many times per workbook
MAX_WIDTH = 60
WIDTH_SAMPLE_ROWS = 500

LockedCallback = Callable[[Path], "str | Path | None"]   # -> "retry" | "rename" | a Path | None (give up)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TEXT = "@"
_DATE = "yyyy-mm-dd"


class ReportError(Exception):
    """A report could not be written or read; str() names the file and what to do."""


@dataclass(frozen=True)
class ReportOptions:
    """What the reports need from the settings: file suffixes and the legend tag columns."""
    suffixes: dict[str, str]
    legend_tags: list[str]

    @classmethod
    def from_settings(cls, settings_or_defaults: Any = None) -> "ReportOptions":
        """From a settings.Settings, a settings.UserDefaults, a dict, or None (built-in defaults)."""
        src = getattr(settings_or_defaults, "defaults", settings_or_defaults)
        get = (src.get if isinstance(src, dict) else (lambda k, d=None: getattr(src, k, d))) if src else \
            (lambda k, d=None: d)
        suffixes = dict(DEFAULT_SUFFIXES)
        suffixes.update({k: v for k, v in (get("report_suffixes") or {}).items() if isinstance(v, str) and v})
        legend = [t for t in (get("default_legend_tags") or DEFAULT_LEGEND_TAGS) if isinstance(t, str) and t]
        return cls(suffixes=suffixes, legend_tags=legend or list(DEFAULT_LEGEND_TAGS))


@dataclass
class Table:
    """One worksheet: headers and rows (dicts by header)."""
    title: str
    headers: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    """One workbook: its file-name key, the main table, and whether it gets a summary."""
    key: str
    table: Table
    summary: bool = True
    extra: list[Table] = field(default_factory=list)    # further sheets, after the summary


# --------------------------------------------------------------------------- public API

def report_path(project, settings_or_defaults, key: str) -> Path:
    """Where a report is written: private/<project name><suffix>.xlsx."""
    opts = ReportOptions.from_settings(settings_or_defaults)
    return project.private_dir / f"{project.name}{opts.suffixes[key]}.xlsx"


def write_reports(project, settings_or_defaults=None, which: str = "all", *,
                  on_locked: LockedCallback | None = None) -> list[Path]:
    """Write the report workbooks from the project state; returns the paths written.

    `which` is "all" (the eight workbooks) or "search" (initial queries and search results).
    A locked workbook is handled by `on_locked(path)`: "retry" tries again, "rename" (and the
    default without a callback) writes "name (1).xlsx" ..., a Path writes there, None gives up
    with ReportError. Every fallback is logged as a warning.
    """
    if which not in ("all", "search"):
        raise ValueError(f"which must be 'all' or 'search', not {which!r}")
    opts = ReportOptions.from_settings(settings_or_defaults)
    keys = REPORT_KEYS if which == "all" else SEARCH_REPORTS
    state = _State.load(project)
    written: list[Path] = []
    for key in keys:
        report = BUILDERS[key](state, opts)
        target = project.private_dir / f"{project.name}{opts.suffixes[key]}.xlsx"
        wb = _workbook(report, state)
        path = save_workbook(wb, target, on_locked=on_locked)
        if path != target:
            log.warning("report %s could not be replaced (is it open in another program?); written as %s",
                        target, path)
        written.append(path)
    log.info("wrote %d report(s) in %s", len(written), project.private_dir)
    return written


def read_selection(results_xlsx) -> set[str]:
    """The SeriesInstanceUIDs marked for download (Y/YES/1/TRUE, any case) in a search-results workbook."""
    path = Path(results_xlsx)
    if not path.is_file():
        raise ReportError(f"Results workbook {path} does not exist. Choose the edited "
                          f"{DEFAULT_SUFFIXES['search_results']} workbook of the project.")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:   # openpyxl raises many kinds for a damaged or foreign file
        raise ReportError(f"Results workbook {path} cannot be read as .xlsx ({e}). "
                          "Save it from Excel as an .xlsx workbook and try again.") from e
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if not header:
                continue
            names = [str(h).strip().lower() if h is not None else "" for h in header]
            if DOWNLOAD.lower() not in names and SERIES_UID.lower() not in names:
                continue
            missing = [c for c in (DOWNLOAD, SERIES_UID) if c.lower() not in names]
            if missing:
                raise ReportError(f"Results workbook {path}, sheet '{ws.title}': the column "
                                  f"{' and '.join(repr(m) for m in missing)} is missing from the header row. "
                                  "Put the column back (row 1) or use the workbook as the program wrote it.")
            di, ui = names.index(DOWNLOAD.lower()), names.index(SERIES_UID.lower())
            chosen = set()
            for r in rows:
                if r is None or len(r) <= max(di, ui):
                    continue
                uid = r[ui]
                if uid is None or not str(uid).strip():
                    continue
                if is_yes(r[di]):
                    chosen.add(str(uid).strip())
            return chosen
    finally:
        wb.close()
    raise ReportError(f"Results workbook {path} has no sheet with '{DOWNLOAD}' and '{SERIES_UID}' columns. "
                      f"Use the {DEFAULT_SUFFIXES['search_results']} workbook the program wrote.")


def is_yes(value: Any) -> bool:
    """A Download cell that means yes: Y, YES, 1, TRUE (any case, spaces ignored) or a true boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value == 1
    return value is not None and str(value).strip().upper() in YES_VALUES


def save_workbook(wb: Workbook, target: Path, *, on_locked: LockedCallback | None = None) -> Path:
    """Save atomically (mid.atomic); on a locked target follow `on_locked`; returns the path written."""
    target = Path(target)
    buf = io.BytesIO()
    wb.save(buf)
    tries = {"renames": 0, "retries": 0, "total": 0}

    def locked(dest: Path, e: OSError) -> Path:
        tries["total"] += 1
        if tries["total"] > MAX_RENAMES + MAX_RETRIES + 10:
            raise ReportError(f"Report {target} was not written: every name tried was locked. "
                              "Close the workbooks that are open and write the reports again.")
        choice = on_locked(dest) if on_locked else "rename"
        if choice == "retry" and tries["retries"] < MAX_RETRIES:
            tries["retries"] += 1
            return dest
        if choice == "rename" and tries["renames"] < MAX_RENAMES:
            tries["renames"] += 1
            return target.with_name(f"{target.stem} ({tries['renames']}){target.suffix}")
        if isinstance(choice, (str, os.PathLike)) and choice not in ("retry", "rename"):
            return Path(choice)
        raise ReportError(f"Report {target} is locked (open in another program?) and was not written: "
                          f"{e.strerror or e}. Close it and write the reports again "
                          "(python main.py report --project DIR).") from e

    try:
        written = write_atomic(target, buf.getvalue(), on_replace_error=locked)
    except OSError as e:
        raise ReportError(f"Cannot write report {target}: {e.strerror or e}. "
                          "Check that the folder exists and that you may write to it.") from e
    assert written is not None
    return written


# --------------------------------------------------------------------------- state snapshot

@dataclass
class _State:
    """One consistent read of the project for all reports of a run."""
    queries: list
    row_errors: list
    series: list
    key: list
    ignored_reasons: dict[str, list[str]]
    query_ids: dict[int, str]
    file_problems: list = field(default_factory=list)     # (path, problem) of files anonymize did not place
    pixel_counts: dict[str, tuple[int, int]] = field(default_factory=dict)   # series UID -> (masked, dropped)

    @classmethod
    def load(cls, project) -> "_State":
        snapshot = getattr(project, "snapshot", None)
        if snapshot is None:
            return cls._read(project)
        with snapshot():
            return cls._read(project)

    @classmethod
    def _read(cls, project) -> "_State":
        queries = project.queries()
        return cls(queries=queries, row_errors=project.row_errors(), series=project.series(),
                   key=project.key_entries(), ignored_reasons=project.ignored_reasons(),
                   query_ids={q.number: q.query_id for q in queries},
                   file_problems=list(getattr(project, "file_problems", list)()),
                   pixel_counts={uid: pixels.count_reasons(reasons)
                                 for uid, reasons in getattr(project, "reason_counts", dict)().items()})

    def pixels_text(self, series_uids: Iterable[str]) -> str | None:
        """The "Burned-in text" cell for these series: "3 masked, 1 dropped", or None."""
        counts = [self.pixel_counts.get(uid, (0, 0)) for uid in series_uids]
        return pixels.count_text(sum(m for m, _ in counts), sum(d for _, d in counts))


# --------------------------------------------------------------------------- rows

def _series_headers(opts: ReportOptions, *, download: bool = False) -> list[str]:
    legend = list(opts.legend_tags)
    if download:
        for uid in ("StudyInstanceUID", SERIES_UID):     # the round trip needs them
            if uid not in legend:
                legend.append(uid)
    head = [DOWNLOAD] if download else []
    return head + ["StudyNumber", "Status", "QueryNumber"] + legend + COUNT_HEADERS + [PIXELS, "Reason"]


def _series_row(s, opts: ReportOptions, reason: str | None = None,
                state: "_State | None" = None) -> dict[str, Any]:
    row: dict[str, Any] = {"StudyNumber": s.study_number, "Status": s.status, "QueryNumber": s.query_number,
                           "Expected": s.expected, "Received": s.received, "Written": s.written,
                           "Ignored": s.ignored, "Reason": reason if reason is not None else s.reason,
                           PIXELS: state.pixels_text([s.series_uid]) if state is not None else None}
    for tag in list(opts.legend_tags) + ["StudyInstanceUID", SERIES_UID]:
        row.setdefault(tag, s.tags.get(tag))
    return row


def _query_row(q, opts: ReportOptions) -> dict[str, Any]:
    reason = q.reason or ("no study matched this query" if q.status == proj.MISSING else None)
    row: dict[str, Any] = {"StudyNumber": None, "Status": q.status, "QueryNumber": q.number, "Reason": reason}
    for tag in opts.legend_tags:
        vals = q.values.get(tag)
        row[tag] = "; ".join(str(v) for v in vals) if isinstance(vals, list) else vals
    return row


def _series_table(title: str, series: Iterable, opts: ReportOptions, state: _State, reasons=None) -> Table:
    t = Table(title, _series_headers(opts))
    for s in series:
        t.rows.append(_series_row(s, opts, reasons(s) if reasons else None, state))
    return t


def build_initial_queries(state: _State, opts: ReportOptions) -> Report:
    """_0: every query as loaded, and every row that had errors."""
    keywords: list[str] = []
    for q in state.queries:
        for k in q.values:
            if k not in keywords:
                keywords.append(k)
    t = Table("Initial queries", ["QueryNumber", "QueryID", "Row", "Status", "Exact"] + keywords
              + ["Reason", "Errors"])
    items: list[tuple[tuple, dict]] = []
    for q in state.queries:
        row = {"QueryNumber": q.number, "QueryID": q.query_id, "Row": q.row, "Status": q.status,
               "Exact": "Y" if q.exact else None, "Reason": q.reason,
               "Errors": _errors_text(q.errors)}
        for k in keywords:
            vals = q.values.get(k)
            row[k] = "; ".join(str(v) for v in vals) if isinstance(vals, list) else vals
        items.append(((q.batch, q.row, 0), row))
    by_row: dict[tuple[int, int], list[dict]] = {}
    for e in state.row_errors:
        by_row.setdefault((e.batch, e.row), []).append(
            {"row": e.row, "column": e.column, "value": e.value, "message": e.message})
    for (batch, row_no), errs in by_row.items():
        items.append(((batch, row_no, 1), {"Row": row_no, "Status": "NOT USED",
                                           "Reason": "row not searched: see Errors",
                                           "Errors": _errors_text(errs)}))
    t.rows = [r for _, r in sorted(items, key=lambda it: it[0])]
    if not any(r.get("Exact") for r in t.rows):      # no query asked for exact descriptions
        t.headers.remove("Exact")
    return Report("initial_queries", t)


def _errors_text(errors: list[dict]) -> str | None:
    parts = []
    for e in errors or []:
        where = f"column {e.get('column')}" if e.get("column") else "row"
        value = f" value '{e.get('value')}'" if e.get("value") else ""
        parts.append(f"{where}{value}: {e.get('message')}")
    return "\n".join(parts) or None


def build_search_results(state: _State, opts: ReportOptions) -> Report:
    """_1: every found series with Download Y/N, then MISSING, FAILED and unsearched queries."""
    t = Table("Search results", _series_headers(opts, download=True))
    for s in state.series:
        row = _series_row(s, opts, state=state)
        row[DOWNLOAD] = "Y" if s.status in SELECTED_STATUSES else "N"
        t.rows.append(row)
    for q in state.queries:
        if q.status != proj.FOUND:
            t.rows.append(_query_row(q, opts))
    return Report("search_results", t)


KEY_HEADERS = ["StudyNumber", "Status", "QueryNumber", "PatientID", "PatientName", "AccessionNumber", "StudyDate",
               "StudyDescription", "SeriesDescription", "StudyInstanceUID", "SeriesInstanceUID",
               "NewPatientID", "NewPatientName", "NewAccessionNumber", "NewStudyInstanceUID",
               "NewSeriesInstanceUID", "DateOffsetDays", "NewStudyDate", "DescriptorsChanged", PIXELS]
_KEY_MAP = {"PatientID": "patient_id", "PatientName": "patient_name", "AccessionNumber": "accession_number",
            "StudyDate": "study_date", "StudyDescription": "study_description",
            "SeriesDescription": "series_description", "StudyInstanceUID": "study_uid",
            "SeriesInstanceUID": "series_uid", "NewPatientID": "new_patient_id",
            "NewPatientName": "new_patient_name", "NewAccessionNumber": "new_accession_number",
            "NewStudyInstanceUID": "new_study_uid", "NewSeriesInstanceUID": "new_series_uid",
            "DateOffsetDays": "date_offset_days", "StudyNumber": "study_number"}


def build_master_key(state: _State, opts: ReportOptions) -> Report:
    """_2: the master key, one row per series, with the series' status and query."""
    by_uid = {s.series_uid: s for s in state.series}
    t = Table("Master key", list(KEY_HEADERS))
    for e in state.key:
        row = {h: getattr(e, attr, None) for h, attr in _KEY_MAP.items()}
        s = by_uid.get(row["SeriesInstanceUID"])
        row["Status"] = s.status if s else None
        row["QueryNumber"] = s.query_number if s else None
        if not row["StudyNumber"] and s:
            row["StudyNumber"] = s.study_number
        row["NewStudyDate"] = shifted_date(row["StudyDate"], row["DateOffsetDays"])
        # the descriptors whose text Clean Descriptors changed (their originals are the columns above)
        row["DescriptorsChanged"] = "; ".join(getattr(e, "descriptors_changed", ()) or ()) or None
        row[PIXELS] = state.pixels_text([row["SeriesInstanceUID"]])
        t.rows.append(row)
    return Report("master_key", t)


def build_successful(state: _State, opts: ReportOptions) -> Report:
    """_3: series that ended DOWNLOADED."""
    return Report("successful", _series_table("Successful downloads",
                                              [s for s in state.series if s.status == proj.DOWNLOADED], opts, state))


def build_ignored(state: _State, opts: ReportOptions) -> Report:
    """_4: series IGNORED, or with instances dropped by the de-identification rules, with the reasons."""
    def reasons(s) -> str | None:
        parts = ([s.reason] if s.reason else []) + [r for r in state.ignored_reasons.get(s.series_uid, [])
                                                    if r != s.reason]
        return "; ".join(parts) or None
    chosen = [s for s in state.series if s.status == proj.IGNORED or s.ignored > 0]
    return Report("ignored", _series_table("Ignored for HIPAA", chosen, opts, state, reasons))


def build_excluded(state: _State, opts: ReportOptions) -> Report:
    """_5: series the user did not select."""
    return Report("excluded", _series_table("User excluded",
                                            [s for s in state.series if s.status == proj.EXCLUDED], opts, state))


UNFINISHED_REASON = "not finished: the transfer stopped before this series was done; run download again to resume"


def build_failed(state: _State, opts: ReportOptions) -> Report:
    """_6: FAILED, PARTIAL and CANCELLED series with the reason; also QUEUED/DOWNLOADING ones a stopped run left."""
    bad = {proj.FAILED, proj.PARTIAL, proj.CANCELLED, proj.QUEUED, proj.DOWNLOADING}

    def reasons(s) -> str | None:
        if s.status in (proj.QUEUED, proj.DOWNLOADING):
            return s.reason or UNFINISHED_REASON
        return s.reason
    files = Table("Files not placed", ["File", "Problem"],
                  [{"File": path, "Problem": why} for path, why in state.file_problems])
    return Report("failed", _series_table("Failed transfers", [s for s in state.series if s.status in bad],
                                          opts, state, reasons), extra=[files] if files.rows else [])


def build_not_downloaded(state: _State, opts: ReportOptions) -> Report:
    """_7: queries that found nothing (or failed), then every study with no DOWNLOADED series."""
    t = Table("Studies not downloaded", _series_headers(opts))
    for q in state.queries:
        if q.status != proj.FOUND:
            t.rows.append(_query_row(q, opts))
    studies: dict[str, list] = {}
    for s in state.series:
        studies.setdefault(s.study_uid, []).append(s)
    for members in studies.values():
        if any(s.status == proj.DOWNLOADED for s in members):
            continue
        t.rows.append(_study_row(members, opts, state))
    return Report("not_downloaded", t)


def _study_row(members: list, opts: ReportOptions, state: _State) -> dict[str, Any]:
    """One row for a study: its series' distinct values joined, counts summed."""
    def distinct(values: Iterable) -> str | None:
        out: list[str] = []
        for v in values:
            if v not in (None, "") and str(v) not in out:
                out.append(str(v))
        return "; ".join(out) or None

    def total(attr: str) -> int | None:
        vals = [getattr(s, attr) for s in members if getattr(s, attr) is not None]
        return sum(vals) if vals else None

    row: dict[str, Any] = {"StudyNumber": members[0].study_number,
                           "Status": distinct(sorted({s.status for s in members}, key=_status_order)),
                           "QueryNumber": min((s.query_number for s in members if s.query_number is not None),
                                              default=None),
                           "Expected": total("expected"), "Received": total("received"),
                           "Written": total("written"), "Ignored": total("ignored"),
                           "Reason": distinct(s.reason for s in members),
                           PIXELS: state.pixels_text(s.series_uid for s in members)}
    for tag in opts.legend_tags:
        row[tag] = distinct(s.tags.get(tag) for s in members)
    return row


BUILDERS: dict[str, Callable[[_State, ReportOptions], Report]] = {
    "initial_queries": build_initial_queries,
    "search_results": build_search_results,
    "master_key": build_master_key,
    "successful": build_successful,
    "ignored": build_ignored,
    "excluded": build_excluded,
    "failed": build_failed,
    "not_downloaded": build_not_downloaded,
}


# --------------------------------------------------------------------------- summary

#: statuses whose series were never retrieved: their Received/Written/Ignored say nothing
NOT_RETRIEVED = frozenset({proj.FOUND, proj.MISSING, proj.EXCLUDED, proj.QUEUED})


def summary_tables(rows: list[dict], query_ids: dict[int, str]) -> tuple[Table, Table]:
    """Totals per status and per query over a report's rows.

    Per status: the rows, the studies they belong to, and the instance counts; for statuses
    that were never retrieved (FOUND, MISSING, EXCLUDED, QUEUED) only what the PACS announced
    (Expected), the other counts left empty. Per query: one column per status that occurs."""
    statuses: list[str] = []
    for r in rows:
        for st in _statuses_of(r):
            if st not in statuses:
                statuses.append(st)
    statuses.sort(key=_status_order)
    per_status = Table("Summary", ["Status", "Rows", "Studies"] + COUNT_HEADERS)
    for st in statuses + ["Total"]:
        members = rows if st == "Total" else [r for r in rows if st in _statuses_of(r)]
        studies = {r.get("StudyNumber") for r in members if r.get("StudyNumber")}
        line = {"Status": st, "Rows": len(members), "Studies": len(studies) or None}
        for h in COUNT_HEADERS:
            if h != "Expected" and st in NOT_RETRIEVED:
                line[h] = None
            else:
                line[h] = sum(int(r.get(h) or 0) for r in members)
        per_status.rows.append(line)
    per_query = Table("Per query", ["QueryNumber", "QueryID", "Rows"] + statuses)
    numbers = sorted({r.get("QueryNumber") for r in rows if isinstance(r.get("QueryNumber"), int)})
    for n in numbers:
        members = [r for r in rows if r.get("QueryNumber") == n]
        line = {"QueryNumber": n, "QueryID": query_ids.get(n), "Rows": len(members)}
        for st in statuses:
            line[st] = sum(1 for r in members if st in _statuses_of(r)) or None
        per_query.rows.append(line)
    return _drop_empty_columns(per_status, keep=("Status", "Rows")), per_query


def _drop_empty_columns(table: Table, keep: Iterable[str] = ()) -> Table:
    """The table without the columns that are empty in every row (those in keep stay)."""
    keep = set(keep)
    table.headers = [h for h in table.headers
                     if h in keep or any(r.get(h) not in (None, "") for r in table.rows)]
    return table


def _status_order(status: str) -> tuple[int, str]:
    """Statuses in the order a series passes through them, unknown ones last."""
    return (proj.STATUSES.index(status) if status in proj.STATUSES else len(proj.STATUSES), status)


def _statuses_of(row: dict) -> list[str]:
    st = row.get("Status")
    return [s.strip() for s in str(st).split(";") if s.strip()] if st else []


# --------------------------------------------------------------------------- xlsx

def _workbook(report: Report, state: _State) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(report.table.title)
    _write_table(ws, report.table)
    if report.summary:                  # one table per sheet, each with its own frozen header
        per_status, per_query = summary_tables(report.table.rows, state.query_ids)
        _write_table(wb.create_sheet("Summary"), per_status, filter_=False)
        if per_query.rows:
            _write_table(wb.create_sheet("Per query"), per_query, filter_=False)
    for table in report.extra:
        _write_table(wb.create_sheet(_sheet_title(table.title)), table)
    return wb


def _write_table(ws, table: Table, *, first_row: int = 1, filter_: bool = True, freeze: bool = True) -> None:
    """Header, rows, formats, widths, frozen header and autofilter."""
    widths = [len(h) for h in table.headers]
    date_cols = {i for i, h in enumerate(table.headers) if _is_date_keyword(h)}
    for c, h in enumerate(table.headers, start=1):
        cell = ws.cell(row=first_row, column=c, value=h)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for r_i, row in enumerate(table.rows, start=first_row + 1):
        for c_i, h in enumerate(table.headers):
            value = row.get(h)
            cell = ws.cell(row=r_i, column=c_i + 1)
            shown = _set_cell(cell, value, c_i in date_cols)
            if r_i - first_row <= WIDTH_SAMPLE_ROWS:
                widths[c_i] = max(widths[c_i], max((len(p) for p in shown.split("\n")), default=0))
    for c, w in enumerate(widths, start=1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0,
                                                 min(MAX_WIDTH, max(8, w + 2)))
    if freeze:
        ws.freeze_panes = ws.cell(row=first_row + 1, column=1)
    if filter_ and table.headers:
        last = get_column_letter(len(table.headers))
        ws.auto_filter.ref = f"A{first_row}:{last}{first_row + max(1, len(table.rows))}"


def _set_cell(cell, value: Any, is_date_col: bool) -> str:
    """Store a value: ints as numbers, DICOM dates as dates, everything else as text. Returns the shown text."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        cell.value = "Y" if value else "N"
        return cell.value
    if isinstance(value, int):
        cell.value = value
        return str(value)
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = _DATE
        return "2000-01-01"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if is_date_col:
        d = parse_da(text)
        if d is not None:
            cell.value = d
            cell.number_format = _DATE
            return "2000-01-01"
    cell.value = text
    cell.data_type = "s"          # never a formula, even when it starts with "="
    cell.number_format = _TEXT
    if "\n" in text:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return text


def shifted_date(study_date: Any, offset_days: Any) -> dt.date | None:
    """The study date as it appears in the de-identified images: the original plus the offset."""
    d = parse_da(str(study_date or ""))
    if d is None or not isinstance(offset_days, int):
        return None
    try:
        return d + dt.timedelta(days=offset_days)
    except OverflowError:
        return None


def parse_da(text: str) -> dt.date | None:
    """A DICOM DA value (YYYYMMDD) as a date; None for ranges, partial or invalid dates."""
    return dates.da_to_date(text)


@functools.lru_cache(maxsize=512)
def _is_date_keyword(header: str) -> bool:
    """True for DICOM keywords of VR DA (StudyDate, PatientBirthDate, ...)."""
    try:
        from pydicom.datadict import dictionary_VR, tag_for_keyword
        tag = tag_for_keyword(header)
        return tag is not None and dictionary_VR(tag) == "DA"
    except (ImportError, KeyError):
        return header.endswith("Date")


def _sheet_title(title: str) -> str:
    return "".join(ch for ch in title if ch not in '[]:*?/\\')[:31] or "Sheet"
