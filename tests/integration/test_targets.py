"""Run the integration targets (tests/integration/targets/*) and the lab-controlled scenarios through ansible-playbook.

Each target runs through run_target.yml against a freshly seeded lab; the assertions live in the target's tasks.
The tests below need lab control a playbook does not have: injected throttling, and the two-account estate with
the call log and the ansible-playbook output inspected afterwards.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import boto3
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TWO_ACCOUNTS = str(ROOT / "lab/estates/two_accounts.yml")
TARGETS = sorted(p.name for p in (HERE / "targets").iterdir() if (p / "tasks" / "main.yml").is_file())
DR_ACCOUNT = "222222222222"
CALLER_ACCOUNT = "123456789012"


def recap(stdout: str) -> str:
    return next((line for line in stdout.splitlines() if line.startswith("localhost ") and "ok=" in line), "")


@pytest.mark.parametrize("target", TARGETS)
def test_target(lab, run_playbook, target):
    assert (HERE / "targets" / target / "aliases").read_text().split() == ["cloud/aws", "lab"]
    proc = run_playbook(lab, "run_target.yml", target=target)
    assert proc.returncode == 0
    assert " failed=0 " in recap(proc.stdout), recap(proc.stdout)


def test_launch_into_converges_under_throttling(lab, run_playbook):
    """30 % of DRS requests throttled: the main flow of drs_launch_into_config still configures all 6 servers."""
    truth = lab.truth()
    pairs = [{"source_server_id": s["source_server_id"], "target_instance_id": s["target_instance_id"], "source_name": s["name"]}
             for s in truth["servers"] if s["wave"] == 1 and s["expect"] == "exact"][:6]
    lab.faults(throttle_rate=0.3)
    started = time.monotonic()
    run_playbook(lab, "run_target.yml", target="drs_launch_into_config", target_tasks="converge.yml", li_pairs=pairs)
    elapsed = time.monotonic() - started
    lab.faults()
    calls = lab.calls(0)
    throttled = [c for c in calls if c["error"] == "ThrottlingException"]
    assert throttled, "the lab throttled nothing: the test proves nothing"
    updates = [c for c in calls if c["operation"] == "UpdateLaunchConfiguration" and c["status"] == 200]
    assert len(updates) == 6, f"{len(updates)} successful updates"
    drs = boto3.client("drs", region_name="us-west-2", endpoint_url=lab.url, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    for pair in pairs:
        config = drs.get_launch_configuration(sourceServerID=pair["source_server_id"])
        assert config["launchIntoInstanceProperties"] == {"launchIntoEC2InstanceID": pair["target_instance_id"]}, pair
        assert config["copyPrivateIp"] is False and config["copyTags"] is False, pair
    assert elapsed < 90, f"throttled run took {elapsed:.0f} s: retries back off far too long"


@pytest.mark.estate(TWO_ACCOUNTS)
def test_cross_account_assume_role(lab, run_playbook):
    """assume_role with an ExternalId: DRS is called in the DR account and no credentials reach the output."""
    proc = run_playbook(lab, "playbooks/cross_account.yml", "-vvv")
    calls = lab.calls(0)
    drs = [c for c in calls if c["service"] == "drs"]
    assert drs
    assert {c["account"] for c in drs} == {DR_ACCOUNT}, {c["account"] for c in drs}
    assert {c["region"] for c in drs} == {"us-west-2"}
    assert {c["account"] for c in calls if c["service"] == "ec2" and c["region"] == "us-west-2"} == {DR_ACCOUNT}
    assume = [c for c in calls if c["service"] == "sts" and c["operation"] == "AssumeRole"]
    assert assume and {c["account"] for c in assume} == {CALLER_ACCOUNT} and all(c["status"] == 200 for c in assume)
    updates = [c for c in drs if c["operation"] == "UpdateLaunchConfiguration"]
    assert len(updates) == 6 and all(c["status"] == 200 for c in updates)
    output = proc.stdout + proc.stderr
    assert "invocation" in output, "run with -vvv: the module arguments should be in the output"
    assert not re.search(r"ASIA[A-Z0-9]{16}", output), "an assumed AccessKeyId is in the ansible-playbook output"
    assert "FQoGZXIvYXdzE" not in output, "an assumed SessionToken is in the ansible-playbook output"
    assert "ext-1234" not in output, "the ExternalId is in the ansible-playbook output"
