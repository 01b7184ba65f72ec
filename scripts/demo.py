#!/usr/bin/env python3
"""`make demo`: start the lab on the demo estate and show what a DR engineer would see first.

Prints a readiness summary of the estate read with plain boto3 through the lab (DRS source
servers by wave, their replication state and launch settings, and the pre-provisioned targets).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402

from lab.process import Lab  # noqa: E402


def readiness(lab: Lab) -> int:
    truth = lab.truth()
    rec = truth["recovery"]
    session = boto3.session.Session(region_name=rec["region"])
    drs = session.client("drs", endpoint_url=lab.url)
    ec2 = session.client("ec2", endpoint_url=lab.url)
    servers = drs.get_paginator("describe_source_servers").paginate(filters={}).build_full_result()["items"]
    targets = ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "tag:AWSDRS", "Values": ["AllowLaunchingIntoThisInstance"]}]).build_full_result()
    target_list = [i for r in targets["Reservations"] for i in r["Instances"]]
    by_wave = defaultdict(list)
    for srv in servers:
        by_wave[srv["tags"].get("dr:wave", "-")].append(srv)
    print(f"\nEstate '{truth['name']}': {len(servers)} DRS source servers in {rec['account']}/{rec['region']}, "
          f"{len(target_list)} instances tagged AWSDRS=AllowLaunchingIntoThisInstance\n")
    problems = 0
    for wave in sorted(by_wave):
        print(f"wave {wave}")
        print(f"  {'source server':<22} {'name':<14} {'replication':<12} {'lag':<6} {'launch into':<22} copyTags copyPrivateIp")
        for srv in sorted(by_wave[wave], key=lambda s: s["tags"].get("Name", "")):
            cfg = drs.get_launch_configuration(sourceServerID=srv["sourceServerID"])
            into = cfg.get("launchIntoInstanceProperties", {}).get("launchIntoEC2InstanceID", "-")
            info = srv["dataReplicationInfo"]
            state = info["dataReplicationState"]
            problems += state != "CONTINUOUS"
            print(f"  {srv['sourceServerID']:<22} {srv['tags'].get('Name', '?'):<14} {state:<12} "
                  f"{info.get('lagDuration', '-'):<6} {into:<22} {str(cfg['copyTags']):<8} {cfg['copyPrivateIp']}")
    print("\npre-provisioned targets")
    for inst in sorted(target_list, key=lambda i: i["PrivateIpAddress"]):
        name = next((t["Value"] for t in inst.get("Tags", []) if t["Key"] == "Name"), "")
        flag = "" if inst["State"]["Name"] == "stopped" else "   <- not stopped: DRS cannot launch into it"
        print(f"  {inst['InstanceId']:<22} {name!r:<16} {inst['State']['Name']:<8} {inst['PrivateIpAddress']:<12} "
              f"{inst['Architecture']}{flag}")
    print("\nNo server launches into a target yet: the next steps (match, configure, drill) are the collection's modules.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--estate", default=str(ROOT / "lab/estates/demo.yml"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LAB_PORT", "0")))
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    (ROOT / "reports").mkdir(exist_ok=True)
    with Lab(args.estate, port=args.port, log_path=str(ROOT / "reports/lab.log")) as lab:
        print(f"lab ready on {lab.url} in {lab.startup_s:.2f} s (estate {args.estate})")
        return readiness(lab)


if __name__ == "__main__":
    sys.exit(main())
