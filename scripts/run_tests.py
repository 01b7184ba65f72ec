#!/usr/bin/env python3
"""`make test`: every check CI runs, in order, with a timing line per step.

Steps: pytest (unit + lab + integration + e2e), the IAM policies against the API calls the tests made
(scripts/check_iam.py), ansible-test sanity (offline recipe, see tests/sanity/run_sanity.py) and ansible-lint
(production profile, offline). Extra arguments go to pytest.
Runs every step even if one fails, then exits non-zero if any did.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lab.ansible_env import collections_path  # noqa: E402  (after the sys.path set-up)

BIN = Path(sys.executable).parent


def step(name: str, cmd: list[str], env: dict | None = None) -> bool:
    print(f"\n=== {name}: {' '.join(cmd)}", flush=True)
    started = time.monotonic()
    rc = subprocess.call(cmd, cwd=ROOT, env={**os.environ, **(env or {})})
    print(f"=== {name}: {'ok' if rc == 0 else f'FAILED (exit {rc})'} in {time.monotonic() - started:.1f} s", flush=True)
    return rc == 0


def main() -> int:
    started = time.monotonic()
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = collections_path()
    results = {}
    # Every tests/unit, tests/lab, tests/integration*, tests/e2e* directory: a new suite is picked up by being there.
    tests = [str(p.relative_to(ROOT)) for pattern in ("unit", "lab", "integration*", "e2e*")
             for p in sorted((ROOT / "tests").glob(pattern)) if p.is_dir()]
    workers = os.environ.get("PYTEST_WORKERS", "2")
    # Every API call the labs see is logged, so the IAM policies in docs/iam/ can be checked against what was called.
    call_log = ROOT / "build" / "lab_calls.jsonl"
    call_log.unlink(missing_ok=True)
    results["pytest"] = step("pytest", [sys.executable, "-m", "pytest", "-q", "-n", workers, "--dist", "loadfile", *tests, *sys.argv[1:]],
                             env={"ELASTIC_DR_LAB_CALL_LOG": str(call_log)})
    if not sys.argv[1:]:  # a partial pytest run (extra arguments) cannot tell which granted actions are unused
        results["iam"] = step("least-privilege IAM", [sys.executable, "scripts/check_iam.py", str(call_log)])
    if (ROOT / "tests/sanity/run_sanity.py").exists():
        results["sanity"] = step("ansible-test sanity", [sys.executable, "tests/sanity/run_sanity.py"])
    results["ansible-lint"] = step("ansible-lint", [str(BIN / "ansible-lint"), "--profile", "production", "--offline"],
                                   env={"ANSIBLE_LINT_SKIP_SCHEMA_UPDATE": "1"})
    failed = [name for name, ok in results.items() if not ok]
    print(f"\nmake test: {len(results) - len(failed)} of {len(results)} steps passed in {time.monotonic() - started:.0f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
