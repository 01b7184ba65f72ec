"""execution-environment.yml builds a context offline; the controller playbooks parse; surveys ask only what playbooks read."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys

import yaml

from lab.ansible_env import BIN, ROOT, ansible_env

SURVEYS = yaml.safe_load((ROOT / "awx/vars/surveys.yml").read_text())["awx_surveys"]
CONTROLLER = yaml.safe_load((ROOT / "awx/configure_controller.yml").read_text())[0]


def test_the_one_documented_command_writes_a_self_sufficient_context_that_installs_our_collection(tmp_path):
    """Issue 12 item 11: `ansible-builder create -f execution-environment.yml`, run directly in a fresh clone, said
    "Complete!" and wrote a Containerfile that copied a tarball that was not in the context."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "--detach"], check=True)
    for path in ("execution-environment.yml", "galaxy.yml", "README.md", "ee", "requirements.txt", "meta", "plugins", "roles", "playbooks"):
        src, dst = ROOT / path, clone / path  # the working tree as it is now (the clone has only what is committed)
        shutil.rmtree(dst, ignore_errors=True) if dst.is_dir() else dst.unlink(missing_ok=True)
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__")) if src.is_dir() else shutil.copy(src, dst)
    context = tmp_path / "context"
    proc = subprocess.run([str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(context)],
                          cwd=clone, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "No matches" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    ee_context = _ee_context_module()
    assert ee_context.missing_copy_sources(context, "Dockerfile") == []
    assert {"boto3", "botocore", "rapidfuzz"} <= set(re.findall(r"^([a-z0-9_-]+)", (context / "_build/requirements.txt").read_text(), re.M))
    assert yaml.safe_load((context / "_build/requirements.yml").read_text())["collections"][0]["name"] == "amazon.aws"
    # What the image's RUN step does with the copied source: build the collection and install it.
    source = tmp_path / "elastic_dr-orchestrator"
    shutil.copytree(context / "_build/collection", source)
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(source)],
                   check=True, capture_output=True, env=ansible_env())
    (tarball,) = tmp_path.glob("elastic_dr-orchestrator-*.tar.gz")
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--force", "--no-deps", "-p", str(tmp_path / "installed"), str(tarball)],
                   check=True, capture_output=True, env=ansible_env())
    installed = tmp_path / "installed/ansible_collections/elastic_dr/orchestrator"
    assert (installed / "plugins/modules/drs_start_recovery.py").is_file() and (installed / "playbooks/drill.yml").is_file()
    assert (installed / "meta/runtime.yml").is_file() and (installed / "roles/failover_wave/tasks/main.yml").is_file()
    assert not any((installed / d).exists() for d in ("lab", "tests", "bench", ".venv"))


def _ee_context_module():
    spec = importlib.util.spec_from_file_location("ee_context", ROOT / "scripts/ee_context.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_ee_context_fails_loudly_when_the_containerfile_copies_what_the_context_lacks(tmp_path):
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build/requirements.txt").write_text("boto3\n")
    (tmp_path / "Containerfile").write_text("FROM base\nCOPY _build/requirements.txt requirements.txt\n"
                                             "COPY --from=galaxy /usr/share/ansible /usr/share/ansible\n"
                                             "COPY _build/collections/elastic_dr-orchestrator.tar.gz /tmp/x.tar.gz\n")
    assert _ee_context_module().missing_copy_sources(tmp_path) == ["_build/collections/elastic_dr-orchestrator.tar.gz"]
    proc = subprocess.run([sys.executable, "scripts/ee_context.py"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "build context:" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]


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
