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
    assert [c[1] if c[0].startswith(".venv/") else c[0] for c in commands] == [
        "elastic_dr.orchestrator.pair", "sed", "elastic_dr.orchestrator.pair", "elastic_dr.orchestrator.readiness", "elastic_dr.orchestrator.drill"]
    env = ansible_env(lab, ANSIBLE_STDOUT_CALLBACK="default", PWD=str(tmp_path))  # as a shell in tmp_path sets it
    lab.set_scale(60)  # the clock of `make lab`: RTO (elapsed) against the tour's 60-minute target means what it says
    outputs = []
    for command in commands:
        if command[0].startswith(".venv/"):
            argv = [str(ROOT / command[0]), *command[1:], "-e", "dr_poll_interval=1", "-e", "dr_progress_interval=3"]
        else:
            argv = command
        proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=400)
        apply = "dr_pair_apply=true" in command
        drill = "elastic_dr.orchestrator.drill" in command
        # Storing the pairs exits 2 on the demo estate: some servers are left without a pair, each with its fix. The drill
        # then recovers the paired servers only: PARTIAL, and a run that did not recover every planned server fails the job.
        assert proc.returncode == (2 if apply or drill else 0), proc.stdout[-4000:] + proc.stderr[-2000:]
        if apply:
            assert "have no valid pair" in proc.stdout
        outputs.append(proc.stdout)
    review, _sed, _apply, readiness, drill = outputs
    assert "PROPOSAL app-03" in review and "reports/tour-pair/pairs.html" in review
    assert re.search(r"wave_02: \d+/9 servers ready", readiness)
    assert "[ambiguous] report-01" in readiness
    assert re.search(r"Run dr-\S+ \(drill, drill\): PARTIAL", drill) and "set dr_accept_partial=true to accept it" in drill
    assert "missed the target" not in drill
    reports = [r for r in (tmp_path / "reports").glob("*/report.html")]
    assert len(reports) == 1 and str(reports[0]) in drill
