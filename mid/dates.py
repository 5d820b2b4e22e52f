"""Dates and times for the whole program: the one place that reads and writes them.

Who uses what:

- the query sheet (querysheet.py): `da_query()` and `tm_query()` turn one cell part (text in
  many forms, an Excel date cell, an Excel serial number, a range such as 4/10/2013-4/14/2013)
  into a DICOM date or time query, US (M/D/Y) or EU (D/M/Y) order, with `DateProblem` saying
  why a value is refused and what to write instead;
- the results filter (mygui.py): `parse_ymd()` for the date fields (YYYY-MM-DD or YYYYMMDD);
- the report workbooks (reports.py): `da_to_date()`, DICOM DA text to a real date;
- the anonymizer (anonymizer.py): `shift_da()` and `shift_dt()`, DA/DT values moved by a
  number of days.

The lower-level readers (`parse_date`, `date_of`, `parse_time`, `time_of`, `split_range`) and
writers (`to_da`, `to_tm`) are public too. Nothing here imports a module of ours.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

EXCEL_EPOCH = dt.date(1899, 12, 30)      # day 0 of Excel serial numbers (Windows 1900 system)
MIN_YEAR, MAX_YEAR = 1900, 2100          # sheet dates outside these years are refused

DATE_HINT = ("write a date such as 4/10/2013, 2013-04-10 or 20130410, or a range such as "
             "4/10/2013-4/14/2013, 4/10/2013- or -4/14/2013")
TIME_HINT = "write a time such as 14:30, 2:30 PM or 143000, or a range such as 08:00-12:00"


class DateProblem(ValueError):
    """A value that is not a usable date or time; str() says why and what to write instead."""


@dataclass(frozen=True)
class ParsedDate:
    """A parsed date, or why it is not one; note is a remark worth telling the user."""
    date: dt.date | None = None
    reason: str | None = None
    note: str | None = None


# ---------------------------------------------------------------------------------------------
# DICOM DA / TM text

def to_da(d: dt.date) -> str:
    """A date as DICOM DA text: YYYYMMDD."""
    return d.strftime("%Y%m%d")


def to_tm(t: dt.time) -> str:
    """A time as DICOM TM text: HHMMSS."""
    return t.strftime("%H%M%S")


def da_to_date(text: str) -> dt.date | None:
    """A DICOM DA value (YYYYMMDD) as a date; None for ranges, partial or invalid dates."""
    t = text.strip()
    if len(t) != 8 or not t.isdigit():
        return None
    try:
        return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))
    except ValueError:
        return None


_YMD_FIELD = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def parse_ymd(text: str) -> dt.date | None:
    """'2013-04-10' or '20130410' (the dashes each optional) as a date; None for anything else."""
    m = _YMD_FIELD.fullmatch(text.strip())
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def shift_da(text: str, days: int) -> str | None:
    """Shift a DA value (or DA range) by `days`; None when it is not a readable date.

    The old ACR-NEMA form YYYY.MM.DD is read too; the result is always YYYYMMDD. Empty stays
    empty; a result before year 1000 cannot be written as DA and gives None.
    """
    text = text.strip()
    if not text:
        return ""
    if "-" in text:
        parts = [shift_da(p, days) if p.strip() else "" for p in text.split("-", 1)]
        return None if None in parts else "-".join(parts)
    day = da_to_date(text.replace(".", "") if len(text) == 10 else text)
    if day is None:
        return None
    try:
        day += dt.timedelta(days=days)
    except OverflowError:
        return None
    return to_da(day) if day.year >= 1000 else None


def shift_dt(text: str, days: int) -> str | None:
    """Shift a DT value's date part by `days`, keeping its precision, time and offset suffix."""
    text = text.strip()
    if not text:
        return ""
    cut = len(text)
    for sign in "+-":
        pos = text.find(sign, 4)
        if pos != -1:
            cut = min(cut, pos)
    core, suffix = text[:cut], text[cut:]
    if len(core) < 4 or not core[:min(len(core), 8)].isdigit():
        return None
    precision = min(len(core), 8)
    date_part = (core[:precision] + "0101"[precision - 4:] if precision < 8 else core[:8])
    shifted = shift_da(date_part, days)
    if not shifted:
        return None
    return shifted[:precision] + core[precision:] + suffix


# ---------------------------------------------------------------------------------------------
# Dates as people write them (sheet cells)

_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
                  r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_DIGITS8 = re.compile(r"(\d{4})(\d{2})(\d{2})")
_AMBIGUOUS = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
                        r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?")
