"""Plan files (malformed ones fail before any AWS call), cross-account runs, a readable report."""

from __future__ import annotations

import html

import pytest
import yaml

from lab.testing import store_reviewed_pairs
from more_helpers import TWO_ACCOUNTS, aws_calls, record, run_playbook, tail

MALFORMED = {
    "wave_without_name": ({"waves": [{"tags": {"dr:wave": "1"}}]}, ["name", "waves"]),
    "bad_failure_policy": ({"failure_policy": "sometimes", "waves": [{"name": "data", "tags": {"dr:wave": "1"}}]},
                           ["failure_policy", "sometimes"]),
    "waves_missing": ({"name": "erp"}, ["waves"]),
    "unknown_key": ({"wavez": [], "waves": [{"name": "data", "tags": {"dr:wave": "1"}}]}, ["wavez"]),
    "wave_without_servers": ({"waves": [{"name": "empty"}]}, ["empty", "source_server_ids", "tags"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_plan_file_fails_before_any_aws_call(demo_lab, tmp_path, case):
    content, must_name = MALFORMED[case]
    plan = tmp_path / f"{case}.yml"
    plan.write_text(yaml.safe_dump(content))
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="drill", dr_run_id=case, dr_plan_file=str(plan))
    assert proc.returncode != 0, tail(proc)
    assert aws_calls(demo_lab, seq) == []
    fatal = "\n".join(line for line in proc.stdout.splitlines() if line.startswith(("fatal:", "failed:", "[ERROR]")))
    for word in must_name:
        assert word in fatal, f"{word!r} not named in the failure:\n{fatal[:2000] or tail(proc)}"
    assert not (tmp_path / case / "run.json").exists()


def test_plan_file_waves_run_in_plan_order(demo_lab, tmp_path):
    truth = {s["name"]: s for s in demo_lab.truth()["servers"]}
    front = [truth["web-01"]["source_server_id"], truth["web-02"]["source_server_id"]]
    data = sorted(s["source_server_id"] for s in truth.values() if s["wave"] == 1)
    plan = tmp_path / "plan.yml"
    plan.write_text(yaml.safe_dump({"name": "erp", "failure_policy": "continue", "waves": [
        {"name": "front", "source_server_ids": front},  # by IDs, before the tag-1 wave on purpose
        {"name": "data", "tags": {"dr:wave": "1"}},
    ]}))
    store_reviewed_pairs(demo_lab, tmp_path / "pairing")
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="drill", dr_run_id="plan-order", dr_plan_file=str(plan))
    run = record(tmp_path, "plan-order")
    assert [(w["name"], w["number"]) for w in run["waves"]] == [("front", 1), ("data", 2)], tail(proc)
    assert sorted(run["waves"][0]["planned"]) == sorted(front)
    assert sorted(run["waves"][1]["planned"]) == data
    assert [s["status"] for s in run["waves"][0]["servers"]] == ["launched", "launched"]
    started = [w["wall_started_at"] for w in run["waves"]]
    assert started == sorted(started)  # front ran before data


def test_cross_account_drill_launches_every_server_in_the_dr_account(demo_lab, tmp_path):
    demo_lab.reset(estate=TWO_ACCOUNTS, time_scale=2000)
    truth = {s["source_server_id"]: s for s in demo_lab.truth()["servers"]}
    role = {"role_arn": "arn:aws:iam::222222222222:role/DrsOrchestrator", "external_id": "ext-1234"}
    seq = demo_lab.last_seq()
    pairing = store_reviewed_pairs(demo_lab, tmp_path / "pairing", dr_assume_role=role)
    assert pairing.returncode == 0, tail(pairing)
    # Verbosity 1, as AWX job templates often run: results of set_fact and module arguments are printed.
    proc = run_playbook(demo_lab, "drill", tmp_path, run_env={"ANSIBLE_VERBOSITY": "1"}, dr_run_id="xacct-1", dr_assume_role=role)
    assert proc.returncode == 0, tail(proc)
    run = record(tmp_path, "xacct-1")
    servers = [s for w in run["waves"] for s in w["servers"]]
    assert len(servers) == 6 and {s["status"] for s in servers} == {"launched"}, tail(proc)
    for s in servers:
        assert s["ec2_instance_id"] == truth[s["source_server_id"]]["target_instance_id"]
    calls = demo_lab.calls(seq)
    drs = [c for c in calls if c["service"] == "drs"]
    assert drs and {c["account"] for c in drs} == {"222222222222"}
    assert {"StartRecovery", "UpdateLaunchConfiguration"} <= {c["operation"] for c in drs}
    assert [c for c in calls if c["operation"] == "AssumeRole"]
    # The ExternalId is a secret: never on the console, never in a record or report (issue 12 item 21).
    assert_secret_kept(role["external_id"], proc, tmp_path)


def assert_secret_kept(secret, proc, root):
    """``secret`` is on no console line of ``proc`` and in no file under ``root`` (records, reports, plan.json)."""
    where = [line[:200] for line in (proc.stdout + proc.stderr).splitlines() if secret in line]
    assert where == []
    leaks = [str(f) for f in root.rglob("*") if f.is_file() and secret in f.read_text(errors="replace")]
    assert leaks == []


def test_report_is_readable_with_every_remediation(demo_lab, tmp_path):
    store_reviewed_pairs(demo_lab, tmp_path / "pairing")
    proc = run_playbook(demo_lab, "drill", tmp_path, dr_run_id="report-1")
    run = record(tmp_path, "report-1")
    assert run["verdict"]["verdict"] in ("PASS", "PARTIAL", "FAIL"), tail(proc)
    assert run["verdict"]["verdict"] != "PASS"  # the demo estate has deliberate problems
    page = (tmp_path / "report-1" / "report.html").read_text()
    assert "<svg" in page
    problems = [p for w in run["waves"] for p in w["problems"]]
    assert len(problems) >= 4, tail(proc)
    for p in problems:
        assert p["remediation"], p
        assert html.escape(str(p["remediation"]), quote=True) in page, p


def _fatal(proc):
    return "\n".join(line for line in proc.stdout.splitlines() if line.startswith(("fatal:", "failed:", "[ERROR]")))


def test_unsafe_plans_fail_before_any_change(demo_lab, tmp_path):
    """The same wave name twice, one server in two waves, a server DRS does not know, a number that is not one, broken
    YAML: each fails naming the key and the file, with no mutating call (issue "Runs that hold up", item 19)."""
    from lab.server import is_mutating

    truth = {s["name"]: s["source_server_id"] for s in demo_lab.truth()["servers"]}
    web, db = truth["web-01"], truth["db-01"]
    cases = {
        "same_wave_twice": ("waves:\n  - {name: front, source_server_ids: [%s]}\n  - {name: front, source_server_ids: [%s]}\n" % (web, db),
                            ["'front'", "unique"]),
        "server_in_two_waves": ("waves:\n  - {name: a, source_server_ids: [%s]}\n  - {name: b, source_server_ids: [%s]}\n" % (web, web),
                                [web, "'a'", "'b'"]),
        "unknown_server": ("waves:\n  - {name: a, source_server_ids: [%s, s-0000000000000dead]}\n" % web, ["s-0000000000000dead"]),
        "broken_yaml": ("waves:\n  - {name: a, source_server_ids: [%s\n" % web, ["not valid YAML"]),
    }
    for case, (text, must_name) in cases.items():
        plan = tmp_path / f"{case}.yml"
        plan.write_text(text)
        seq = demo_lab.last_seq()
        proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="drill", dr_run_id=case, dr_plan_file=str(plan))
        assert proc.returncode != 0, tail(proc)
        assert [c["operation"] for c in demo_lab.calls(seq) if is_mutating(c["operation"])] == [], case
        fatal = _fatal(proc)
        for word in must_name + [str(plan)]:
            assert word in fatal, f"{case}: {word!r} not named in the failure:\n{fatal[:2000] or tail(proc)}"
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="drill", dr_run_id="abc", dr_rto_target_minutes="abc")
    assert proc.returncode != 0 and "dr_rto_target_minutes" in _fatal(proc) and "abc" in _fatal(proc), tail(proc)
    assert aws_calls(demo_lab, seq) == []


