"""Selection: which found series a download retrieves (second step of the flow:
search → selection → retrieve → store).

`select` applies the user's choice (the window's tree, the command line's filters or an edited
results sheet) to the project: the chosen series become QUEUED, the other found ones EXCLUDED.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from mid.jobs import EngineError
from mid.vocab import MISSING

if TYPE_CHECKING:
    from mid.project import Project


def select(project: "Project", *, include_series: str | None = None, exclude_series: str | None = None,
           modalities: Iterable[str] | str | None = None, series_uids: Iterable[str] | None = None) -> int:
    """Marks the chosen series QUEUED and the other found ones EXCLUDED; returns how many were chosen.

    With `series_uids`, exactly those (still narrowed by the filters given). Otherwise every series
    found, minus the filters. Filters: regexes on SeriesDescription (case-insensitive) and a list
    of modalities. DOWNLOADED and IGNORED series keep their status.
    """
    inc = _compile(include_series, "--include-series")
    exc = _compile(exclude_series, "--exclude-series")
    if isinstance(modalities, str):
        modalities = [m for m in re.split(r"[,;\s]+", modalities) if m]
    mods = {m.strip().upper() for m in modalities} if modalities else None
    wanted = set(series_uids) if series_uids is not None else None
    chosen: set[str] = set()
    for s in project.series():
        if s.status == MISSING:
            continue
        if wanted is not None and s.series_uid not in wanted:
            continue
        desc = (s.tags.get("SeriesDescription") or "")
        if inc is not None and not inc.search(desc):
            continue
        if exc is not None and exc.search(desc):
            continue
        if mods is not None and (s.tags.get("Modality") or "").strip().upper() not in mods:
            continue
        chosen.add(s.series_uid)
    project.select(chosen)
    project.set_setting("filters", {"include_series": include_series, "exclude_series": exclude_series,
                                    "modalities": sorted(mods) if mods else None,
                                    "series_uids": len(wanted) if wanted is not None else None})
    return len(chosen)


def _compile(pattern: str | None, option: str) -> "re.Pattern[str] | None":
    if not pattern:
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise EngineError(f"{option} {pattern!r} is not a valid regular expression ({e}); "
                          f"write plain text, or escape special characters with a backslash") from e
