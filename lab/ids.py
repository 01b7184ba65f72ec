"""Seeded identifiers in the formats DRS and EC2 use."""

from __future__ import annotations

import random
import string
import threading

_ALNUM = string.digits + string.ascii_letters
_HEX = "0123456789abcdef"


class IdFactory:
    """Deterministic for a given seed, never repeating within one lab run."""

    def __init__(self, seed: int = 0):
        self._rng = random.Random(f"lab-ids-{seed}")
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def _make(self, prefix: str, alphabet: str, length: int) -> str:
        with self._lock:
            while True:
                value = prefix + "".join(self._rng.choice(alphabet) for _ in range(length))
                if value not in self._seen:
                    self._seen.add(value)
                    return value

    def source_server(self) -> str:
        return self._make("s-", _HEX, 17)

    def job(self) -> str:
        return self._make("drsjob-", _HEX, 17)

    def recovery_plan(self) -> str:
        return self._make("rp-", _HEX, 17)  # lab choice: the model fixes only the ARN pattern

    def recovery_plan_step(self) -> str:
        return self._make("rps-", _HEX, 17)

    def snapshot(self) -> str:
        return self._make("pit-", _HEX, 17)

    def ebs_snapshot(self) -> str:
        return self._make("snap-", _HEX, 17)

    def conversion_server(self) -> str:
        return self._make("i-", _HEX, 17)

    def mac(self) -> str:
        with self._lock:
            return "02:" + ":".join(f"{self._rng.randrange(256):02x}" for _ in range(5))

    def uuid(self) -> str:
        with self._lock:
            h = "".join(self._rng.choice(_HEX) for _ in range(32))
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