def test_relative_plan_file_is_found_in_the_current_directory(demo_lab, tmp_path):
    """`-e dr_plan_file=plan.yml`, as the docs and the AWX survey write it, is found in the job's directory; a missing one
    says where it was looked for (it said "Unknown error")."""
    import json
    import subprocess

    from more_helpers import BIN, FAST, env_for

    truth = {s["name"]: s["source_server_id"] for s in demo_lab.truth()["servers"]}
    (tmp_path / "plan.yml").write_text(yaml.safe_dump({"name": "rel", "waves": [{"name": "front", "source_server_ids": [truth["web-01"]]}]}))
    store_reviewed_pairs(demo_lab, tmp_path / "pairing")

    def run(plan_file, run_id):
        extra = {**FAST, "dr_report_root": str(tmp_path), "dr_mode": "drill", "dr_run_id": run_id, "dr_plan_file": plan_file}
        return subprocess.run([str(BIN / "ansible-playbook"), "elastic_dr.orchestrator.failover", "-e", json.dumps(extra)],
                              cwd=tmp_path, env={**env_for(demo_lab), "PWD": str(tmp_path)}, capture_output=True, text=True, timeout=600)

    proc = run("plan.yml", "rel-1")
    assert proc.returncode == 0, tail(proc)
    assert record(tmp_path, "rel-1")["plan"] == "rel"
    missing = run("nowhere.yml", "rel-2")
    assert missing.returncode != 0
    assert "Plan file nowhere.yml not found. Looked in: " + str(tmp_path / "nowhere.yml") in _fatal(missing), tail(missing)


