"""Spreadsheet files in: reads an .xlsx, .xls or .csv file's chosen sheet into raw rows.

`read_raw()` tells the format from the file's first bytes (its name can lie) and returns a
`RawSheet`: the cell values as the file holds them (text, numbers, dates, times, booleans),
rows[0] being sheet row 1, plus the epoch of Excel serial dates and notices for the user.
.xlsx is read by a fast reader of the package XML, with openpyxl as the fallback; .xls by
xlrd; delimited text by sniffing its encoding (UTF-8, UTF-16 with or without BOM, else Windows
Western) and delimiter. (Not pandas: docs/ARCHITECTURE.md, "Why no pandas", has the figures.)
querysheet.py turns the raw rows into queries; nothing here knows of headers or DICOM.
Whatever the file holds, the result is a RawSheet or a SheetError naming the file.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger("mid.sheetfiles")


class SheetError(Exception):
    """The file or sheet cannot be used at all; str() says which file and what to do."""


@dataclass(frozen=True)
class RawSheet:
    """The raw cell values of one sheet; rows[0] is sheet row 1."""
    name: str | None
    rows: list[list[Any]]
    epoch: dt.date = dt.date(1899, 12, 30)       # day 0 of Excel serial numbers
    notices: tuple[str, ...] = ()


def _file_kind(path: Path) -> str:
    """'xlsx', 'xls' or 'csv', from the first bytes of the file (its name can lie)."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise SheetError(f"{path}: this file is a web page or XML export, not a spreadsheet. "
                         "Open it in Excel and save it as .xlsx, or export it as .csv.")
    if (b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
            and _bomless_utf16(head, partial=True) is None):
        raise _not_a_sheet(path)
    return "csv"


def _not_a_sheet(path: Path) -> SheetError:
    return SheetError(f"{path}: not a spreadsheet this program can read. "
                      "Save it as .xlsx, .xls or .csv.")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _bomless_utf16(data: bytes, partial: bool = False) -> str | None:
    """'utf-16-le' or 'utf-16-be' when data is UTF-16 text without a byte-order mark, else None.

    Most characters of a sheet are ASCII, and in UTF-16 each has a NUL byte: at odd offsets
    little-endian, at even offsets big-endian. Binary files have NULs too, so the bytes must also
    decode to text free of NUL and control characters. partial: data is the start of a file (it
    may end inside a character).
    """
    n = len(data) - len(data) % 2
    if n < 2 or (not partial and n != len(data)):
        return None
    zeros_even, zeros_odd = data[0:n:2].count(0), data[1:n:2].count(0)
    if max(zeros_even, zeros_odd) * 4 < n // 2:      # under a quarter of the characters ASCII
        return None
    codec = "utf-16-le" if zeros_odd > zeros_even else "utf-16-be"
    try:
        text = data[:n].decode(codec)
    except UnicodeDecodeError:
        if not partial:
            return None
        try:                      # the start of a file may end inside a surrogate pair
            text = data[:n - 2].decode(codec)
        except UnicodeDecodeError:
            return None
    return None if _CONTROL.search(text) else codec


def _pick_sheet(path: Path, names: list[str], wanted: str | None) -> str:
    """The sheet to read: the named one (case and surrounding spaces ignored) or the first."""
    if not names:
        raise SheetError(f"{path}: the workbook has no worksheets.")
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    folded = {n.strip().casefold(): n for n in names}
    if wanted.strip().casefold() in folded:
        return folded[wanted.strip().casefold()]
    listing = ", ".join(f"'{n}'" for n in names)
    raise SheetError(f"{path}: there is no sheet named '{wanted}'. The sheets are: {listing}. "
                     "Give one of these names, or leave the sheet out to read the first.")


def _read_xlsx(path: Path, wanted: str | None) -> RawSheet:
    """Cells of one worksheet of an .xlsx/.xlsm: the fast reader, else openpyxl's."""
    try:
        return _read_xlsx_fast(path, wanted)
    except SheetError:
        raise
    except Exception as exc:   # a package layout the fast reader does not know: let openpyxl try
        log.debug("fast xlsx reader gave up on %s (%s); using openpyxl", path.name, exc)
        return _read_xlsx_openpyxl(path, wanted)


