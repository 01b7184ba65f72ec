"""The molecule scenarios of the roles (extensions/molecule/<scenario>), each against a lab started here."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from more_helpers import BIN, ROOT, collections_path

# report is opt-in (E2E_MORE_MOLECULE=all): it repeats a wave drill in prepare (~25 s) and its checks are covered by
# test_plan_accounts_report.py::test_report_is_readable_with_every_remediation; the default two take about 60 s.
# drill_cleanup is opt-in too (suite wall time): the drill clean-up is run end to end by every drill test in tests/e2e.
SCENARIOS = ["plan", "failover_wave"] + (["drill_cleanup", "report"] if os.environ.get("E2E_MORE_MOLECULE") == "all" else [])
MOLECULE = BIN / "molecule"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(demo_lab, scenario):
    assert MOLECULE.exists(), "molecule is in requirements-dev.txt: run make venv"
    env = {**os.environ, **demo_lab.env(), "ANSIBLE_COLLECTIONS_PATH": collections_path(),
           "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", ""), "ANSIBLE_NOCOLOR": "1", "NO_COLOR": "1",
           "ANSIBLE_FORCE_COLOR": "0", "PY_COLORS": "0"}
    started = time.monotonic()
    proc = subprocess.run([str(MOLECULE), "test", "-s", scenario], cwd=ROOT / "extensions", env=env,
                          capture_output=True, text=True, timeout=300)
    print(f"molecule test -s {scenario}: {time.monotonic() - started:.1f} s")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    assert demo_lab.violations() == []
