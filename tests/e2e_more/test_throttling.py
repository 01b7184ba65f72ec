"""A drill under heavy throttling of DRS and EC2, through the real playbook against the lab.

Issue 12 item 15: at 50 % throttling the drill died (an EC2 waiter gave up on RequestLimitExceeded), wrote no run.json
and left 13 drill instances running. Every call and every wait retries throttling with backoff; the run completes and
leaves the estate as it found it.
"""

from __future__ import annotations

import time

from more_helpers import DRS_EC2, aws_client, record, run_playbook, tail, two_region_estate

WAVES = {1: ["thr-db-01", "thr-db-02", "thr-app-01", "thr-app-02"], 2: ["thr-app-03", "thr-app-04", "thr-web-01", "thr-web-02"]}


def _snapshot(lab):
    """Per Region: instances (state, IP, volumes), volumes, DRS recovery instances."""
    out = {}
    for region in ("us-west-2", "us-east-1"):
        ec2, drs = aws_client(lab, "ec2", region), aws_client(lab, "drs", region)
        instances = {i["InstanceId"]: (i["State"]["Name"], i.get("PrivateIpAddress"),
                                       sorted((m["DeviceName"], m["Ebs"]["VolumeId"]) for m in i.get("BlockDeviceMappings", [])))
                     for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]}
        out[region] = {"instances": instances, "volumes": sorted(v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]),
                       "recovery_instances": sorted(r["recoveryInstanceID"] for r in drs.describe_recovery_instances(filters={})["items"])}
    return out


def test_a_drill_under_50_percent_throttling_completes_and_leaves_nothing_behind(demo_lab, tmp_path):
    demo_lab.reset(estate=two_region_estate(tmp_path, "throttled", WAVES, 50, "two waves under throttling"), time_scale=2000)
    before = _snapshot(demo_lab)
    demo_lab.faults(throttle_rate=0.5, services=list(DRS_EC2))
    started = time.monotonic()
    try:
        proc = run_playbook(demo_lab, "drill", tmp_path, dr_run_id="thr-50", dr_pairing="match")
    finally:
        demo_lab.faults()
    elapsed = time.monotonic() - started
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "RequestLimitExceeded" not in out, tail(proc)
    assert proc.returncode == 0, tail(proc)
    run = record(tmp_path, "thr-50")
    assert run["verdict"]["verdict"] == "PASS", run["verdict"]
    assert run["summary"]["launched"] == 8 and run["summary"]["identity_verified"] == 8, run["summary"]
    assert _snapshot(demo_lab) == before, f"the drill left something behind ({elapsed:.0f} s)"