def _read_xlsx_openpyxl(path: Path, wanted: str | None) -> RawSheet:
    """Cells of one worksheet through openpyxl's read-only mode (dates as datetime)."""
    import openpyxl
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip or XML damage: openpyxl raises many kinds
        raise SheetError(f"{path}: cannot read this .xlsx file ({exc}). Open it in Excel, "
                         "save it again as .xlsx, and retry.") from exc
    try:
        names = [ws.title for ws in wb.worksheets]
        name = _pick_sheet(path, names, wanted)
        ws = wb[name]
        ws.reset_dimensions()      # some writers store a wrong size; read what is there
        rows = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
        epoch = wb.epoch.date() if isinstance(wb.epoch, dt.datetime) else wb.epoch
    finally:
        wb.close()
    return RawSheet(name, rows, epoch)


# The fast .xlsx reader: the same raw values as openpyxl's read-only mode, from the package's XML
# parsed with ElementTree (several times quicker on large sheets).
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _rels(zf: Any, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part name) of one package part."""
    import posixpath
    import xml.etree.ElementTree as ET
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    out = {}
    for rel in ET.fromstring(zf.read(rels_name)).iter(_PKG_REL_NS + "Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type", ""), target)
    return out


def _workbook_part(zf: Any) -> str:
    """The part name of the workbook, from the package relationships."""
    for rtype, target in _rels(zf, "").values():
        if rtype.endswith("/officeDocument"):
            return target
    raise ValueError("no officeDocument relationship")


def _shared_strings(zf: Any, targets: list[str]) -> list[str]:
    """The shared string table (rich-text runs joined, phonetic hints left out)."""
    import xml.etree.ElementTree as ET
    if not targets:
        return []
    strings = []
    with zf.open(targets[0]) as fh:
        for _, el in ET.iterparse(fh):
            if el.tag == _MAIN_NS + "si":
                strings.append(_inline_text(el))
                el.clear()
    return strings


def _inline_text(el: Any) -> str:
    """The text of an <si> or <is> element: its <t>, or the <t> of each <r> run."""
    parts = []
    for child in el:
        if child.tag == _MAIN_NS + "t":
            parts.append(child.text or "")
        elif child.tag == _MAIN_NS + "r":
            parts.extend(t.text or "" for t in child.iter(_MAIN_NS + "t"))
    return "".join(parts)


def _date_styles(zf: Any, targets: list[str]) -> set[int]:
    """Indexes of the cell formats (cellXfs) whose number format is a date or time."""
    import xml.etree.ElementTree as ET
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
    if not targets:
        return set()
    root = ET.fromstring(zf.read(targets[0]))
    codes = dict(BUILTIN_FORMATS)
    for fmt in root.iter(_MAIN_NS + "numFmt"):
        codes[int(fmt.get("numFmtId"))] = fmt.get("formatCode", "")
    xfs = root.find(_MAIN_NS + "cellXfs")
    if xfs is None:
        return set()
    return {i for i, xf in enumerate(xfs.findall(_MAIN_NS + "xf"))
            if is_date_format(codes.get(int(xf.get("numFmtId", 0)), "General") or "General")}


def _column_index(ref: str, cache: dict[str, int]) -> int:
    """0-based column index of a cell reference such as 'AB12'."""
    letters = ref.rstrip("0123456789")
    idx = cache.get(letters)
    if idx is None:
        idx = 0
        for ch in letters.upper():
            idx = idx * 26 + ord(ch) - 64
        idx -= 1
        cache[letters] = idx
    return idx


def _xlsx_cell(c: Any, strings: list[str], date_styles: set[int], epoch: dt.datetime,
               from_excel: Callable[[float, dt.datetime], Any]) -> Any:
    """The raw value of one <c> element, typed the way openpyxl types it."""
    kind = c.get("t", "n")
    if kind == "inlineStr":
        inline = c.find(_MAIN_NS + "is")
        return None if inline is None else _inline_text(inline)
    v = c.find(_MAIN_NS + "v")
    text = None if v is None else v.text
    if text is None:
        return None
    if kind == "s":
        return strings[int(text)]
    if kind in ("str", "e"):
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "d":
        return dt.datetime.fromisoformat(text.rstrip("Z"))
    number: int | float = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
    style = c.get("s")
    if style is not None and int(style) in date_styles:
        return from_excel(number, epoch)
    return number


def _sheet_rows(fh: Any, strings: list[str], date_styles: set[int], epoch: dt.datetime) -> list[list]:
    """All rows of a worksheet part; rows[0] is sheet row 1, missing rows are empty lists."""
    import xml.etree.ElementTree as ET
    from openpyxl.utils.datetime import from_excel
    rows: list[list[Any]] = []
    cache: dict[str, int] = {}
    row_tag, cell_tag = _MAIN_NS + "row", _MAIN_NS + "c"
    for _, el in ET.iterparse(fh):
        if el.tag != row_tag:
            continue
        number = int(el.get("r") or len(rows) + 1)
        while len(rows) < number - 1:
            rows.append([])
        values: list[Any] = []
        col = -1
        for c in el:
            if c.tag != cell_tag:
                continue
            ref = c.get("r")
            col = _column_index(ref, cache) if ref else col + 1
            value = _xlsx_cell(c, strings, date_styles, epoch, from_excel)
            if value is None:
                continue
            if col >= len(values):
                values.extend([None] * (col + 1 - len(values)))
            values[col] = value
        rows.append(values)
        el.clear()
    return rows


def _read_xlsx_fast(path: Path, wanted: str | None) -> RawSheet:
    """Cells of one worksheet, read straight from the package XML."""
    import xml.etree.ElementTree as ET
    import zipfile
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900
    with zipfile.ZipFile(path) as zf:
        book_part = _workbook_part(zf)
        rels = _rels(zf, book_part)
        root = ET.fromstring(zf.read(book_part))
        sheets = {}
        for sh in root.iter(_MAIN_NS + "sheet"):
            rtype, target = rels[sh.get(_DOC_REL_NS + "id")]
            if rtype.endswith("/worksheet"):
                sheets[sh.get("name")] = target
        name = _pick_sheet(path, list(sheets), wanted)
        pr = root.find(_MAIN_NS + "workbookPr")
        mac = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
        epoch = CALENDAR_MAC_1904 if mac else CALENDAR_WINDOWS_1900
        by_type = {}
        for rtype, target in rels.values():
            by_type.setdefault(rtype.rsplit("/", 1)[-1], []).append(target)
        strings = _shared_strings(zf, by_type.get("sharedStrings", []))
        date_styles = _date_styles(zf, by_type.get("styles", []))
        with zf.open(sheets[name]) as fh:
            rows = _sheet_rows(fh, strings, date_styles, epoch)
    return RawSheet(name, rows, epoch.date())


def _read_xls(path: Path, wanted: str | None) -> RawSheet:
    """Cells of one worksheet of a legacy .xls, converted to the same raw types as .xlsx."""
    import xlrd
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:
        raise SheetError(f"{path}: cannot read this .xls file ({exc}). It may be protected by a "
                         "password or damaged: open it in Excel and save it as .xlsx.") from exc
    try:
        name = _pick_sheet(path, book.sheet_names(), wanted)
        sh = book.sheet_by_name(name)
        rows = [[_xls_value(book, t, v) for t, v in zip(sh.row_types(r), sh.row_values(r))]
                for r in range(sh.nrows)]
        epoch = dt.date(1904, 1, 1) if book.datemode else dt.date(1899, 12, 30)
    finally:
        book.release_resources()
    return RawSheet(name, rows, epoch)


def _xls_value(book: Any, ctype: int, value: Any) -> Any:
    """One xlrd cell as the value openpyxl would give: None, str, float, bool, date or time."""
    import xlrd
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_DATE:
        try:
            stamp = xlrd.xldate_as_datetime(value, book.datemode)
        except Exception:
            return value
        return stamp.time() if 0 <= value < 1 else stamp
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#N/A")
    return value


def _decode_text(path: Path, data: bytes) -> tuple[str, str | None]:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 (with or without BOM), else
    Windows Western.

    Windows Western is cp1252 (Latin-1 plus curly quotes and the euro sign), or plain Latin-1
    for the few bytes cp1252 leaves undefined.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            raise SheetError(f"{path}: this file starts as UTF-16 text but is damaged ({exc.reason} "
                             f"at byte {exc.start}). Open it in Excel and save it again as .xlsx "
                             "or as CSV UTF-8.") from None
    if b"\x00" in data[:4096]:             # UTF-16 without BOM, as _file_kind found
        codec = _bomless_utf16(data)
        if codec is None:
            raise _not_a_sheet(path)
        log.debug("%s: UTF-16 text without a byte-order mark, read as %s", path.name, codec)
        return data.decode(codec), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    note = (f"{path.name} is not UTF-8; it was read as Windows Western (cp1252/Latin-1). "
            "Check that accented letters look right, or save the file as CSV UTF-8.")
    try:
        return data.decode("cp1252"), note
    except UnicodeDecodeError:
        return data.decode("latin-1"), note


def _sniff_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that splits the header line (and the next lines) best."""
    # 20 lines of at most 4096 characters each stay under csv's field size limit together
    lines = [ln[:4096] for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for delim in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        header = counts[0]
        steady = sum(1 for c in counts[1:] if c == header)
        score = (header, steady) if header > 1 else (1, 0)
        if score > best_score:
            best, best_score = delim, score
    return best


_SEP_LINE = re.compile(r"sep=(.)")


def _read_csv(path: Path, wanted: str | None) -> RawSheet:
    """Cells of a delimited text file, every cell as text (None when empty)."""
    text, note = _decode_text(path, path.read_bytes())
    notices = [note] if note else []
    if wanted is not None:
        notices.append(f"{path.name} is a text file with a single sheet; the sheet name '{wanted}' "
                       "was ignored.")
    first, _, rest = text.partition("\n")
    declared = _SEP_LINE.fullmatch(first.strip())
    if declared:           # Excel's "sep=;" first line: it names the delimiter and is not a row
        delim, text = declared.group(1), rest
    else:
        delim = _sniff_delimiter(text)
    rows = _csv_rows(path, text, delim)
    return RawSheet(None, rows, notices=tuple(notices))


def _csv_rows(path: Path, text: str, delim: str) -> list[list[str | None]]:
    """The cells of delimited text (None when blank); a record csv cannot read is a SheetError
    naming the row (rows[0] is row 1, as Excel shows it, a "sep=" line not counted) and, for an
    oversized cell, the column."""
    pending: list[str] = []          # the lines of the record being read

    def lines():
        for line in io.StringIO(text, newline=""):
            pending.append(line)
            yield line

    rows: list[list[str | None]] = []
    reader = csv.reader(lines(), delimiter=delim)
    try:
        for record in reader:
            pending.clear()
            rows.append([c if c.strip() else None for c in record])
    except csv.Error as exc:
        row = len(rows) + 1
        if "field larger than field limit" not in str(exc):
            raise SheetError(f"{path}: row {row} cannot be read as {_delim_name(delim)}-separated "
                             f"text ({exc}). Open the file in Excel and save it again as CSV, or "
                             "save it as .xlsx.") from None
        col = _oversized_column("".join(pending), delim, csv.field_size_limit())
        header = rows[0][col] if rows and col < len(rows[0]) and rows[0][col] else None
        named = f"column {column_letter(col)}" + (f" ('{header.strip()}')" if header else "")
        raise SheetError(
            f"{path}: row {row}, {named} holds a cell of more than {csv.field_size_limit():,} "
            "characters, far more than any query value. Usually a quote mark (\") opens that cell "
            "and is never closed, so the rest of the file runs into it: check that row in a text "
            "editor and remove the stray quote (or double it, \"\"), or save the sheet from Excel "
            "again.") from None
    return rows


def _oversized_column(record: str, delim: str, limit: int) -> int:
    """0-based index of the first field of a (partial) CSV record longer than limit characters."""
    col, length, quoted, i = 0, 0, False, 0
    while i < len(record):
        ch = record[i]
        if quoted:
            if ch == '"' and record[i + 1:i + 2] == '"':
                i += 1
                length += 1
            elif ch == '"':
                quoted = False
            else:
                length += 1
        elif ch == '"' and length == 0:
            quoted = True
        elif ch == delim:
            col, length = col + 1, 0
        else:
            length += 1
        if length > limit:
            return col
        i += 1
    return col


def _delim_name(delim: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}.get(delim, repr(delim))


def column_letter(idx: int) -> str:
    """Excel column letter of a 0-based column index: 0 -> A, 27 -> AB."""
    letters = ""
    idx += 1
    while idx:
        idx, rem = divmod(idx - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_raw(path: Path, sheet: str | None = None) -> RawSheet:
    """The raw cells of the file's chosen sheet, whatever its format (xlsx, xls or csv)."""
    if not path.exists():
        raise SheetError(f"{path}: file not found. Check the path and the file name.")
    if path.is_dir():
        raise SheetError(f"{path}: this is a folder; give the spreadsheet file inside it.")
    try:
        kind = _file_kind(path)
        reader = {"xlsx": _read_xlsx, "xls": _read_xls, "csv": _read_csv}[kind]
        raw = reader(path, sheet)
    except PermissionError as exc:
        raise SheetError(f"{path}: cannot open the file ({exc.strerror}). If it is open in Excel, "
                         "close it and retry.") from exc
    except OSError as exc:
        raise SheetError(f"{path}: cannot read the file ({exc}).") from exc
    suffix = path.suffix.lower()
    if kind == "csv" and suffix in (".xls", ".xlsx", ".xlsm"):
        raw = RawSheet(raw.name, raw.rows, raw.epoch,
                       raw.notices + (f"{path.name} is delimited text despite its {suffix} name; "
                                      "it was read as CSV.",))
    return raw
