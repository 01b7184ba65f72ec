"""Helpers for the recovery integration tests: ansible-playbook against the lab, boto3 for set-up and checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
import yaml

from lab.estate import generate
from lab.ansible_env import collections_path
from lab.process import Lab

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
BIN = Path(sys.executable).parent


def ansible_env(lab: Lab) -> dict:
    return {
        **os.environ,
        **lab.env(),
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
    }


class Run(dict):
    """{task name: localhost result} of one ansible-playbook run, plus the calls the lab saw during it."""

    calls: list
    seconds: float


def run_playbook(lab: Lab, name: str, extra: dict | None = None, check: bool = False, timeout: int = 300) -> Run:
    """Run a playbook; fail on a non-zero exit (expected task failures use ignore_errors)."""
    cmd = [str(BIN / "ansible-playbook"), str(PLAYBOOKS / name), "-i", "localhost,", "-e", json.dumps(extra or {})]
    if check:
        cmd.append("--check")
    seq = lab.last_seq()
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=ansible_env(lab), capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout)
    run = Run({t["task"]["name"]: t["hosts"]["localhost"] for play in report["plays"] for t in play["tasks"]
               if "localhost" in t["hosts"]})
    run.calls = lab.calls(seq)
    run.seconds = time.monotonic() - started
    return run


def write_estate(directory: Path, servers: int, waves: int = 1) -> str:
    path = directory / f"generated-{servers}x{waves}.yml"
    if not path.exists():
        path.write_text(yaml.safe_dump(generate(servers, waves)), encoding="utf-8")
    return str(path)


def clients(lab: Lab, region: str = "us-west-2"):
    kw = dict(region_name=region, endpoint_url=lab.url, aws_access_key_id="testing", aws_secret_access_key="testing")
    return boto3.client("drs", **kw), boto3.client("ec2", **kw)


def pairs(servers: list[dict]) -> list[dict]:
    """drs_instance_match-style pairs from lab.truth() servers."""
    return [{"source_server_id": s["source_server_id"], "target_instance_id": s["target_instance_id"],
             "target_private_ip": s["target_ip"]} for s in servers]


def launch_into(drs, servers: list[dict]) -> None:
    """Plain boto3 launch-into configuration (set-up for tests whose subject is not drs_launch_into_config)."""
    for s in servers:
        drs.update_launch_configuration(
            sourceServerID=s["source_server_id"],
            launchIntoInstanceProperties={"launchIntoEC2InstanceID": s["target_instance_id"]},
            copyPrivateIp=False, copyTags=False, launchDisposition="STARTED")


def instances(ec2, ids: list[str]) -> dict:
    out = {}
    for res in ec2.describe_instances(InstanceIds=list(ids))["Reservations"]:
        for inst in res["Instances"]:
            out[inst["InstanceId"]] = inst
    return out


def block_devices(inst: dict) -> list[tuple[str, str]]:
    return sorted((m["DeviceName"], m["Ebs"]["VolumeId"]) for m in inst.get("BlockDeviceMappings", []))


def mutating(calls: list[dict]) -> list[dict]:
    return [c for c in calls if c["mutating"]]


def ops(calls: list[dict], operation: str, status: int | None = None) -> list[dict]:
    return [c for c in calls if c["operation"] == operation and (status is None or c["status"] == status)]


def by_sid(servers: list[dict]) -> dict:
    return {s["source_server_id"]: s for s in servers}


def recovery_instances_of(wait: dict, group: list[dict]) -> list[str]:
    """The recovery instance IDs of a group of pairs, from a drs_job_wait result."""
    ris = {s["source_server_id"]: s["recovery_instance_id"] for s in wait["servers"]}
    return [ris[p["source_server_id"]] for p in group]


def volume_ids(ec2) -> set[str]:
    return {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
