"""Lab lifecycles shared by the test suites' conftest fixtures (one lab per suite, reset before each test)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from lab.ansible_env import BIN, ROOT, ansible_env
from lab.process import Lab

DEMO = str(ROOT / "lab" / "estates" / "demo.yml")
FAST_SCALE = 2000


def suite_lab(tmp_path_factory, name: str, estate: str = DEMO):
    """Generator for a session fixture: one strict lab for the suite, stopped at the end."""
    lab = Lab(estate, time_scale=FAST_SCALE, strict=True, log_path=str(tmp_path_factory.mktemp(name) / "lab.log"))
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


def fresh_lab(lab: Lab, estate: str = DEMO):
    """Generator for a per-test fixture: the estate re-seeded, no faults; no contract violations afterwards."""
    lab.reset(estate=estate, time_scale=FAST_SCALE)
    lab.faults()
    yield lab
    assert lab.violations() == []


def run_task(lab: Lab, tmp_path: Path, module: str, args: dict, check: bool = False, diff: bool = False,
             region: str = "us-west-2") -> dict:
    """One task of our collection through ansible-playbook, as a user runs it; returns its registered result."""
    out = tmp_path / "result.json"
    play = [{"name": "t", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
             "tasks": [{"name": "task", f"elastic_dr.orchestrator.{module}": {"region": region, **args}, "register": "r",
                        "ignore_errors": True},
                       {"name": "save", "ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": str(out)},
                        "check_mode": False}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    cmd = [str(BIN / "ansible-playbook"), "play.yml"] + (["--check"] if check else []) + (["--diff"] if diff else [])
    proc = subprocess.run(cmd, cwd=tmp_path, env=ansible_env(lab), capture_output=True, text=True, timeout=180)
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads(out.read_text())


def store_reviewed_pairs(lab: Lab, report_root: Path, accept_fuzzy: bool = True, region: str = "us-west-2", **extra) -> subprocess.CompletedProcess:
    """What an operator does before a failover: the pair playbook with dr_pair_apply, accepting (when ``accept_fuzzy``) the
    fuzzy proposals the estate's ground truth marks as right (``expect: fuzzy``), as a reviewed proposals file would.

    Returns the finished ansible-playbook process (rc 2 when some servers are left without a pair, as on the demo estate).
    """
    report_root = Path(report_root)
    report_root.mkdir(parents=True, exist_ok=True)
    approved = report_root / "approved-pairs.yml"
    proposals = [{"source_server_id": s["source_server_id"], "target_instance_id": s["target_instance_id"], "accept": True}
                 for s in lab.truth()["servers"] if accept_fuzzy and s.get("expect") == "fuzzy" and s.get("target_instance_id")]
    approved.write_text(yaml.safe_dump({"proposals": proposals}))
    params = {"dr_region": region, "dr_report_root": str(report_root), "dr_pair_apply": True, "dr_pair_approved_file": str(approved), **extra}
    cmd = [str(BIN / "ansible-playbook"), "elastic_dr.orchestrator.pair", "-e", json.dumps(params)]
    proc = subprocess.run(cmd, cwd=ROOT, env=ansible_env(lab), capture_output=True, text=True, timeout=300)
    assert "PLAY RECAP" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc
