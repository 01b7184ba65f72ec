"""Helpers for tests/e2e_more (copied from tests/e2e/e2e_helpers.py; unique module name for one pytest session)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from lab.ansible_env import collections_path
from lab.process import Lab

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "lab/estates/demo.yml")
TWO_ACCOUNTS = str(ROOT / "lab/estates/two_accounts.yml")
BIN = Path(sys.executable).parent
FAST = {"dr_region": "us-west-2", "dr_poll_interval": 1, "dr_progress_interval": 3}
DRS_EC2 = ("drs", "ec2")


def env_for(lab: Lab) -> dict:
    return {**os.environ, **lab.env(), "ANSIBLE_COLLECTIONS_PATH": collections_path(), "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_STDOUT_CALLBACK": "default", "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", "")}


def run_playbook(lab: Lab, name: str, report_root: Path, run_env=None, run_args=(), **extra) -> subprocess.CompletedProcess:
    """Run a collection playbook against the lab; ``run_env`` adds environment variables (ANSIBLE_VERBOSITY, ...), ``run_args``
    command-line options (``--check``)."""
    extra = {**FAST, "dr_report_root": str(report_root), **extra}
    cmd = [str(BIN / "ansible-playbook"), f"elastic_dr.orchestrator.{name}", "-e", json.dumps(extra), *run_args]
    return subprocess.run(cmd, cwd=ROOT, env={**env_for(lab), **(run_env or {})}, capture_output=True, text=True, timeout=600)


def two_region_estate(tmp_path: Path, name: str, waves: dict, second_octet: int, description: str) -> str:
    """An estate file: each server of ``waves`` ({wave: [names]}) with a same-named DR target, us-east-1 -> us-west-2."""
    net = f"10.{second_octet}"
    servers = [{"name": server, "wave": wave, "ip": f"{net}.{wave}.{11 + i}", "target": {"name": server}}
               for wave, names in waves.items() for i, server in enumerate(names)]
    side = {"vpc_cidr": f"{net}.0.0/16", "subnets": {"a": f"{net}.1.0/24", "b": f"{net}.2.0/24"}}
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump({"name": name, "description": description, "source": {"region": "us-east-1", **side},
                                    "recovery": {"region": "us-west-2", **side}, "servers": servers}))
    return str(path)


def aws_client(lab: Lab, service: str, region: str):
    """A plain boto3 client on the lab (what the test checks, not what the modules use)."""
    import boto3

    env = env_for(lab)
    return boto3.client(service, region_name=region, endpoint_url=env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def record(report_root: Path, run_id: str) -> dict:
    return json.loads((report_root / run_id / "run.json").read_text())


def aws_calls(lab: Lab, since: int) -> list[dict]:
    """DRS and EC2 calls in the lab's call log after ``since``."""
    return [c for c in lab.calls(since) if c["service"] in DRS_EC2]


def tail(proc: subprocess.CompletedProcess) -> str:
    return (proc.stdout or "")[-4000:] + (proc.stderr or "")[-2000:]
