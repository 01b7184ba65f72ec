"""Export waves as a native DRS Recovery Plan: create, no-op re-run, check mode, diff, update, delete, refusals."""

from __future__ import annotations

import boto3

from lab.testing import run_task


def _waves(lab, sizes=(3, 2)):
    servers = [s for s in lab.truth()["servers"]]
    waves, start = [], 0
    for number, size in enumerate(sizes, start=1):
        ids = [s["source_server_id"] for s in servers[start:start + size]]
        waves.append({"name": f"wave_{number:02d}", "number": number, "tag_value": str(number), "source_server_ids": ids, "critical": ids[:1]})
        start += size
    return waves


def _drs(lab):
    env = lab.env()
    return boto3.client("drs", region_name="us-west-2", endpoint_url=env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def _steps(lab, name="estate"):
    drs = _drs(lab)
    (plan,) = [p for p in drs.list_recovery_plans()["recoveryPlans"] if p["name"] == name]
    steps = drs.list_recovery_plan_steps(recoveryPlanArn=plan["recoveryPlanArn"])["recoveryPlanSteps"]
    return [(s["stepName"], [(x["serverArn"].rsplit("/", 1)[-1], x["impactLevel"])
                             for x in (s["configuration"].get("serverStepConfiguration") or {}).get("servers", [])]) for s in steps]


def _mutating(lab, since):
    return [c["operation"] for c in lab.calls(since) if c["mutating"] and c["service"] == "drs"]


def test_create_then_rerun_changes_nothing(lab, tmp_path):
    waves = _waves(lab)
    args = {"name": "estate", "description": "waves from dr:wave tags", "waves": waves, "tags": {"team": "dr"}}
    created = run_task(lab, tmp_path, "drs_recovery_plan", args)
    assert created["changed"] and not created.get("failed"), created
    assert created["actions"] == ["create recovery plan estate", "create step wave_01 (3 servers)", "create step wave_02 (2 servers)"]
    w1, w2 = waves
    assert _steps(lab) == [("wave_01", [(w1["source_server_ids"][0], "CRITICAL")] + [(s, "OPTIONAL") for s in w1["source_server_ids"][1:]]),
                           ("wave_02", [(w2["source_server_ids"][0], "CRITICAL"), (w2["source_server_ids"][1], "OPTIONAL")])]
    assert created["recovery_plan"]["status"] == "ACTIVE" and created["recovery_plan"]["arn"].startswith("arn:aws:drs:us-west-2:")
    before = lab.last_seq()
    again = run_task(lab, tmp_path, "drs_recovery_plan", args)
    assert not again["changed"] and again["actions"] == [] and _mutating(lab, before) == []


def test_check_mode_and_diff_preview_without_a_call_that_changes_anything(lab, tmp_path):
    before = lab.last_seq()
    preview = run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "waves": _waves(lab)}, check=True, diff=True)
    assert preview["changed"] and preview["actions"][0] == "create recovery plan estate"
    assert preview["diff"]["before"] == {} and [s["name"] for s in preview["diff"]["after"]["steps"]] == ["wave_01", "wave_02"]
    assert _mutating(lab, before) == []
    assert _drs(lab).list_recovery_plans()["recoveryPlans"] == []


def test_moved_server_and_new_wait_steps_are_reconciled_in_wave_order(lab, tmp_path):
    waves = _waves(lab)
    run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "waves": waves})
    moved = waves[1]["source_server_ids"].pop()
    waves[0]["source_server_ids"].append(moved)
    changed = run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "waves": waves, "wait_minutes_between_waves": 10}, diff=True)
    assert changed["changed"] and not changed.get("failed"), changed
    assert [name for name, _ in _steps(lab)] == ["wave_01", "wait after wave_01", "wave_02"]
    assert (moved, "OPTIONAL") in dict(_steps(lab))["wave_01"]
    assert [len(s.get("servers", [])) for s in changed["diff"]["before"]["steps"]] == [3, 2]
    before = lab.last_seq()
    assert not run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "waves": waves, "wait_minutes_between_waves": 10})["changed"]
    assert _mutating(lab, before) == []


def test_absent_deletes_once(lab, tmp_path):
    run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "waves": _waves(lab)})
    assert run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "state": "absent"})["changed"]
    assert _drs(lab).list_recovery_plans()["recoveryPlans"] == []
    assert not run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "state": "absent"})["changed"]


def test_unknown_servers_and_too_many_steps_are_refused_with_what_to_do(lab, tmp_path):
    waves = _waves(lab)
    waves[1]["source_server_ids"].append("s-00000000000000000")
    result = run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "waves": waves})
    assert result["failed"] and "s-00000000000000000" in result["msg"] and "plan_waves" in result["remediation"]
    many = _waves(lab, sizes=(1,) * 11)
    result = run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "waves": many, "wait_minutes_between_waves": 5})
    assert result["failed"] and "needs 21 steps" in result["msg"] and "Merge waves" in result["remediation"]
    assert _drs(lab).list_recovery_plans()["recoveryPlans"] == []


def test_new_wave_order_is_one_reorder_and_a_new_description_one_update(lab, tmp_path):
    waves = _waves(lab)
    run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "waves": waves, "description": "v1"})
    before = lab.last_seq()
    result = run_task(lab, tmp_path, "drs_recovery_plan", {"name": "estate", "waves": waves[::-1], "description": "v2"})
    assert result["actions"] == ["update the description", "reorder the steps in wave order"], result
    assert _mutating(lab, before) == ["UpdateRecoveryPlan", "ReorderRecoveryPlanSteps"]
    assert [name for name, _ in _steps(lab)] == ["wave_02", "wave_01"]
    (plan,) = _drs(lab).list_recovery_plans()["recoveryPlans"]
    assert _drs(lab).get_recovery_plan(recoveryPlanArn=plan["recoveryPlanArn"])["recoveryPlan"]["description"] == "v2"


def test_playbook_exports_the_dr_wave_tag_plan(lab, tmp_path):
    import subprocess

    from lab.ansible_env import BIN, ROOT, ansible_env

    cmd = [str(BIN / "ansible-playbook"), "elastic_dr.orchestrator.recovery_plan", "-e", "dr_region=us-west-2",
           "-e", '{"dr_critical_servers": []}']
    proc = subprocess.run(cmd, cwd=ROOT, env=ansible_env(lab), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    steps = _steps(lab, "waves from dr-wave tags")
    truth = lab.truth()["servers"]
    assert [name for name, _ in steps] == ["wave_01", "wave_02", "wave_03"]
    assert sorted(sid for _, servers in steps for sid, _ in servers) == sorted(s["source_server_id"] for s in truth)
    assert "Recovery plan waves from dr-wave tags (ACTIVE): 3 steps" in proc.stdout