_DIGITS5 = re.compile(r"\d{5}")
_TO_RANGE = re.compile(r"(.*?)\s+to\s+(.*)", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[ \-]?([A-Za-z]{3,9})\.?[ \-,]*(\d{4}|\d{2})")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]{3,9})\.?[ \-]?(\d{1,2})(?:st|nd|rd|th)?,?[ \-]*(\d{4})")
_MONTHS = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _full_year(text: str) -> int:
    """A year as written: two digits are 2000-2029 or 1930-1999."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 30 else 1900
    return year


def _number_text(value: float | int) -> str:
    """A number as the user would write it: 41374.0 -> '41374', 12.5 -> '12.5'."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _parse_ambiguous(text: str, m: re.Match, order: str) -> ParsedDate:
    """D/M/Y or M/D/Y text, read in the configured order unless only the other order is valid."""
    a, b, year = int(m.group(1)), int(m.group(2)), _full_year(m.group(3))
    first = _make_date(year, a, b) if order == "US" else _make_date(year, b, a)
    if first is not None:
        return ParsedDate(first)
    other = _make_date(year, b, a) if order == "US" else _make_date(year, a, b)
    name = "month/day/year" if order == "US" else "day/month/year"
    if other is not None:
        other_name = "day/month/year" if order == "US" else "month/day/year"
        return ParsedDate(other, note=f"'{text}' was read as {other_name} "
                                      f"({other.isoformat()}): it is not a valid {name} date.")
    if not MIN_YEAR <= year <= MAX_YEAR:
        return ParsedDate(reason=f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return ParsedDate(reason=f"'{text}' is not a valid date in either day/month order")


def _named_month_date(text: str, year: str, month: str, day: str) -> ParsedDate:
    """A date written with the month's English name: '10 Apr 2013', 'April 10, 2013'."""
    d = _make_date(_full_year(year), _MONTHS[month.casefold()], int(day))
    return ParsedDate(d) if d else ParsedDate(reason=f"'{text}' is not a valid date")


def parse_date(text: str, order: str = "US", epoch: dt.date = EXCEL_EPOCH) -> ParsedDate:
    """One date written as text (no range): 20130410, 2013-04-10, 4/10/2013, 10 Apr 2013, ...

    order ("US" M/D/Y or "EU" D/M/Y) decides numeric day/month text; when only the other order
    gives a valid date, that one is used and the result carries a note saying so. Five digits
    are an Excel serial number exported as text (counted from epoch).
    """
    text = text.strip()
    m = _DIGITS8.fullmatch(text) or _YMD.fullmatch(text)
    if m:
        d = _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return ParsedDate(d) if d else ParsedDate(reason=f"'{text}' is not a valid year-month-day date")
    m = _AMBIGUOUS.fullmatch(text)
    if m:
        return _parse_ambiguous(text, m, order)
    if _DIGITS5.fullmatch(text):      # an Excel serial number exported as text
        return serial_date(int(text), order, epoch)
    m = _DAY_MONTH_YEAR.fullmatch(text)
    if m and m.group(2).casefold() in _MONTHS:
        return _named_month_date(text, m.group(3), m.group(2), m.group(1))
    m = _MONTH_DAY_YEAR.fullmatch(text)
    if m and m.group(1).casefold() in _MONTHS:
        return _named_month_date(text, m.group(3), m.group(1), m.group(2))
    return ParsedDate(reason=f"'{text}' is not a date this program can read")


def serial_date(number: float | int, order: str = "US", epoch: dt.date = EXCEL_EPOCH) -> ParsedDate:
    """An Excel serial day number (or a number typed as YYYYMMDD) as a date."""
    if float(number).is_integer() and 19000101 <= number <= 21001231:
        return parse_date(str(int(number)), order, epoch)
    if 1 <= number < 73051:     # up to year 2100
        return ParsedDate(epoch + dt.timedelta(days=int(number)))
    return ParsedDate(reason=f"the number {_number_text(number)} is neither an Excel date nor YYYYMMDD")


def date_of(value: Any, order: str = "US", epoch: dt.date = EXCEL_EPOCH) -> ParsedDate:
    """A single date from any cell value: datetime, date, serial number or text."""
    if isinstance(value, dt.datetime):
        return ParsedDate(value.date())
    if isinstance(value, dt.date):
        return ParsedDate(value)
    if isinstance(value, bool) or isinstance(value, dt.time):
        return ParsedDate(reason="this is not a date")
    if isinstance(value, (int, float)):
        return serial_date(value, order, epoch)
    return parse_date(str(value), order, epoch)


def split_range(text: str, parse: Callable[[str], Any], ok: Callable[[Any], bool]):
    """Split 'A-B', 'A to B', 'A-' or '-B' into (A, B) parsed values, trying every dash.

    A missing side is None. Returns None when the text is no range; raises DateProblem when
    several readings fit.
    """
    m = _TO_RANGE.fullmatch(text)
    if m:
        left, right = parse(m.group(1)), parse(m.group(2))
        return (left, right) if ok(left) and ok(right) else None
    readings = []
    for i, ch in enumerate(text):
        if ch != "-":
            continue
        left_text, right_text = text[:i].strip(), text[i + 1:].strip()
        if not left_text and not right_text:
            continue
        left = parse(left_text) if left_text else None
        right = parse(right_text) if right_text else None
        if (left is None or ok(left)) and (right is None or ok(right)):
            readings.append((left, right))
    if len(readings) > 1:
        raise DateProblem("this range can be read in more than one way. Write it as "
                          "YYYYMMDD-YYYYMMDD, e.g. 20130410-20130414.")
    return readings[0] if readings else None


def _dashes(text: str) -> str:
    """En and em dashes (Excel's and Word's autocorrect) as plain '-'."""
    return text.strip().replace("\u2013", "-").replace("\u2014", "-")


def da_query(value: Any, order: str = "US", epoch: dt.date = EXCEL_EPOCH, window_days: int = 0,
             notes: list[str] | None = None) -> str:
    """One cell part as a DICOM date query: YYYYMMDD, or a range A-B / A- / -B.

    A single date becomes the range date ± window_days when window_days > 0. Remarks about
    dates read in the other day/month order are appended to notes (also when the value is then
    refused). Raises DateProblem with why and what to write.
    """
    if notes is None:
        notes = []
    if isinstance(value, str):
        text = _dashes(value)
        single = parse_date(text, order, epoch)
        if single.date is None and ("-" in text or " to " in text.lower()):
            pair = split_range(text, lambda t: parse_date(t, order, epoch),
                               lambda p: p.date is not None)
            if pair is not None:
                return _da_range(*pair, notes)
        parsed = single
    else:
        parsed = date_of(value, order, epoch)
    if parsed.date is None:
        raise DateProblem(f"{parsed.reason}. To fix it, {DATE_HINT}.")
    if parsed.note:
        notes.append(parsed.note)
    if window_days > 0:
        span = dt.timedelta(days=window_days)
        return f"{to_da(parsed.date - span)}-{to_da(parsed.date + span)}"
    return to_da(parsed.date)


def _da_range(left: ParsedDate | None, right: ParsedDate | None, notes: list[str]) -> str:
    for p in (left, right):
        if p is not None and p.note:
            notes.append(p.note)
    if left is not None and right is not None and left.date > right.date:
        raise DateProblem(f"the range runs backwards ({left.date.isoformat()} is after "
                          f"{right.date.isoformat()}). Write the earlier date first, e.g. "
                          f"{to_da(right.date)}-{to_da(left.date)}.")
    start = to_da(left.date) if left else ""
    end = to_da(right.date) if right else ""
    return f"{start}-{end}"


# ---------------------------------------------------------------------------------------------
# Times as people write them

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp])?\.?(?:[Mm]\.?)?")
_HOUR_AMPM = re.compile(r"(\d{1,2})\s*([AaPp])\.?[Mm]\.?")
_DIGIT_TIME = re.compile(r"(\d{2})(\d{2})?(\d{2})?(?:\.\d+)?")


