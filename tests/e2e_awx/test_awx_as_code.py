"""execution-environment.yml builds a context offline; the controller playbooks parse; surveys ask only what playbooks read."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile

import yaml

from lab.ansible_env import BIN, ROOT, ansible_env

SURVEYS = yaml.safe_load((ROOT / "awx/vars/surveys.yml").read_text())["awx_surveys"]
CONTROLLER = yaml.safe_load((ROOT / "awx/configure_controller.yml").read_text())[0]


def test_execution_environment_context_is_built_offline_with_our_collection():
    proc = subprocess.run([sys.executable, "scripts/ee_context.py"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    context = ROOT / "build/ee/context"
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install --no-deps -p /usr/share/ansible/collections /tmp/elastic_dr-orchestrator.tar.gz" in containerfile
    assert {"boto3", "botocore", "rapidfuzz"} <= set(re.findall(r"^([a-z0-9_-]+)", (context / "_build/requirements.txt").read_text(), re.M))
    assert yaml.safe_load((context / "_build/requirements.yml").read_text())["collections"][0]["name"] == "amazon.aws"
    with tarfile.open(context / "_build/collections/elastic_dr-orchestrator.tar.gz") as tar:
        names = set(tar.getnames())
    assert {"plugins/modules/drs_start_recovery.py", "playbooks/drill.yml", "MANIFEST.json"} <= names
    assert not any(n.startswith(("lab/", "tests/", ".venv/", "bench/")) for n in names)


def test_controller_playbooks_pass_syntax_check():
    proc = subprocess.run([str(BIN / "ansible-playbook"), "--syntax-check", "awx/configure_controller.yml", "awx/drill_verdict.yml"],
                          cwd=ROOT, env=ansible_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_job_template_runs_a_real_playbook_and_every_survey_variable_is_read_by_it():
    templates = CONTROLLER["vars"]["__awx_templates"]
    assert {t["survey"] for t in templates} == set(SURVEYS)
    sources = "\n".join(p.read_text() for p in list((ROOT / "playbooks").rglob("*.yml")) + list((ROOT / "roles").rglob("*.yml")))
    for template in templates:
        assert (ROOT / template["playbook"]).is_file(), template
        for question in SURVEYS[template["survey"]]:
            variable = question["variable"]
            uses = re.findall(rf"\b{variable}\b", sources)
            assert uses, f"survey {template['survey']} asks for {variable}, which no playbook or role reads"


def _verdict(tmp_path, **extra) -> subprocess.CompletedProcess:
    cmd = [str(BIN / "ansible-playbook"), str(ROOT / "awx/drill_verdict.yml"), "-e", yaml.safe_dump(extra, default_flow_style=True)]
    return subprocess.run(cmd, cwd=tmp_path, env=ansible_env(), capture_output=True, text=True, timeout=120)


def test_drill_verdict_node_passes_only_a_pass_within_the_rto(tmp_path):
    assert _verdict(tmp_path, dr_verdict="PASS", dr_rto_met=True, dr_rto_s=300, dr_run_id="d-1").returncode == 0
    missed = _verdict(tmp_path, dr_verdict="FAIL", dr_rto_met=False, dr_rto_s=9000, dr_run_id="d-2", dr_report="/r/report.html")
    assert missed.returncode != 0 and "Drill d-2: FAIL, RTO 9000 s" in missed.stdout and "/r/report.html" in missed.stdout
    assert _verdict(tmp_path, dr_verdict="PARTIAL", dr_rto_met=True).returncode != 0
    assert "reported no verdict" in _verdict(tmp_path).stdout


AWX_MODULES = ROOT / ".venv/lib/python3.11/site-packages/ansible_collections/awx/awx/plugins/modules"


def _awx_options(module: str) -> set[str]:
    """The options (and aliases) awx.awx documents for a module, read from its DOCUMENTATION."""
    source = (AWX_MODULES / f"{module}.py").read_text()
    doc = yaml.safe_load(re.search(r"DOCUMENTATION\s*=\s*r?'''(.*?)'''", source, re.S).group(1))
    options = set(doc["options"])
    for spec in doc["options"].values():
        options.update((spec or {}).get("aliases", []))
    return options | {"controller_host", "controller_username", "controller_password", "controller_oauthtoken", "validate_certs"}


def _controller_tasks():
    for task in CONTROLLER["tasks"]:
        module = next(k for k in task if k.startswith("awx.awx."))
        yield module.split(".")[-1], task[module]


def test_every_controller_task_uses_only_options_awx_awx_documents():
    assert AWX_MODULES.is_dir(), "awx.awx is bundled with the ansible package; reinstall the venv"
    for module, args in _controller_tasks():
        unknown = set(args) - _awx_options(module)
        assert not unknown, f"awx.awx.{module} does not document {sorted(unknown)}"


def test_a_schedule_with_variables_targets_a_template_that_prompts_for_them():
    """AWX rejects a schedule's extra_data unless its template asks for variables on launch (or has a survey that asks them)."""
    templates = {}
    for module, args in _controller_tasks():
        if module in ("job_template", "workflow_job_template"):
            names = [t["name"] for t in CONTROLLER["vars"]["__awx_templates"]] if "__awx_template" in str(args["name"]) else [args["name"]]
            for name in names:
                templates[name] = args
    schedules = [args for module, args in _controller_tasks() if module == "schedule"]
    assert schedules
    for schedule in schedules:
        target = templates.get(schedule["unified_job_template"])
        assert target is not None, f"schedule {schedule['name']} names a template this playbook does not create"
        if schedule.get("extra_data"):
            assert target.get("ask_variables_on_launch") is True, (
                f"schedule {schedule['name']} sets extra_data {sorted(schedule['extra_data'])} on {schedule['unified_job_template']}, "
                "which does not prompt for variables: AWX refuses the schedule")
