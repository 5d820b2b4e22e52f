"""Query sheets in: an .xlsx, .xls or .csv file of wanted studies becomes a list of normalised queries.

Each data row of the sheet becomes one `Query` whose values are ready for a C-FIND: identifiers
as text (leading zeros kept, Excel float artifacts repaired), dates as `YYYYMMDD` or DICOM ranges,
times as `HHMMSS`. A row that cannot be used gets exactly one `RowError` naming the row as the
user sees it in Excel, the column header, the value, why, and what to write instead; the other
rows still load. `SheetError` is kept for files and sheets that cannot be used at all.

sheetfiles.py reads the file into raw rows; this module turns the header row into columns and
each cell into normalised values (dates and times through dates.py, the program's one date
parser).

The sheet format is described for users in docs/SHEETS.md.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mid import dates
from mid.sheetfiles import RawSheet, SheetError, column_letter, read_raw  # noqa: F401  (also public here)

if TYPE_CHECKING:
    from mid.settings import Settings

log = logging.getLogger("mid.querysheet")

QUERY_ID = "Query"          # pseudo-keyword of the query ID column
EXACT = "Exact"             # pseudo-keyword of the per-row exact-match column
MAX_LISTED = 10             # how many rows/values a notice lists before "and N more"

DEFAULT_QUERY_ID_ALIASES = ("Query", "Query ID", "QueryID", "Query No", "Query Number", "ID", "Index")
DEFAULT_EXACT_ALIASES = ("Exact", "Exact Match")
EXCEL_ERRORS = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!"}
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"   # zero-width characters pasted from web pages
NULL_PARTS = {"", "nan"}    # parts of a ';' list that are dropped (pandas writes NaN for blanks)


# ---------------------------------------------------------------------------------------------
# Public data

@dataclass(frozen=True)
class Query:
    """One usable row of the sheet: what to ask the PACS for."""
    query_id: str                 # the user's ID (text) or "1".."N"
    row: int                      # spreadsheet row number as the user sees it (header is row 1)
    values: dict[str, list[str]]  # DICOM keyword -> one or more normalised values (';' splits)
    exact: bool = False           # per-row exact description match (column "Exact" = Y)


@dataclass(frozen=True)
class RowError:
    """Why one row of the sheet was not used; message says why and what to write instead."""
    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, column '{self.column}', value '{self.value}': {self.message}"


@dataclass(frozen=True)
class SheetResult:
    """Everything learnt from one sheet: the usable queries, the row errors and general notices."""
    path: Path
    sheet: str | None
    columns: list[str]            # recognised DICOM keywords, in sheet order
    queries: list[Query]
    errors: list[RowError]
    notices: list[str]


# ---------------------------------------------------------------------------------------------
# Headers -> columns

@dataclass(frozen=True)
class Column:
    """One used column of the sheet: where it is, what the user called it, what it means."""
    index: int
    header: str
    keyword: str
    kind: str     # "date" | "time" | "uid" | "int" | "code" | "text" | "query_id" | "exact"


_KIND_BY_VR = {"DA": "date", "TM": "time", "UI": "uid", "IS": "int", "CS": "code"}


def _norm(text: Any) -> str:
    """A header reduced to lower-case letters and digits: 'Accession #' -> 'accession'."""
    return _NOT_ALNUM.sub("", str(text).casefold())


def _norm_hash(text: Any) -> str:
    """Like _norm, but '#' reads as 'number': 'Series #' -> 'seriesnumber'."""
    return _norm(str(text).replace("#", " number "))


def _lookup(mapping: dict[str, str], header: str) -> str | None:
    """The keyword of a header: '#' read as 'number' first ('Series #'), then dropped ('MRN #')."""
    return mapping.get(_norm_hash(header)) or mapping.get(_norm(header))


def _keyword_vr(keyword: str, extra_tags: dict) -> str | None:
    """The VR of a keyword from pydicom's dictionary, or from tags.json for extra tags."""
    from pydicom.datadict import dictionary_VR, tag_for_keyword
    tag = tag_for_keyword(keyword)
    if tag is not None:
        try:
            return dictionary_VR(tag)
        except KeyError:
            return None
    entry = extra_tags.get(keyword) if isinstance(extra_tags, dict) else None
    if isinstance(entry, dict):
        vr = entry.get("vr") or entry.get("VR")
        return str(vr).upper() if vr else None
    if isinstance(entry, (list, tuple)):     # the original ["0x0008", "0x0050", "SH"] form
        return next((str(v).upper() for v in entry if isinstance(v, str) and len(v) == 2
                     and v.isalpha()), None)
    return None


