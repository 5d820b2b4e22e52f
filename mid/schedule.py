"""When transfers to a peer may run: its time windows, read from peers.json.

A window is written as text, in local time:

* ``"19:00-07:00"``: every day from 19:00 to 07:00 the next morning;
* ``"Sat-Sun"`` or ``"Sat,Sun"``: those whole days;
* ``"Mon-Fri 19:00-07:00"``: on those days, from 19:00 (and on into the next morning);
* ``"00:00-24:00"``: all day.

A peer with no windows may transfer at any time. With several windows, a transfer may run when
any of them is open. `Schedule.open_at` says whether one is open at a moment, `Schedule.next_open`
when the next one opens, and `Schedule.closes_at` when the open one closes (so a run can stop
cleanly there and resume at the next).

This module imports nothing of the program's, so settings can validate windows with it.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = r"([01]?\d|2[0-4]):([0-5]\d)"
_RANGE = re.compile(rf"^{_TIME}\s*-\s*{_TIME}$")
_EXAMPLES = '"19:00-07:00", "Sat-Sun", "Mon-Fri 19:00-07:00"'


class WindowError(ValueError):
    """A window's text cannot be read; the message says which part and gives examples."""


def _minutes(hours: str, minutes: str, text: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if value > 24 * 60:
        raise WindowError(f"window {text!r}: {hours}:{minutes} is not a time of day (00:00 to 24:00)")
    return value


def _day(word: str, text: str) -> int:
    key = word.strip().lower()
    for number, name in enumerate(_DAY_NAMES):
        if len(key) >= 3 and name.startswith(key):
            return number
    raise WindowError(f"window {text!r}: {word.strip()!r} is not a day; write Mon, Tue, Wed, Thu, "
                      f"Fri, Sat or Sun")


def _days(part: str, text: str) -> frozenset[int]:
    days: set[int] = set()
    for piece in part.split(","):
        if "-" in piece:
            first, last = (_day(w, text) for w in piece.split("-", 1))
            day = first
            while True:
                days.add(day)
                if day == last:
                    break
                day = (day + 1) % 7
        else:
            days.add(_day(piece, text))
    return frozenset(days)


@dataclass(frozen=True)
class Window:
    """One window: the weekdays it starts on (0 = Monday) and its start and end in minutes."""
    text: str
    days: frozenset[int]
    start: int
    end: int

    @property
    def length(self) -> int:
        """Minutes from its start to its end (an end at or before the start runs past midnight)."""
        return self.end - self.start if self.end > self.start else self.end + 24 * 60 - self.start

    def _opening(self, now: _dt.datetime) -> _dt.datetime | None:
        """The start of the occurrence of this window that holds `now`, or None."""
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        for back in (0, 1):
            day = midnight - _dt.timedelta(days=back)
            if day.weekday() not in self.days:
                continue
            opens = day + _dt.timedelta(minutes=self.start)
            if opens <= now < opens + _dt.timedelta(minutes=self.length):
                return opens
        return None

    def closes_at(self, now: _dt.datetime) -> _dt.datetime | None:
        opens = self._opening(now)
        return None if opens is None else opens + _dt.timedelta(minutes=self.length)

    def next_open(self, now: _dt.datetime) -> _dt.datetime:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        for ahead in range(8):
            day = midnight + _dt.timedelta(days=ahead)
            opens = day + _dt.timedelta(minutes=self.start)
            if day.weekday() in self.days and opens >= now:
                return opens
        raise AssertionError("a window opens at least once a week")  # pragma: no cover


def parse_window(text: object) -> Window:
    """Read one window's text; WindowError saying what is wrong, with examples."""
    if not isinstance(text, str) or not text.strip():
        raise WindowError(f"a window must be text such as {_EXAMPLES}, not {text!r}")
    words = text.strip().split(None, 1)
    times = _RANGE.match(words[-1].strip())
    if times is None and len(words) == 2:
        raise WindowError(f"window {text!r}: {words[1]!r} is not a time range such as 19:00-07:00")
    if times is None:
        if any(ch.isdigit() for ch in words[0]):
            raise WindowError(f"window {text!r} is neither a time range nor days; write e.g. {_EXAMPLES}")
        return Window(text, _days(words[0], text), 0, 24 * 60)
    days = _days(words[0], text) if len(words) == 2 else frozenset(range(7))
    start = _minutes(times.group(1), times.group(2), text)
    end = _minutes(times.group(3), times.group(4), text)
    if start == end:
        raise WindowError(f"window {text!r} starts and ends at the same time; for all day write 00:00-24:00")
    if start == 24 * 60:
        raise WindowError(f"window {text!r} starts at 24:00; write 00:00")
    return Window(text, days, start, end)


def window_problem(text: object) -> str | None:
    """None when `text` is a valid window, else the message (for settings' validation)."""
    try:
        parse_window(text)
    except WindowError as e:
        return str(e)
    return None


@dataclass(frozen=True)
class Schedule:
    """A peer's windows; no windows means always open."""
    windows: tuple[Window, ...] = ()

    @classmethod
    def from_texts(cls, texts: tuple[str, ...] | list[str]) -> "Schedule":
        return cls(tuple(parse_window(t) for t in texts))

    @property
    def always(self) -> bool:
        return not self.windows

    def open_at(self, now: _dt.datetime) -> bool:
        return self.always or any(w.closes_at(now) is not None for w in self.windows)

    def closes_at(self, now: _dt.datetime) -> _dt.datetime | None:
        """When transfers must stop, if a window is open now (None when always open or closed).

        Windows that overlap or touch count as one: the end is where no window is open any more.
        """
        if self.always:
            return None
        end: _dt.datetime | None = None
        probe = now
        for _ in range(len(self.windows) * 8 + 1):
            ends = [e for e in (w.closes_at(probe) for w in self.windows) if e is not None]
            if not ends:
                break
            end = max(ends)
            probe = end
        return end

    def next_open(self, now: _dt.datetime) -> _dt.datetime:
        """The moment the next window opens (now, when one is open)."""
        if self.open_at(now):
            return now
        return min(w.next_open(now) for w in self.windows)

    def describe(self) -> str:
        return "any time" if self.always else ", ".join(w.text for w in self.windows)
