"""The README's five-minute tour, as written there, against the lab (its YAML and its commands, not a copy)."""

from __future__ import annotations

import re
import shlex
import subprocess

from e2e_helpers import ROOT
from lab.ansible_env import ansible_env

README = (ROOT / "README.md").read_text()
TOUR = README[README.index("## A five-minute tour"):README.index("## Rehearse your own runbook")]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TOUR, re.S)


def _recap(output: str) -> dict:
    match = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output)
    assert match, output[-3000:]
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups())))


def test_tour_playbook_previews_configures_then_changes_nothing(lab, tmp_path):
    (tour,) = [b for b in _blocks("yaml") if b.startswith("# tour.yml")]
    (tmp_path / "tour.yml").write_text(tour)
    env = ansible_env(lab, ANSIBLE_STDOUT_CALLBACK="default")

    def play(*args):
        proc = subprocess.run([str(ROOT / ".venv/bin/ansible-playbook"), "tour.yml", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        return proc.stdout

    before = lab.last_seq()
    preview = play("--check", "--diff")
    assert _recap(preview)["changed"] == 1 and "launch_into_ec2_instance_id" in preview
    assert [c for c in lab.calls(before) if c["mutating"]] == []
    assert _recap(play())["changed"] == 1
    assert _recap(play())["changed"] == 0


def test_tour_commands_run_as_written(lab, tmp_path):
    (bash,) = [b for b in _blocks("bash") if "elastic_dr.orchestrator.readiness" in b]
    commands = [shlex.split(line) for line in bash.splitlines() if line.strip()]
    assert [c[1] for c in commands] == ["elastic_dr.orchestrator.readiness", "elastic_dr.orchestrator.drill"]
    env = ansible_env(lab, ANSIBLE_STDOUT_CALLBACK="default", PWD=str(tmp_path))  # as a shell in tmp_path sets it
    outputs = {}
    for command in commands:
        proc = subprocess.run([str(ROOT / command[0]), *command[1:], "-e", "dr_poll_interval=1", "-e", "dr_progress_interval=3"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=400)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        outputs[command[1]] = proc.stdout
    assert re.search(r"wave_02: \d+/9 servers ready", outputs["elastic_dr.orchestrator.readiness"])
    assert "-> Rename one of the 2 targets named 'report-01'" in outputs["elastic_dr.orchestrator.readiness"]
    assert re.search(r"Run dr-\S+ \(drill, drill\): (PASS|PARTIAL)", outputs["elastic_dr.orchestrator.drill"])
    (report,) = (tmp_path / "reports").glob("*/report.html")
    assert str(report) in outputs["elastic_dr.orchestrator.drill"]
