# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of a drill under throttling of DRS and EC2 (a script, not a test). Prints numbers.

For each throttling rate (default 0, 0.3, 0.5; every DRS and EC2 request of the lab answered with ThrottlingException
or RequestLimitExceeded at that rate), a fresh lab with the same estate runs
``ansible-playbook elastic_dr.orchestrator.drill -e dr_pairing=match`` and this prints the wall time, its ratio to the
fault-free run (goal: 30 % at most 2x), the verdict, how many requests were throttled, and whether the drill left
anything behind (instances, volumes or recovery instances that differ from before; goal: nothing at 50 %).

    .venv/bin/python bench/throttling.py [--servers 24] [--waves 3] [--rates 0,0.3,0.5] [--scale 2000]
"""

import argparse
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import yaml  # noqa: E402

from lab.ansible_env import collections_path  # noqa: E402
from lab.estate import generate  # noqa: E402
from lab.process import Lab  # noqa: E402

BIN = Path(sys.executable).parent
print = functools.partial(print, flush=True)  # noqa: A001


def env_for(lab: Lab) -> dict:
    return {**os.environ, **lab.env(), "ANSIBLE_COLLECTIONS_PATH": collections_path(), "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", "")}


def snapshot(lab: Lab) -> dict:
    env = lab.env()
    kw = dict(region_name="us-west-2", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="testing", aws_secret_access_key="testing")
    ec2, drs = boto3.client("ec2", **kw), boto3.client("drs", **kw)
    instances = {i["InstanceId"]: (i["State"]["Name"], sorted(m["Ebs"]["VolumeId"] for m in i.get("BlockDeviceMappings", [])))
                 for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]}
    return {"instances": instances, "volumes": sorted(v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]),
            "recovery_instances": sorted(r["recoveryInstanceID"] for r in drs.describe_recovery_instances(filters={})["items"])}


def drill(estate: Path, work: Path, rate: float, scale: float) -> dict:
    with Lab(str(estate), time_scale=scale, strict=True, log_path=str(work / f"lab-{rate}.log")) as lab:
        before = snapshot(lab)
        seq = lab.last_seq()
        if rate:
            lab.faults(throttle_rate=rate, services=["drs", "ec2"])
        extra = {"dr_region": "us-west-2", "dr_run_id": f"thr-{rate}", "dr_report_root": str(work / "reports"), "dr_pairing": "match",
                 "dr_poll_interval": 2, "dr_progress_interval": 10}
        cmd = [str(BIN / "ansible-playbook"), "elastic_dr.orchestrator.drill", "-e", json.dumps(extra)]
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=ROOT, env=env_for(lab), capture_output=True, text=True, timeout=3600)
        wall = time.monotonic() - started
        lab.faults()
        calls = lab.calls(seq)
        throttled = sum(1 for c in calls if c.get("error") in ("ThrottlingException", "RequestLimitExceeded"))
        left = snapshot(lab) != before
        record = work / "reports" / f"thr-{rate}" / "run.json"
        verdict = json.loads(record.read_text())["verdict"]["verdict"] if record.exists() else "no run.json"
        if proc.returncode and verdict != "PASS":
            print(proc.stdout[-3000:])
    return {"rate": rate, "wall": wall, "rc": proc.returncode, "verdict": verdict, "calls": len(calls), "throttled": throttled, "left": left}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=24)
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--rates", default="0,0.3,0.5")
    parser.add_argument("--scale", type=float, default=2000)
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="bench-throttling-") as tmp:
        work = Path(tmp)
        estate = work / "estate.yml"
        estate.write_text(yaml.safe_dump(generate(args.servers, args.waves), sort_keys=False))
        results = []
        for rate in rates:
            result = drill(estate, work, rate, args.scale)
            results.append(result)
            base = results[0]["wall"] if results[0]["rate"] == 0 else None
            ratio = f", {result['wall'] / base:.2f}x the fault-free run" if base else ""
            print(f"throttling {rate:.0%}: drill of {args.servers} servers in {args.waves} waves {result['wall']:.1f} s wall{ratio}; "
                  f"exit {result['rc']}, verdict {result['verdict']}; {result['throttled']} of {result['calls']} requests throttled; "
                  f"left behind: {'YES' if result['left'] else 'nothing'}")
    bad = [r for r in results if r["verdict"] != "PASS" or r["left"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
