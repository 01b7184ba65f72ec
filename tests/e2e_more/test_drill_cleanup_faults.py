"""A drill whose clean-up fails, through the real playbook against the lab.

Issue 12 item 15: the drill clean-up had no error handling, so when it failed the report step never ran: no run.json,
drill instances left running and nobody told. Now every recovery instance the clean-up did not put back is in the
record and the report with the command that does, the verdict fails, and that command puts the estate back.
"""

from __future__ import annotations

import shlex
import subprocess

from more_helpers import BIN, ROOT, env_for, record, run_playbook, tail, two_region_estate
from test_throttling import _snapshot

WAVES = {1: ["cln-db-01"], 2: ["cln-web-01", "cln-web-02"]}


def test_a_failed_drill_cleanup_is_recorded_fails_the_job_and_says_how_to_put_things_back(demo_lab, tmp_path):
    demo_lab.reset(estate=two_region_estate(tmp_path, "cleanup", WAVES, 60, "a drill whose clean-up is refused"), time_scale=2000)
    before = _snapshot(demo_lab)
    demo_lab.faults(deny_operations=["AttachVolume"])  # the role may not attach volumes: the reset cannot finish
    try:
        proc = run_playbook(demo_lab, "drill", tmp_path, dr_run_id="cln-1", dr_pairing="match")
    finally:
        demo_lab.faults()
    assert proc.returncode == 2, tail(proc)
    assert "The drill clean-up failed" in proc.stdout, tail(proc)
    run = record(tmp_path, "cln-1")
    assert run["verdict"]["verdict"] == "FAIL", run["verdict"]
    assert any("did not put back 3 recovery instances" in r for r in run["verdict"]["reasons"]), run["verdict"]["reasons"]
    entries = [e for w in run["waves"] for e in w["cleanup"]]
    assert len(entries) == 3 and all(e.get("error") and "ansible localhost -m" in e["remediation"] for e in entries), entries
    html = (tmp_path / "cln-1" / "report.html").read_text()
    assert all(e["recovery_instance_id"] in html for e in entries) and "drs_recovery_instance" in html
    assert _snapshot(demo_lab) != before  # the drill really left something behind
    # Follow the remediation as an operator would, once the permission is fixed.
    commands = {e["remediation"].split("Then put it back: " if "Then put it back: " in e["remediation"] else "put it back: ")[1]
                .split(" (cross-account")[0] for e in entries}
    for command in sorted(commands):
        done = subprocess.run(shlex.split(command), cwd=ROOT, env={**env_for(demo_lab), "PATH": f"{BIN}:{env_for(demo_lab)['PATH']}"},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert _snapshot(demo_lab) == before
