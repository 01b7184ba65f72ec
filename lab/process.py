"""Start a lab server in a subprocess and talk to its admin routes (tests, demo, benchmarks)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

READY = re.compile(r"lab ready on (http://[\d.]+:(\d+))")
ROOT = Path(__file__).resolve().parent.parent


class Lab:
    """A running lab: ``url``, ``env()`` for AWS clients, and the admin routes as methods."""

    def __init__(self, estate: str | None = None, *, port: int = 0, time_scale: float = 60.0, seed: int = 0,
                 strict: bool = True, log_path: str | None = None):
        self.estate = estate
        self.port = port
        self.time_scale = time_scale
        self.seed = seed
        self.strict = strict
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.startup_s = 0.0

    def start(self, timeout: float = 30.0) -> "Lab":
        cmd = [sys.executable, "-m", "lab", "serve", "--port", str(self.port), "--time-scale", str(self.time_scale),
               "--seed", str(self.seed)]
        if self.estate:
            cmd += ["--estate", str(self.estate)]
        if self.strict:
            cmd.append("--strict")
        started = time.monotonic()
        log = open(self.log_path, "w", encoding="utf-8") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = started + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"lab exited with {self.proc.returncode} before it was ready (see {self.log_path})")
                continue
            match = READY.search(line)
            if match:
                self.url = match.group(1)
                self.port = int(match.group(2))
                self.startup_s = time.monotonic() - started
                return self
        self.stop()
        raise RuntimeError(f"lab not ready within {timeout} s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def __enter__(self) -> "Lab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def env(self, **extra) -> dict:
        """Environment for boto3, ansible-playbook and friends to use this lab."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-west-2",
            "AWS_REGION": "us-west-2",
            **extra,
        }

    # ----- admin routes ------------------------------------------------------------------------
    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b"{}")

    def reset(self, estate: str | None = None, **kwargs) -> dict:
        body = {k: v for k, v in {"estate": estate, **kwargs}.items() if v is not None}
        return self.admin("POST", "/_lab/reset", body)

    def faults(self, **config) -> dict:
        return self.admin("POST", "/_lab/faults", config)

    def calls(self, since: int = 0) -> list[dict]:
        return self.admin("GET", f"/_lab/calls?since={since}")["calls"]

    def last_seq(self) -> int:
        return self.admin("GET", "/_lab/calls?since=999999999")["last_seq"]

    def advance(self, seconds: float) -> dict:
        return self.admin("POST", "/_lab/clock", {"advance_seconds": seconds})

    def set_scale(self, scale: float) -> dict:
        return self.admin("POST", "/_lab/clock", {"scale": scale})

    def truth(self) -> dict:
        return self.admin("GET", "/_lab/estate")

    def violations(self) -> list[dict]:
        return self.admin("GET", "/_lab/contract")["violations"]