def _header_map(settings: "Settings") -> dict[str, str]:
    """Normalised header -> keyword.

    Precedence, lowest first: any DICOM keyword (and tags.json), the built-in Query/Exact names,
    the excel_headings.json aliases (the first keyword listing an alias keeps it), and finally the
    exact keyword names of the query identifiers, so a column named 'SeriesNumber' always means it.
    """
    from pydicom.datadict import keyword_dict
    mapping: dict[str, str] = {_norm(kw): kw for kw in keyword_dict}
    mapping.update({_norm(kw): kw for kw in settings.extra_tags})
    mapping.update({_norm_hash(a): QUERY_ID for a in DEFAULT_QUERY_ID_ALIASES})
    mapping.update({_norm_hash(a): EXACT for a in DEFAULT_EXACT_ALIASES})
    claimed: dict[str, str] = {}
    for key, aliases in (settings.excel_headings or {}).items():
        target = {"query": QUERY_ID, "queryid": QUERY_ID, "exact": EXACT}.get(_norm(key), key)
        if isinstance(aliases, str):
            aliases = [aliases]
        for alias in [key, *aliases]:
            norm = _norm_hash(alias)
            if norm and norm not in claimed:
                claimed[norm] = target
    mapping.update(claimed)
    mapping.update({_norm(kw): kw for kw in settings.query_identifiers})
    return mapping


def _recognised_headers(settings: "Settings") -> str:
    """For error messages: each identifier keyword with the headers that map to it."""
    parts = []
    for kw in settings.query_identifiers:
        aliases = [a for a in (settings.excel_headings or {}).get(kw, []) if _norm(a) != _norm(kw)]
        parts.append(f"{kw} ({', '.join(aliases)})" if aliases else kw)
    return "; ".join(parts)


def _plan_columns(path: Path, header_row: list[Any], settings: "Settings",
                  has_data: Callable[[int], bool]) -> tuple[list[Column], list[str]]:
    """The columns to use, and notices about the headers that are not used."""
    mapping = _header_map(settings)
    identifiers = set(settings.query_identifiers)
    extra = settings.extra_tags
    used: list[Column] = []
    taken: dict[str, str] = {}
    unknown, not_identifiers, duplicates, unnamed = [], [], [], []
    for idx, cell in enumerate(header_row):
        header = "" if cell is None else str(cell).strip()
        if not _norm(header):
            if has_data(idx):
                unnamed.append(column_letter(idx))
            continue
        kw = _lookup(mapping, header)
        if kw is None:
            unknown.append(header)
        elif kw in taken:
            duplicates.append(f"'{header}' (same as '{taken[kw]}')")
        elif kw in (QUERY_ID, EXACT):
            taken[kw] = header
            used.append(Column(idx, header, kw, "query_id" if kw == QUERY_ID else "exact"))
        elif kw not in identifiers:
            not_identifiers.append(f"'{header}' ({kw})")
        else:
            taken[kw] = header
            kind = _KIND_BY_VR.get(_keyword_vr(kw, extra) or "", "text")
            used.append(Column(idx, header, kw, kind))
    if not any(c.kind not in ("query_id", "exact") for c in used):
        found = ", ".join(f"'{h}'" for h in [str(c).strip() for c in header_row if c is not None] if h)
        raise SheetError(
            f"{path}: no column of this sheet is recognised (headers found in its first row: "
            f"{found or 'none'}). Name at least one column with one of these keywords or headers: "
            f"{_recognised_headers(settings)}. Header aliases are set in excel_headings.json and "
            "the keywords read from a sheet in query_identifiers.json.")
    notices = []
    if unknown:
        notices.append("Columns not recognised and ignored: " + ", ".join(f"'{h}'" for h in unknown)
                       + ". To use one, add its header to excel_headings.json.")
    if not_identifiers:
        notices.append("Columns ignored because their DICOM keyword is not in query_identifiers.json: "
                       + ", ".join(not_identifiers) + ".")
    if duplicates:
        notices.append("Columns ignored because an earlier column has the same meaning: "
                       + ", ".join(duplicates) + ".")
    if unnamed:
        notices.append("Columns without a header were ignored: " + ", ".join(unnamed) + ".")
    return used, notices


