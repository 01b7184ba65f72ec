"""Count the AWS API calls of one recovery wave: drs_start_recovery + drs_job_wait through ansible-playbook.

One wave of N servers (generated estate, every server with its own pre-provisioned target), launch-into
configured with drs_launch_into_config, then ONE playbook: drs_start_recovery (a drill) and drs_job_wait with the
modules' default poll intervals. The lab's simulated clock runs at --scale times real time, so a job of about
6-8 simulated minutes takes about 400/scale real seconds (scale 4: about 100 s, a few 30 s poll intervals).

    .venv/bin/python bench/recovery.py                 # 100 servers, scale 4
    .venv/bin/python bench/recovery.py --scale 8 --servers 100

Prints the DRS and EC2 calls of start + wait (from the lab's call log), calls per server and wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from lab.estate import generate  # noqa: E402
from lab.ansible_env import collections_path  # noqa: E402
from lab.process import Lab  # noqa: E402

BIN = Path(sys.executable).parent
HEAD = {"hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}}
CONFIGURE = [{**HEAD, "name": "Configure", "tasks": [
    {"name": "Configure launch-into", "elastic_dr.orchestrator.drs_launch_into_config": {"pairs": "{{ pairs }}"}}]}]
RECOVER = [{**HEAD, "name": "Start and wait", "tasks": [
    {"name": "Start", "register": "started", "elastic_dr.orchestrator.drs_start_recovery": {
        "source_server_ids": "{{ pairs | map(attribute='source_server_id') | list }}", "mode": "drill", "run_id": "bench"}},
    {"name": "Wait", "elastic_dr.orchestrator.drs_job_wait": {
        "job_ids": "{{ started.jobs | map(attribute='job_id') | list }}", "expected": "{{ pairs }}", "label": "wave 1"}},
]}]


def playbook(lab: Lab, path: Path, extra: dict) -> dict:
    env = {**os.environ, **lab.env(), "ANSIBLE_COLLECTIONS_PATH": collections_path(),
           "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false"}
    proc = subprocess.run([str(BIN / "ansible-playbook"), str(path), "-i", "localhost,", "-e", json.dumps(extra)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"{path.name} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    return {t["task"]["name"]: t for play in report["plays"] for t in play["tasks"]}


def task_seconds(task: dict) -> float:
    from datetime import datetime
    d = task["task"]["duration"]
    return (datetime.fromisoformat(d["end"].replace("Z", "+00:00")) - datetime.fromisoformat(d["start"].replace("Z", "+00:00"))).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--scale", type=float, default=4.0, help="lab clock speed (simulated seconds per real second)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        estate = tmp / "estate.yml"
        estate.write_text(yaml.safe_dump(generate(args.servers, 1)), encoding="utf-8")
        (tmp / "configure.yml").write_text(yaml.safe_dump(CONFIGURE, sort_keys=False), encoding="utf-8")
        (tmp / "recover.yml").write_text(yaml.safe_dump(RECOVER, sort_keys=False), encoding="utf-8")
        with Lab(str(estate), time_scale=0, strict=True, log_path=str(tmp / "lab.log")) as lab:
            truth = lab.truth()
            pairs = [{"source_server_id": s["source_server_id"], "target_instance_id": s["target_instance_id"],
                      "target_private_ip": s["target_ip"]} for s in truth["servers"]]
            playbook(lab, tmp / "configure.yml", {"pairs": pairs})
            seq = lab.last_seq()
            lab.set_scale(args.scale)
            began = time.monotonic()
            tasks = playbook(lab, tmp / "recover.yml", {"pairs": pairs})
            wall = time.monotonic() - began
            calls = lab.calls(seq)
            violations = lab.violations()
    start_res, wait_res = tasks["Start"]["hosts"]["localhost"], tasks["Wait"]["hosts"]["localhost"]
    last_start = max(c["seq"] for c in calls if c["operation"] == "StartRecovery")
    phases = {"start": [c for c in calls if c["seq"] <= last_start], "wait": [c for c in calls if c["seq"] > last_start]}
    n = args.servers
    drs_calls = [c for c in calls if c["service"] == "drs"]
    ec2_calls = [c for c in calls if c["service"] == "ec2"]
    out = {
        "servers": n, "scale": args.scale,
        "jobs": len(start_res["jobs"]), "launched": wait_res["summary"]["launched"],
        "identity_verified": wait_res["summary"]["identity_verified"], "ip_verified": wait_res["summary"]["ip_verified"],
        "job_duration_simulated_s": [j["duration_s"] for j in wait_res["jobs"]],
        "drs_calls": len(drs_calls), "drs_calls_per_server": round(len(drs_calls) / n, 2),
        "ec2_calls": len(ec2_calls), "ec2_calls_per_server": round(len(ec2_calls) / n, 2),
        "all_calls_per_server": round(len(calls) / n, 2),
        "start": {"drs": sum(c["service"] == "drs" for c in phases["start"]), "ec2": sum(c["service"] == "ec2" for c in phases["start"]),
                  "task_s": round(task_seconds(tasks["Start"]), 1)},
        "wait": {"drs": sum(c["service"] == "drs" for c in phases["wait"]), "ec2": sum(c["service"] == "ec2" for c in phases["wait"]),
                 "task_s": round(task_seconds(tasks["Wait"]), 1),
                 "describe_jobs_polls": sum(c["operation"] == "DescribeJobs" for c in phases["wait"])},
        "wall_s": round(wall, 1),
        "by_operation": dict(sorted(Counter(f"{c['service']}:{c['operation']}" for c in calls).items())),
        "contract_violations": len(violations),
    }
    print(f"{n} servers, lab scale {args.scale:g}: {out['jobs']} job(s), {out['launched']} launched, "
          f"identity {out['identity_verified']}/{n}, IP {out['ip_verified']}/{n}")
    print(f"simulated job duration: {out['job_duration_simulated_s']} s")
    print(f"DRS calls (start + wait): {out['drs_calls']} = {out['drs_calls_per_server']} per server "
          f"(start {out['start']['drs']}, wait {out['wait']['drs']} incl. {out['wait']['describe_jobs_polls']} DescribeJobs polls)")
    print(f"EC2 calls (start + wait): {out['ec2_calls']} = {out['ec2_calls_per_server']} per server "
          f"(start {out['start']['ec2']}, wait {out['wait']['ec2']})")
    print(f"all calls per server: {out['all_calls_per_server']}")
    print(f"wall: {out['wall_s']} s (start task {out['start']['task_s']} s, wait task {out['wait']['task_s']} s)")
    for op, count in out["by_operation"].items():
        print(f"  {op:45} {count}")
    print(f"contract violations: {out['contract_violations']}")
    if args.json:
        print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