def _make_time(hour: int, minute: int, second: int, ampm: str | None) -> dt.time | None:
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute, second)


def parse_time(text: str) -> dt.time | None:
    """One time written as text: '14:30', '2:30 PM', '2 PM', '1430', '143000'; None otherwise."""
    text = text.strip()
    m = _CLOCK.fullmatch(text)
    if m:
        return _make_time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), m.group(4))
    m = _HOUR_AMPM.fullmatch(text)
    if m:
        return _make_time(int(m.group(1)), 0, 0, m.group(2))
    if len(text) == 1 and text.isdigit():
        text = "0" + text
    m = _DIGIT_TIME.fullmatch(text)
    if m:
        return _make_time(int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0), None)
    return None


def time_of(value: Any) -> dt.time | None:
    """A single time from any cell value: time, datetime, day fraction, number or text."""
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, bool) or isinstance(value, dt.date):
        return None
    if isinstance(value, float) and 0 <= value < 1:
        seconds = min(round(value * 86400), 86399)
        return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    if isinstance(value, (int, float)):
        if not float(value).is_integer():
            return None
        digits = str(int(value))
        width = {1: 2, 3: 4, 5: 6}.get(len(digits), len(digits))
        return parse_time(digits.zfill(width))
    return parse_time(str(value))


def tm_query(value: Any) -> str:
    """One cell part as a DICOM time query: HHMMSS, or a range A-B / A- / -B.

    Raises DateProblem with why and what to write.
    """
    if isinstance(value, str):
        text = _dashes(value)
        single = parse_time(text)
        if single is None and ("-" in text or " to " in text.lower()):
            pair = split_range(text, parse_time, lambda t: t is not None)
            if pair is not None:
                left, right = pair
                if left is not None and right is not None and left > right:
                    raise DateProblem("the time range runs backwards. Write the earlier time first, "
                                      f"e.g. {right.strftime('%H:%M')}-{left.strftime('%H:%M')}.")
                return f"{to_tm(left) if left else ''}-{to_tm(right) if right else ''}"
    else:
        single = time_of(value)
    if single is None:
        raise DateProblem(f"this is not a time this program can read. To fix it, {TIME_HINT}.")
    return to_tm(single)