# ---------------------------------------------------------------------------------------------
# Cell normalisation

class CellProblem(Exception):
    """A cell that cannot be used; the text says why and what to write instead."""


@dataclass
class CellContext:
    """What normalising one cell needs to know; notes collects remarks for the notices."""
    date_order: str = "US"        # "US" (M/D/Y) or "EU" (D/M/Y)
    window_days: int = 0
    epoch: dt.date = dates.EXCEL_EPOCH
    row: int = 0                  # the sheet row being read, for the notes
    notes: list[str] = field(default_factory=list)
    rounded: list[str] = field(default_factory=list)   # scientific-notation texts read as integers


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _display(value: Any) -> str:
    """A raw cell value as the user would recognise it in an error message."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def _split_parts(value: Any) -> list[Any]:
    """A cell as its ';'-separated parts; empty and 'NaN' parts are dropped."""
    if isinstance(value, str):
        return [p.strip() for p in value.split(";") if p.strip().casefold() not in NULL_PARTS]
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [value]


_FLOAT_TEXT = re.compile(r"[+-]?\d+\.0*")
_INTEGER = re.compile(r"[+-]?\d+")
_CODE = re.compile(r"[A-Z0-9 _*?]{1,16}")
_UID = re.compile(r"\d+(\.\d+)*")
_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_SCI_TEXT = re.compile(r"[+-]?\d+(\.\d+)?[eE][+]?\d+")


def _repair_number_text(text: str) -> str:
    """Undo Excel float artifacts in text: '12345.0' -> '12345', '1.2345E+6' -> '1234500'."""
    if _FLOAT_TEXT.fullmatch(text):
        return text.split(".")[0]
    if _SCI_TEXT.fullmatch(text):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        if number == number.to_integral_value():
            return str(int(number))
    return text


def _number_text(value: float | int) -> str:
    """A numeric cell as identifier text: 1234.0 -> '1234', 12.5 -> '12.5'."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _as_text(value: Any, what: str, ctx: CellContext | None = None) -> str:
    """Any non-date part of a cell as repaired text; values Excel has damaged are refused."""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and abs(value) >= 1e15:
        raise CellProblem(f"Excel stored this {what} as a number with more digits than it keeps "
                          "(15), so the last digits are lost. Format the column as Text in Excel "
                          "and type or paste the value again.")
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, (dt.date, dt.time)):
        raise CellProblem(f"Excel turned this {what} into a date or time. Format the column as Text "
                          "in Excel and type the value again (or start it with an apostrophe ').")
    text = str(value).strip().strip(INVISIBLE).strip()
    if text.startswith("'"):        # Excel's "keep as text" apostrophe, typed into a CSV
        text = text[1:].strip()
    if text in EXCEL_ERRORS:
        raise CellProblem(f"the cell holds the Excel error {text}. Fix the formula or type the value.")
    repaired = _repair_number_text(text)
    if ctx is not None and repaired != text and _SCI_TEXT.fullmatch(text):
        ctx.rounded.append(f"row {ctx.row}: '{text}' as {repaired}")
    return repaired


