"""Helpers for the end-to-end tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3

from lab.ansible_env import collections_path
from lab.process import Lab

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "lab/estates/demo.yml")
BIN = Path(sys.executable).parent


def env_for(lab: Lab) -> dict:
    return {**os.environ, **lab.env(), "ANSIBLE_COLLECTIONS_PATH": collections_path(), "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_STDOUT_CALLBACK": "default", "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false"}


FAST = {"dr_region": "us-west-2", "dr_poll_interval": 1, "dr_progress_interval": 3}


def run_playbook(lab: Lab, name: str, report_root: Path, background=False, run_env=None, **extra):
    """Run a collection playbook against the lab; ``run_env`` adds environment variables (ANSIBLE_DISPLAY_OK_HOSTS, ...)."""
    extra = {**FAST, "dr_report_root": str(report_root), **extra}
    cmd = [str(BIN / "ansible-playbook"), f"elastic_dr.orchestrator.{name}", "-e", json.dumps(extra)]
    env = {**env_for(lab), **(run_env or {})}
    if background:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def record(report_root: Path, run_id: str) -> dict:
    return json.loads((report_root / run_id / "run.json").read_text())


def clients(lab: Lab, region: str = "us-west-2"):
    kw = dict(region_name=region, endpoint_url=lab.url, aws_access_key_id="testing", aws_secret_access_key="testing")
    return boto3.client("drs", **kw), boto3.client("ec2", **kw)


def estate_snapshot(lab: Lab) -> dict:
    """EC2 instances (state, IP, volumes), the volume set and DRS recovery instances, per Region."""
    out = {}
    for region in ("us-west-2", "us-east-1"):
        drs, ec2 = clients(lab, region)
        instances = {}
        for res in ec2.describe_instances()["Reservations"]:
            for inst in res["Instances"]:
                instances[inst["InstanceId"]] = (inst["State"]["Name"], inst.get("PrivateIpAddress"),
                                                 sorted((m["DeviceName"], m["Ebs"]["VolumeId"]) for m in inst.get("BlockDeviceMappings", [])))
        volumes = sorted(v["VolumeId"] for v in ec2.describe_volumes()["Volumes"])
        ris = sorted(r["recoveryInstanceID"] for r in drs.describe_recovery_instances(filters={})["items"])
        out[region] = {"instances": instances, "volumes": volumes, "recovery_instances": ris}
    return out
