"""drs_source_server_info, drs_recovery_instance_info and drs_job_info through ansible-playbook against the lab.

One lab (demo estate, frozen clock) for the file. Two playbooks, each run twice at once (normally and with
--check): the first on the fresh estate, the second after a drill started with plain boto3. Results come back
through the ansible.posix.json stdout callback and are checked here, task by task.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest

from lab.ansible_env import collections_path
from lab.process import Lab

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
BIN = Path(sys.executable).parent
MODULES = ("drs_source_server_info", "drs_recovery_instance_info", "drs_job_info")
RUN_ID = "r1"
UNKNOWN_SERVER = "s-00000000000000000"


def ansible_env(lab: Lab) -> dict:
    return {
        **os.environ,
        **lab.env(),
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
    }


def run_playbook(lab: Lab, name: str, extra: dict, check: bool = False, **env: str) -> dict:
    """Run a playbook; return {task name: localhost result}; fail on a non-zero exit."""
    cmd = [str(BIN / "ansible-playbook"), str(PLAYBOOKS / name), "-i", "localhost,", "-e", json.dumps(extra)]
    if check:
        cmd.append("--check")
    proc = subprocess.run(cmd, cwd=ROOT, env={**ansible_env(lab), **env}, capture_output=True, text=True, timeout=300)
    assert (
        proc.returncode == 0
    ), f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout)
    return {t["task"]["name"]: t["hosts"]["localhost"] for play in report["plays"] for t in play["tasks"]}


def run_both(lab: Lab, name: str, extra: dict) -> tuple[dict, dict]:
    """The playbook normally and in check mode, at the same time (both are read-only)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        normal = pool.submit(run_playbook, lab, name, extra)
        checked = pool.submit(run_playbook, lab, name, extra, True)
        return normal.result(), checked.result()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab(
        "lab/estates/demo.yml", time_scale=0, strict=True, log_path=str(tmp_path_factory.mktemp("lab") / "lab.log")
    )
    lab.start()
    yield lab
    violations = lab.violations()
    lab.stop()
    assert violations == [], f"DRS responses broke the botocore model: {violations}"


@pytest.fixture(scope="module")
def truth(lab):
    return lab.truth()


@pytest.fixture(scope="module")
def drs(lab):
    return boto3.client(
        "drs",
        region_name="us-west-2",
        endpoint_url=lab.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="module")
def before(lab, truth):
    """The first playbook on the fresh estate, normally and in check mode, and the calls it made."""
    seq = lab.last_seq()
    server = next(s for s in truth["servers"] if s["name"] == "db-01")
    normal, checked = run_both(lab, "before_drill.yml", {"source_server_id": server["source_server_id"]})
    return {"normal": normal, "check": checked, "calls": lab.calls(seq), "server": server}


@pytest.fixture(scope="module")
def drill(lab, truth, drs, before):
    """Launch-into configured and a drill run to the end with plain boto3, after the first playbook."""
    servers = [s for s in truth["servers"] if s["name"] in ("db-01", "cache-01")]
    for s in servers:
        drs.update_launch_configuration(
            sourceServerID=s["source_server_id"],
            launchIntoInstanceProperties={"launchIntoEC2InstanceID": s["target_instance_id"]},
            copyPrivateIp=False,
            copyTags=False,
        )
    job = drs.start_recovery(
        sourceServers=[{"sourceServerID": s["source_server_id"]} for s in servers],
        isDrill=True,
        tags={"elastic_dr:run_id": RUN_ID},
    )["job"]
    lab.advance(3600)
    return {"servers": servers, "job_id": job["jobID"]}


@pytest.fixture(scope="module")
def after(lab, drill):
    """The second playbook after the drill, normally and in check mode, and the calls it made."""
    seq = lab.last_seq()
    extra = {
        "source_server_ids": [s["source_server_id"] for s in drill["servers"]],
        "run_id": RUN_ID,
        "job_id": drill["job_id"],
    }
    normal, checked = run_both(lab, "after_drill.yml", extra)
    return {"normal": normal, "check": checked, "calls": lab.calls(seq)}


# ----- drs_source_server_info ------------------------------------------------------------------------------