def _norm_text(value: Any, ctx: CellContext) -> str:
    text = _as_text(value, "value", ctx)
    if "\\" in text:
        raise CellProblem("a backslash separates values in DICOM and cannot be searched for. "
                          "Use ';' to give several values, e.g. A;B.")
    return text


def _norm_int(value: Any, ctx: CellContext) -> str:
    text = _as_text(value, "number", ctx)
    if not _INTEGER.fullmatch(text):
        raise CellProblem("this must be a whole number. Write it like 3 (several: 1;2;3).")
    return str(int(text))


def _norm_code(value: Any, ctx: CellContext) -> str:
    text = _as_text(value, "code").upper()
    if not _CODE.fullmatch(text):
        raise CellProblem("a code such as a modality is up to 16 letters, digits, spaces or "
                          "underscores. Write it like CT or MR (several: CT;MR).")
    return text


def _norm_uid(value: Any, ctx: CellContext) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellProblem("Excel stored this UID as a number and may have lost digits. Format the "
                          "column as Text and paste the UID again, e.g. 1.2.840.113619.2.55.3.1234.")
    text = _as_text(value, "UID")
    if len(text) > 64 or not _UID.fullmatch(text):
        raise CellProblem("a UID is up to 64 characters of digits separated by single dots. "
                          "Write it like 1.2.840.113619.2.55.3.1234, without spaces or letters.")
    return text


# --- dates and times (read by mid/dates.py, the program's one date parser)

def _norm_date(value: Any, ctx: CellContext) -> str:
    """One date part as DICOM: YYYYMMDD, or a range A-B / A- / -B (window applied to singles)."""
    notes: list[str] = []
    try:
        return dates.da_query(value, ctx.date_order, ctx.epoch, ctx.window_days, notes)
    except dates.DateProblem as problem:
        raise CellProblem(str(problem)) from None
    finally:
        ctx.notes.extend(f"row {ctx.row}: {note}" for note in notes)


def _norm_time(value: Any, ctx: CellContext) -> str:
    """One time part as DICOM HHMMSS, or a range A-B / A- / -B."""
    try:
        return dates.tm_query(value)
    except dates.DateProblem as problem:
        raise CellProblem(str(problem)) from None


_NORMALISERS: dict[str, Callable[[Any, CellContext], str]] = {
    "date": _norm_date, "time": _norm_time, "uid": _norm_uid, "int": _norm_int,
    "code": _norm_code, "text": _norm_text,
}


def normalise_cell(kind: str, value: Any, ctx: CellContext) -> list[str]:
    """A raw cell of a column of this kind as its list of DICOM values (empty when blank).

    Raises CellProblem with the reason and what to write instead.
    """
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise CellProblem(f"the cell holds the Excel error {value.strip()}. "
                          "Fix the formula or type the value.")
    norm = _NORMALISERS[kind]
    out: list[str] = []
    for part in _split_parts(value):
        text = norm(part, ctx)
        if text and text not in out:
            out.append(text)
    return out


def _exact_flag(value: Any) -> bool:
    """The Exact column: Y/Yes/True/1/X is exact, N/No/False/0/blank is not."""
    if _is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = _as_text(value, "flag").casefold()
    if text in ("y", "yes", "true", "1", "x"):
        return True
    if text in ("n", "no", "false", "0"):
        return False
    raise CellProblem("write Y for an exact description match, or N (or leave it empty) for a "
                      "match anywhere in the description.")


# ---------------------------------------------------------------------------------------------
# Rows -> queries

@dataclass(frozen=True)
class RowOutcome:
    """What became of one data row: a query's parts, an error, or a skip reason."""
    row: int
    query_id: str = ""
    values: dict[str, list[str]] = field(default_factory=dict)
    exact: bool = False
    error: RowError | None = None
    skipped: str | None = None        # "blank" | "no identifiers"