def test_cross_account_failback_stops_the_originals_in_the_origin_account(demo_lab, tmp_path):
    """dr_stop_originals with dr_origin_assume_role: the originals are stopped with the origin account's credentials
    (they are not visible to the automation or DR account), then the failback launches into them (issue 12 item 5)."""
    demo_lab.reset(estate=TWO_ACCOUNTS, time_scale=2000)
    truth = {s["source_server_id"]: s for s in demo_lab.truth()["servers"]}
    role = {"role_arn": "arn:aws:iam::222222222222:role/DrsOrchestrator", "external_id": "ext-1234"}
    origin_role = {"role_arn": "arn:aws:iam::111111111111:role/DrsOrchestrator", "external_id": "ext-5678"}
    assert store_reviewed_pairs(demo_lab, tmp_path / "pairing", dr_assume_role=role).returncode == 0
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="recovery", dr_run_id="xfo-1", dr_assume_role=role)
    assert proc.returncode == 0, tail(proc)
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failback", tmp_path, run_env={"ANSIBLE_VERBOSITY": "1"}, dr_run_id="xfb-1",
                        dr_failover_run_id="xfo-1", dr_assume_role=role, dr_origin_region="us-east-1",
                        dr_origin_assume_role=origin_role, dr_stop_originals=True)
    for secret in (role["external_id"], origin_role["external_id"]):
        assert_secret_kept(secret, proc, tmp_path)
    back = record(tmp_path, "xfb-1")
    assert back["verdict"]["verdict"] == "PASS", tail(proc)
    assert back["origin_region"] == "us-east-1"
    servers = [s for w in back["waves"] for s in w["servers"]]
    assert sorted(s["ec2_instance_id"] for s in servers) == sorted(t["origin_instance_id"] for t in truth.values())
    # The originals live in the origin account: stopped there (the DR account's stops are its own clean-up).
    stops = [c for c in demo_lab.calls(seq) if c["operation"] == "StopInstances" and c["region"] == "us-east-1"]
    assert stops and {c["account"] for c in stops} == {"111111111111"}, stops
    assert all(c["status"] < 400 for c in stops), stops