def test_lists_all_24_source_servers_in_snake_case_with_tags_kept(before, truth):
    result = before["normal"]["All source servers"]
    servers = result["source_servers"]
    assert result["changed"] is False
    assert len(servers) == 24
    assert sorted(s["source_server_id"] for s in servers) == sorted(s["source_server_id"] for s in truth["servers"])
    assert [s["source_server_id"] for s in servers] == sorted(s["source_server_id"] for s in servers)
    db01 = next(s for s in servers if s["source_server_id"] == before["server"]["source_server_id"])
    assert db01["name"] == "db-01"
    assert db01["tags"]["Name"] == "db-01" and db01["tags"]["dr:wave"] == "1"  # tag keys not snake_cased
    assert db01["replication_state"] == "CONTINUOUS" == db01["data_replication_info"]["data_replication_state"]
    assert isinstance(db01["lag_seconds"], (int, float))
    assert db01["replication_direction"] == "FAILOVER"
    assert db01["source_properties"]["identification_hints"]["hostname"] == "db-01"
    assert "launch_configuration" not in db01
    assert not any(k != k.lower() for s in servers for k in s if k != "tags")


def test_tag_filter_returns_wave_1(before, truth):
    wave_1 = sorted(s["source_server_id"] for s in truth["servers"] if s["wave"] == 1)
    assert len(wave_1) == 8
    for task in ("Wave 1 by tag", "Wave 1 by tag given as a number, FAILOVER only"):
        servers = before["normal"][task]["source_servers"]
        assert sorted(s["source_server_id"] for s in servers) == wave_1, task
        assert all(s["tags"]["dr:wave"] == "1" for s in servers)
    assert before["normal"]["No FAILBACK servers yet"]["source_servers"] == []


def test_unknown_id_is_an_empty_list_not_an_error(before):
    result = before["normal"]["An ID DRS does not know"]
    assert not result.get("failed")
    assert result["source_servers"] == []


def test_malformed_id_fails_with_a_clear_message(before):
    result = before["normal"]["A malformed ID is refused before any call"]
    assert result["failed"] is True
    assert "not-a-server" in result["msg"]


def test_include_launch_configuration(before):
    servers = before["normal"]["One server with its launch configuration"]["source_servers"]
    assert [s["source_server_id"] for s in servers] == [before["server"]["source_server_id"]]
    config = servers[0]["launch_configuration"]
    assert config["source_server_id"] == before["server"]["source_server_id"]
    assert config["launch_disposition"] in ("STOPPED", "STARTED")
    assert "copy_private_ip" in config and "copy_tags" in config
    assert not config.get("launch_into_instance_properties", {}).get("launch_into_ec2_instance_id")


# ----- before any job ----------------------------------------------------------------------------------------


def test_nothing_recovered_and_no_jobs_before_a_drill(before):
    assert before["normal"]["No recovery instances yet"]["recovery_instances"] == []
    assert before["normal"]["No jobs yet"]["jobs"] == []


# ----- after a drill ---------------------------------------------------------------------------------------


def test_recovery_instances_after_the_drill_run_in_the_targets(after, drill):
    targets = {s["source_server_id"]: s["target_instance_id"] for s in drill["servers"]}
    for task in (
        "All recovery instances",
        "Recovery instances of the drilled servers, plus an unknown server",
        "Recovery instances by ID",
    ):
        ris = after["normal"][task]["recovery_instances"]
        assert {ri["source_server_id"]: ri["ec2_instance_id"] for ri in ris} == targets, task
        for ri in ris:
            assert ri["is_drill"] is True
            assert ri["job_id"] == drill["job_id"]
            assert ri["recovery_instance_id"].startswith("i-")
            assert isinstance(ri["tags"], dict)
    assert after["normal"]["An empty list matches nothing"]["recovery_instances"] == []


def test_the_drilled_servers_launch_into_their_targets(after, drill):
    servers = after["normal"]["The drilled servers' launch configurations"]["source_servers"]
    got = {
        s["source_server_id"]: s["launch_configuration"]["launch_into_instance_properties"][
            "launch_into_ec2_instance_id"
        ]
        for s in servers
    }
    assert got == {s["source_server_id"]: s["target_instance_id"] for s in drill["servers"]}