def _row_outcome(row_no: int, cells: list[Any], columns: list[Column], ctx: CellContext) -> RowOutcome:
    """Normalise one data row; the first bad cell becomes the row's single error."""
    def cell(col: Column) -> Any:
        return cells[col.index] if col.index < len(cells) else None

    if all(_is_blank(c) for c in cells):
        return RowOutcome(row_no, skipped="blank")
    id_cols = [c for c in columns if c.kind not in ("query_id", "exact")]
    if all(_is_blank(cell(c)) for c in id_cols):
        return RowOutcome(row_no, skipped="no identifiers")
    values: dict[str, list[str]] = {}
    query_id, exact = "", False
    ctx.row = row_no
    for col in columns:
        raw = cell(col)
        try:
            if col.kind == "query_id":
                query_id = "" if _is_blank(raw) else _as_text(raw, "query ID")
            elif col.kind == "exact":
                exact = _exact_flag(raw)
            else:
                parsed = normalise_cell(col.kind, raw, ctx)
                if parsed:
                    values[col.keyword] = parsed
        except CellProblem as problem:
            return RowOutcome(row_no, error=RowError(row_no, col.header, _display(raw), str(problem)))
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            log.warning("row %d, column %s: unexpected %s", row_no, col.keyword, type(exc).__name__)
            return RowOutcome(row_no, error=RowError(
                row_no, col.header, _display(raw),
                f"this value could not be read ({exc}). Retype it as plain text."))
    if not values:
        return RowOutcome(row_no, skipped="no identifiers")
    return RowOutcome(row_no, query_id, values, exact)


def _listing(items: list[str]) -> str:
    """Up to MAX_LISTED items joined, then 'and N more'."""
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def _assign_ids(outcomes: list[RowOutcome], id_header: str | None) -> tuple[list[str], str | None]:
    """The query IDs: the user's when unique and non-blank, else 1..N with a notice why."""
    numbered = [str(i) for i in range(1, len(outcomes) + 1)]
    if id_header is None:
        return numbered, None
    ids = [o.query_id for o in outcomes]
    blanks = [str(o.row) for o in outcomes if not o.query_id]
    seen: dict[str, list[int]] = {}
    for o in outcomes:
        if o.query_id:
            seen.setdefault(o.query_id, []).append(o.row)
    dups = [f"'{qid}' (rows {', '.join(map(str, rows))})" for qid, rows in seen.items() if len(rows) > 1]
    if not blanks and not dups:
        return ids, None
    why = []
    if dups:
        why.append("it has duplicates: " + _listing(dups))
    if blanks:
        why.append("it is blank on rows " + _listing(blanks))
    return numbered, (f"The query ID column '{id_header}' was not used because "
                      + "; ".join(why) + f". Queries are numbered 1..{len(outcomes)} instead.")


def _summary_notices(outcomes: list[RowOutcome], ctx: CellContext, n_queries: int,
                     n_errors: int, columns: list[Column]) -> list[str]:
    """Notices about skipped rows, date-order fallbacks and an empty result."""
    notices = []
    blank = sum(1 for o in outcomes if o.skipped == "blank")
    empty = [str(o.row) for o in outcomes if o.skipped == "no identifiers"]
    if blank:
        notices.append(f"Skipped {blank} blank row{'s' if blank != 1 else ''}.")
    if empty:
        notices.append(f"Skipped {len(empty)} row{'s' if len(empty) != 1 else ''} with no "
                       f"identifiers (rows {_listing(empty)}).")
    if ctx.notes:
        notices.append("Dates read in the other day/month order: " + _listing(ctx.notes))
    if ctx.rounded:
        notices.append("Values written in scientific notation were read as whole numbers: "
                       + _listing(ctx.rounded) + ". Excel writes long numbers this way and may "
                       "have rounded them: check them, and format ID columns as Text.")
    if n_queries == 0:
        headers = ", ".join(c.header for c in columns if c.kind not in ("query_id", "exact"))
        if n_errors:
            notices.append("No usable rows: every filled row has an error (listed below). "
                           "Fix them and load the sheet again.")
        else:
            notices.append(f"No usable rows: the sheet has headers but no row fills in any of "
                           f"{headers}. Add one query per row below the header row.")
    return notices


