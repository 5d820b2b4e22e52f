"""Splitting a C-FIND whose answer the PACS capped: the narrower queries that together ask the same.

Pure logic, no network: `split_date` halves a StudyDate key (a day, a range "A-B", an open range
"A-" / "-B", or none at all), and `MODALITIES` are the values a modality split asks for, one by
one, once a query is down to one day. mid/search.py drives it and checks that every study of the
capped answer came back in the parts (`missing_from`), so a split can never lose a match silently.
"""
from __future__ import annotations

import datetime as dt
import re

#: the earliest StudyDate a split of an open range asks for on its own (older: one open part)
FLOOR = dt.date(1900, 1, 1)
_DA = re.compile(r"^\d{8}$")

#: Modality defined terms (PS3.3 C.7.3.1.1.1, with the retired ones PACS still hold); a capped
#: one-day query is asked once per term, plus any modality the capped answer itself named
MODALITIES = (
    "CT", "MR", "CR", "DX", "US", "XA", "NM", "PT", "MG", "RF", "OT", "SR", "SC", "KO", "PR", "SEG",
    "DOC", "IO", "PX", "RG", "ES", "XC", "OP", "OPT", "OPV", "OAM", "OCT", "OPM", "OSS", "IVOCT", "IVUS",
    "SM", "ECG", "EPS", "HD", "AU", "BMD", "BDUS", "BI", "GM", "LS", "RESP", "TG", "VA", "AR", "ASMT",
    "DG", "HC", "IOL", "KER", "LEN", "M3D", "OPTBSV", "OPTENF", "PLAN", "POS", "REG", "RTDOSE", "RTIMAGE",
    "RTPLAN", "RTRECORD", "RTSTRUCT", "RTINTENT", "RTRAD", "RTSEGANN", "RWV", "SMR", "SRF", "STAIN",
    "TEXTUREMAP", "FID", "CTPROTOCOL", "MS", "DS", "DD", "DF", "DM", "CD", "EC", "FA", "FS", "LP", "MA",
    "ST", "VF", "OPR",
)


def _day(text: str) -> dt.date | None:
    text = text.strip()
    if not _DA.match(text):
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def parse_range(text: str) -> tuple[dt.date | None, dt.date | None] | None:
    """A DA key as (first day, last day), None for an open end; None when it is not a date key."""
    text = (text or "").strip()
    if not text:
        return (None, None)
    if "-" not in text:
        day = _day(text)
        return None if day is None else (day, day)
    lo_text, _, hi_text = text.partition("-")
    lo = _day(lo_text) if lo_text.strip() else None
    hi = _day(hi_text) if hi_text.strip() else None
    if (lo_text.strip() and lo is None) or (hi_text.strip() and hi is None) or (lo and hi and lo > hi):
        return None
    return (lo, hi)


def format_range(lo: dt.date | None, hi: dt.date | None) -> str:
    """The DA key for (first day, last day): "A", "A-B", "A-", "-B" (never both open)."""
    f = "{:%Y%m%d}".format
    if lo is not None and lo == hi:
        return f(lo)
    return f"{f(lo) if lo else ''}-{f(hi) if hi else ''}"


def split_date(text: str, today: dt.date) -> list[str] | None:
    """Two StudyDate keys asking together what `text` asks; None when it is one day (or unreadable).

    No date at all means every date: it becomes "-mid" and "mid+1-", so studies dated before
    FLOOR or after today are still asked for. An open end is halved between FLOOR (or the
    known first day) and today (or the known last day); once that span is one day, that day
    is split off on its own.
    """
    bounds = parse_range(text)
    if bounds is None:
        return None
    lo, hi = bounds
    a = lo if lo is not None else min(FLOOR, hi or FLOOR)
    b = hi if hi is not None else max(today, a)
    if a < b:
        mid = a + (b - a) // 2
        return [format_range(lo, mid), format_range(mid + dt.timedelta(days=1), hi)]
    if lo is None:
        return [format_range(None, a - dt.timedelta(days=1)), format_range(a, a)]
    if hi is None:
        return [format_range(a, a), format_range(a + dt.timedelta(days=1), None)]
    return None                                   # one day: dates cannot split it further


def modalities_for(row_modalities: list[str], seen: list[str]) -> list[str]:
    """The modalities a one-day split asks for: the row's own, else every defined term and any
    modality the capped answer named, each once, in that order."""
    wanted = [m.strip().upper() for m in row_modalities if m.strip()]
    if wanted:
        return list(dict.fromkeys(wanted))
    extra = [m.strip().upper() for value in seen for m in value.split("\\") if m.strip()]
    return list(dict.fromkeys([*MODALITIES, *extra]))


def missing_from(capped_uids: list[str], found_uids: set[str]) -> list[str]:
    """UIDs of the capped answer that the split's parts did not bring back (should be none)."""
    return [uid for uid in capped_uids if uid and uid not in found_uids]
