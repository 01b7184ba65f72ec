"""Small helpers shared by the lab behaviour tests."""

from __future__ import annotations

from pathlib import Path

import boto3
from botocore.config import Config

from lab.process import Lab

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "lab/estates/demo.yml")
TWO_ACCOUNTS = str(ROOT / "lab/estates/two_accounts.yml")
NO_RETRY = Config(retries={"total_max_attempts": 1})



class Clients:
    """boto3 clients bound to the lab for one account's credentials."""

    def __init__(self, lab: Lab, region: str = "us-west-2", credentials: dict | None = None, config: Config | None = None):
        self.lab = lab
        self.region = region
        creds = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        self.session = boto3.session.Session(region_name=region, **creds)
        self.config = config

    def __call__(self, service: str, region: str | None = None, config: Config | None = None):
        return self.session.client(service, region_name=region or self.region, endpoint_url=self.lab.url,
                                   config=config or self.config)




def by_name(truth: dict, name: str) -> dict:
    return next(s for s in truth["servers"] if s["name"] == name)


def launch_into(drs, server: dict, target_id: str | None = None) -> dict:
    return drs.update_launch_configuration(
        sourceServerID=server["source_server_id"],
        launchIntoInstanceProperties={"launchIntoEC2InstanceID": target_id or server["target_instance_id"]},
        copyPrivateIp=False,
        copyTags=False,
    )


def run_job(lab, drs, server_ids, *, drill=True, advance=3600, **kwargs) -> dict:
    """Start a job, move the simulated clock past its end, return the finished job."""
    job = drs.start_recovery(sourceServers=[{"sourceServerID": s} for s in server_ids], isDrill=drill, **kwargs)["job"]
    lab.advance(advance)
    return drs.describe_jobs(filters={"jobIDs": [job["jobID"]]})["items"][0]


def job_log(drs, job_id: str) -> list[dict]:
    return drs.get_paginator("describe_job_log_items").paginate(jobID=job_id).build_full_result()["items"]


def instance(ec2, instance_id: str) -> dict:
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def volumes_of(ec2, instance_id: str) -> dict:
    return {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in instance(ec2, instance_id)["BlockDeviceMappings"]}