def _settings_context(settings: "Settings", epoch: dt.date) -> CellContext:
    """The cell context from settings.defaults (date order and window)."""
    defaults = settings.defaults          # settings has validated both
    return CellContext(defaults.date_order, max(0, defaults.date_window_days), epoch)


def load_sheet(path: str | Path, settings: "Settings", sheet: str | None = None) -> SheetResult:
    """Read a query sheet (.xlsx, .xls or .csv) into normalised queries, row errors and notices.

    Uses settings.excel_headings, settings.query_identifiers, settings.extra_tags and
    settings.defaults.date_order / date_window_days. Raises SheetError only when the file or
    sheet cannot be used at all; a sheet without usable rows is a result with a notice.
    """
    path = Path(path)
    raw = read_raw(path, sheet)
    rows = raw.rows
    header_idx = next((i for i, r in enumerate(rows) if not all(_is_blank(c) for c in r)), None)
    where = f"{path}" + (f" (sheet '{raw.name}')" if raw.name else "")
    if header_idx is None:
        raise SheetError(f"{where}: the sheet is empty. Put the headers (e.g. MRN, Accession Number, "
                         "Study Date) in row 1 and one query per row below.")
    header = rows[header_idx]
    body = rows[header_idx + 1:]

    def has_data(col: int) -> bool:
        return any(col < len(r) and not _is_blank(r[col]) for r in body)

    columns, notices = _plan_columns(path, header, settings, has_data)
    notices = list(raw.notices) + notices
    ctx = _settings_context(settings, raw.epoch)
    outcomes = [_row_outcome(header_idx + 2 + i, r, columns, ctx) for i, r in enumerate(body)]
    good = [o for o in outcomes if o.error is None and o.skipped is None]
    errors = [o.error for o in outcomes if o.error is not None]
    id_header = next((c.header for c in columns if c.kind == "query_id"), None)
    ids, id_notice = _assign_ids(good, id_header)
    if id_notice:
        notices.append(id_notice)
    queries = [Query(qid, o.row, o.values, o.exact) for qid, o in zip(ids, good)]
    notices += _summary_notices(outcomes, ctx, len(queries), len(errors), columns)
    keywords = [c.keyword for c in columns if c.kind not in ("query_id", "exact")]
    log.info("sheet %s: %d queries, %d row errors, %d notices", path.name, len(queries),
             len(errors), len(notices))
    return SheetResult(path, raw.name, keywords, queries, errors, notices)


# ---------------------------------------------------------------------------------------------
# Views

def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(result: SheetResult, max_width: int = 32) -> str:
    """A plain-text table of the normalised queries, then the row errors and notices.

    Columns with no value in any query are left out of the table and named below it.
    """
    shown = [k for k in result.columns if any(k in q.values for q in result.queries)]
    empty = [k for k in result.columns if k not in shown]
    exact = any(q.exact for q in result.queries)
    headers = ["Query", "Row", *shown, *(["Exact"] if exact else [])]
    body = [[q.query_id, str(q.row), *[";".join(q.values.get(k, [])) for k in shown],
             *(["Y" if q.exact else ""] if exact else [])] for q in result.queries]
    table = [[_clip(c, max_width) for c in r] for r in [headers, *body]]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    lines = [f"{result.path}" + (f" (sheet '{result.sheet}')" if result.sheet else "")]
    for n, r in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"{len(result.queries)} usable quer{'y' if len(result.queries) == 1 else 'ies'}, "
                 f"{len(result.errors)} row error{'' if len(result.errors) == 1 else 's'}.")
    if empty:
        lines.append("Columns with no values (not shown): " + ", ".join(empty) + ".")
    if result.errors:
        lines.append("Row errors (these rows are not used):")
        lines += [f"  {e}" for e in result.errors]
    if result.notices:
        lines.append("Notes:")
        lines += [f"  {n}" for n in result.notices]
    return "\n".join(lines)