def test_job_info_by_run_id_with_log(after, drill):
    jobs = after["normal"]["Jobs of the run, with logs"]["jobs"]
    assert [j["job_id"] for j in jobs] == [drill["job_id"]]
    job = jobs[0]
    assert job["tags"] == {"elastic_dr:run_id": RUN_ID}  # the tag key is not snake_cased
    assert job["status"] == "COMPLETED"
    assert job["initiated_by"] == "START_DRILL"
    assert {p["source_server_id"]: p["launch_status"] for p in job["participating_servers"]} == {
        s["source_server_id"]: "LAUNCHED" for s in drill["servers"]
    }
    events = [item["event"] for item in job["log_items"]]
    assert events[0] == "JOB_START" and events[-1] == "JOB_END", events
    assert "LAUNCH_START" in events
    assert all("log_date_time" in item for item in job["log_items"])


def test_job_info_other_run_and_by_id(after, drill):
    assert after["normal"]["Jobs of another run"]["jobs"] == []
    jobs = after["normal"]["The job by ID, and an unknown job"]["jobs"]
    assert [j["job_id"] for j in jobs] == [drill["job_id"]]
    assert "log_items" not in jobs[0]


# ----- read-only --------------------------------------------------------------------------------------------


def test_check_mode_returns_the_same(before, after):
    for run in (before, after):
        for task, result in run["normal"].items():
            checked = run["check"][task]
            assert checked.get("changed") is False, task
            assert {k: v for k, v in checked.items() if k != "invocation"} == {
                k: v for k, v in result.items() if k != "invocation"
            }, task


def test_no_mutating_call(before, after):
    for run in (before, after):
        calls = run["calls"]
        assert calls, "the playbooks made no call the lab saw"
        assert [c for c in calls if c["mutating"]] == []
        assert {c["operation"] for c in calls} <= {
            "DescribeSourceServers",
            "GetLaunchConfiguration",
            "DescribeRecoveryInstances",
            "DescribeJobs",
            "DescribeJobLogItems",
        }


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders(lab, module):
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": collections_path(), "ANSIBLE_NOCOLOR": "1"}
    proc = subprocess.run(
        [str(BIN / "ansible-doc"), "-t", "module", f"elastic_dr.orchestrator.{module}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "ERROR" not in proc.stderr and "WARNING" not in proc.stderr, proc.stderr
    for needle in (module, "assume_role", "region", "RETURN VALUES", "check_mode"):
        assert needle in proc.stdout, f"{needle!r} missing from ansible-doc {module}"


def test_module_defaults_of_every_aws_group_name_reach_our_modules(lab):
    # The environment's Region has no source servers: a module that ignored module_defaults would silently list none.
    results = run_playbook(lab, "module_defaults_groups.yml", {}, AWS_REGION="eu-central-1", AWS_DEFAULT_REGION="eu-central-1")
    for task in ["Group aws", "Group amazon.aws.aws", "Group elastic_dr.orchestrator.aws",
                 "The collection's group wins over group/aws", "The task's own region wins over group/aws"]:
        assert len(results[task]["source_servers"]) == 24, (task, results[task].get("msg"))


DENIED = "arn:aws:iam::222222222222:role/NotTrusted"


@pytest.mark.parametrize("module, args", [
    ("drs_source_server_info", {}),
    ("drs_instance_match", {}),
    ("drs_start_recovery", {"source_server_ids": ["s-00000000000000001"], "mode": "drill", "run_id": "x"}),
])
def test_a_refused_assume_role_fails_cleanly_before_any_other_call(lab, tmp_path, module, args):
    from lab.testing import run_task

    lab.faults(deny_assume_role=[DENIED])
    try:
        seq = lab.last_seq()
        result = run_task(lab, tmp_path, module, {**args, "assume_role": {"role_arn": DENIED, "external_id": "wrong"}})
    finally:
        lab.faults()
    assert result["failed"] is True and "module_stderr" not in result, result  # a clean failure, not a traceback
    assert result["msg"].startswith(f"Cannot assume role {DENIED} (AccessDenied)"), result
    assert result["error_code"] == "AccessDenied" and "trust policy" in result["remediation"] and "ExternalId" in result["remediation"]
    assert "wrong" not in json.dumps(result)  # the ExternalId is a secret
    assert [c["operation"] for c in lab.calls(seq) if c["service"] != "sts"] == []
