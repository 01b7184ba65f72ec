"""Simulated clock and the DRS wire formats for times and durations."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


def iso(dt: datetime) -> str:
    """DRS timestamp string, e.g. ``2024-06-15T15:00:00.000Z``."""
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse the timestamp forms DRS accepts in filters (``Z`` or an offset)."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


def iso_duration(seconds: float) -> str:
    """ISO-8601 duration as DRS writes it: ``PT0S``, ``PT2M5S``, ``P152D``, ``P1DT3H``."""
    seconds = max(0, int(round(seconds)))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = "P"
    if days:
        out += f"{days}D"
    if hours or minutes or secs or not days:
        out += "T"
        if hours:
            out += f"{hours}H"
        if minutes:
            out += f"{minutes}M"
        if secs or (not hours and not minutes):
            out += f"{secs}S"
    return out


class Clock:
    """Simulated time: runs ``scale`` times faster than the wall clock, plus manual advances.

    ``scale=0`` freezes simulated time; only ``advance`` moves it.
    """

    def __init__(self, scale: float = 60.0, start: datetime | None = None):
        self._lock = threading.Lock()
        self.scale = float(scale)
        self._real0 = time.monotonic()
        self._sim0 = (start or datetime.now(timezone.utc)).replace(microsecond=0)
        self._offset = 0.0

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._real0) * self.scale + self._offset
        return self._sim0 + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def set_scale(self, scale: float) -> None:
        """Change speed without jumping: keep the current simulated time."""
        now = self.now()
        with self._lock:
            self._real0 = time.monotonic()
            self._sim0 = now
            self._offset = 0.0
            self.scale = float(scale)

    def describe(self) -> dict:
        return {"now": iso(self.now()), "scale": self.scale}
