# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of drs_launch_into_config (and drs_instance_match) against the lab (a script, not a test).

Generates an estate of N servers (one wave, one pre-provisioned target each), starts a lab on it
(time frozen, not strict), takes the ground-truth pairs from the lab and runs ONE ansible-playbook
with ONE drs_launch_into_config task over all N pairs, then the same playbook again (goal: nothing
to change, no mutating call), then drs_instance_match (exact, validate) over the same servers.

For each run it prints the playbook wall time, the task time (ansible.posix.json callback), the API
phase (first to last API call, sampled from the lab's call log), API calls per server by operation,
and mutating calls. To tell Ansible's, the module's and the lab's costs apart it also times a no-op
playbook with the same extra vars, the module run alone (``python drs_launch_into_config.py
args.json``, no ansible-playbook), and the lab's own throughput with boto3 from this process.

    .venv/bin/python bench/configure.py [--servers 1000] [--workers 8] [--keep DIR]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from lab.estate import generate  # noqa: E402  (after the sys.path set-up)
from lab.process import Lab  # noqa: E402

COLLECTIONS = os.path.join(ROOT, "build", "collections")
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

PLAY_HEAD = """\
- name: bench
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
"""
TASKS = {
    "configure": """\
    - name: configure
      elastic_dr.orchestrator.drs_launch_into_config:
        region: us-west-2
        pairs: "{{ pairs }}"
        max_workers: "{{ workers }}"
""",
    "match": """\
    - name: match
      elastic_dr.orchestrator.drs_instance_match:
        region: us-west-2
        fuzzy: false
        validate: true
""",
    # Ansible alone: load the same extra vars and template them once (no AWS call).
    "noop": """\
    - name: noop
      ansible.builtin.set_fact:
        count: "{{ pairs | length }}"
""",
}


def ensure_collection_link():
    parent = os.path.join(COLLECTIONS, "ansible_collections", "elastic_dr")
    os.makedirs(parent, exist_ok=True)
    link = os.path.join(parent, "orchestrator")
    if not os.path.exists(link):
        os.symlink(ROOT, link)


class CallSampler(threading.Thread):
    """Polls the lab's last call sequence number to timestamp calls (the lab clock is frozen)."""

    def __init__(self, lab, interval=0.05):
        super().__init__(daemon=True)
        self.lab = lab
        self.interval = interval
        self.samples = []  # (monotonic time, last_seq)
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            try:
                seq = self.lab.last_seq()
            except Exception:  # a lab busy past the urlopen timeout: skip the sample
                continue
            self.samples.append((time.monotonic(), seq))
            self.halt.wait(self.interval)

    def when(self, seq):
        """Monotonic time at which the call log first reached ``seq`` (within one sampling interval)."""
        for moment, last in self.samples:
            if last >= seq:
                return moment
        return None


def parse_json_output(stdout):
    start = stdout.find("{")
    return json.loads(stdout[start:]) if start >= 0 else {}


def iso_seconds(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def run_playbook(lab, workdir, kind, vars_file):
    playbook = os.path.join(workdir, f"{kind}.yml")
    with open(playbook, "w", encoding="utf-8") as handle:
        handle.write(PLAY_HEAD + TASKS[kind])
    env = {**os.environ, **lab.env(), "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
           "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_LOCALHOST_WARNING": "False",
           "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False", "ANSIBLE_DEPRECATION_WARNINGS": "False"}
    base = lab.last_seq()
    sampler = CallSampler(lab)
    sampler.start()
    started = time.monotonic()
    proc = subprocess.run([PLAYBOOK_BIN, playbook, "-e", "@" + vars_file], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    time.sleep(sampler.interval * 2)
    sampler.halt.set()
    sampler.join()
    calls = lab.calls(since=base)
    out = parse_json_output(proc.stdout)
    task = out["plays"][0]["tasks"][0] if out.get("plays") else None
    result = task["hosts"]["localhost"] if task else {}
    if proc.returncode != 0 or result.get("failed"):
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"{kind} playbook failed (rc {proc.returncode}): {result.get('msg')}")
    duration = task["task"]["duration"]
    run = {"kind": kind, "wall": wall, "task": iso_seconds(duration["end"]) - iso_seconds(duration["start"]),
           "calls": calls, "result": result, "phases": []}
    if calls:
        first, last = sampler.when(calls[0]["seq"]), sampler.when(calls[-1]["seq"])
        run["api"] = (last - first) if first and last else None
        run["to_first_call"] = (first - started) if first else None
        run["after_last_call"] = (started + wall - last) if last else None
        # Consecutive calls of one operation form a phase (GetLaunchConfiguration x N, then Describe*, ...).
        phases = []
        for call in calls:
            op = call["operation"] + (f" {call['region']}" if call["service"] == "ec2" else "")
            if phases and phases[-1]["op"] == op:
                phases[-1]["n"] += 1
                phases[-1]["last"] = call["seq"]
            else:
                phases.append({"op": op, "n": 1, "first": call["seq"], "last": call["seq"]})
        for phase in phases:
            begin = sampler.when(phase["first"] - 1) if phase["first"] > base + 1 else first
            end = sampler.when(phase["last"])
            phase["seconds"] = (end - begin) if begin and end else None
        run["phases"] = phases
    return run


def run_module_directly(lab, workdir, pairs, workers):
    """The module without ansible-playbook: ``python drs_launch_into_config.py args.json`` (no AnsiballZ, no callback)."""
    args_file = os.path.join(workdir, "module_args.json")
    with open(args_file, "w", encoding="utf-8") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": {"pairs": pairs, "region": "us-west-2", "max_workers": workers}}, handle)
    env = {**os.environ, **lab.env(), "PYTHONPATH": COLLECTIONS}
    base = lab.last_seq()
    started = time.monotonic()
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "plugins", "modules", "drs_launch_into_config.py"), args_file],
                          env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    result = parse_json_output(proc.stdout)
    if proc.returncode != 0 or result.get("failed"):
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"direct module run failed (rc {proc.returncode}): {result.get('msg')}")
    return {"kind": "direct", "wall": wall, "task": wall, "calls": lab.calls(since=base), "result": result, "phases": [],
            "output_bytes": len(proc.stdout)}


def summarize_calls(calls, servers):
    ops = Counter(f"{c['service']}:{c['operation']}" for c in calls)
    mutating = sum(1 for c in calls if c["mutating"])
    errors = Counter(c["error"] for c in calls if c["error"] or (c["status"] or 0) >= 400)
    return {"total": len(calls), "per_server": len(calls) / servers, "mutating": mutating, "ops": ops, "errors": errors}


def probe_lab(lab, pairs, workers):
    """Direct boto3 throughput on the lab: GetLaunchConfiguration over every server from 1 and N threads,
    UpdateLaunchConfiguration (to the values already set) from N threads, EC2 and admin calls."""
    server_ids = [sid for sid, _ in pairs]
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-west-2")
    client = session.client("drs", endpoint_url=lab.url, config=Config(max_pool_connections=max(10, workers * 2)))
    out = {}
    for threads in sorted({1, workers}):
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda sid: client.get_launch_configuration(sourceServerID=sid), server_ids))
        out[threads] = len(server_ids) / (time.monotonic() - started)
    changes = {"launchIntoInstanceProperties": {"launchIntoEC2InstanceID": ""}, "copyPrivateIp": False, "copyTags": False}
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:  # sets what is already there: same state after
        list(pool.map(lambda pair: client.update_launch_configuration(
            sourceServerID=pair[0], **dict(changes, launchIntoInstanceProperties={"launchIntoEC2InstanceID": pair[1]})), pairs))
    out["update_per_s"] = len(pairs) / (time.monotonic() - started)
    ec2 = session.client("ec2", endpoint_url=lab.url)
    target_ids = [tid for _, tid in pairs]
    started = time.monotonic()
    described = 0
    for start in range(0, len(target_ids), 200):  # what the module does: instance-id filter, 200 IDs a call, paginated
        for page in ec2.get_paginator("describe_instances").paginate(
                Filters=[{"Name": "instance-id", "Values": target_ids[start:start + 200]}]):
            described += sum(len(r["Instances"]) for r in page["Reservations"])
    out["ec2_instances_per_s"] = described / (time.monotonic() - started)
    started = time.monotonic()
    for _ in range(20):
        lab.last_seq()
    out["admin_per_s"] = 20 / (time.monotonic() - started)
    return out


def fmt(value, unit="s"):
    return "-" if value is None else f"{value:.2f} {unit}".strip()


def print_run(label, run, servers):
    stats = summarize_calls(run["calls"], servers)
    summary = run["result"].get("summary", {})
    print(f"\n{label}")
    if run["kind"] == "direct":
        print(f"  wall {fmt(run['wall'])} (module process only)")
    else:
        print(f"  playbook wall {fmt(run['wall'])}, task {fmt(run['task'])}, API phase {fmt(run.get('api'))} "
              f"(start to first call {fmt(run.get('to_first_call'))}, last call to exit {fmt(run.get('after_last_call'))})")
    print(f"  calls {stats['total']} ({stats['per_server']:.3f}/server), mutating {stats['mutating']}, "
          f"changed={run['result'].get('changed')}, summary {json.dumps(summary, sort_keys=True)}")
    for op, n in sorted(stats["ops"].items(), key=lambda kv: -kv[1]):
        print(f"    {op:<42} {n:6d}  ({n / servers:.3f}/server)")
    if stats["errors"]:
        print(f"  error responses: {dict(stats['errors'])}")
    for phase in run["phases"]:
        rate = phase["n"] / phase["seconds"] if phase["seconds"] else None
        print(f"    phase {phase['op']:<40} x{phase['n']:<6} {fmt(phase['seconds'])}"
              + (f"  ({rate:.0f} calls/s)" if rate else ""))
    return stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8, help="max_workers of drs_launch_into_config")
    parser.add_argument("--keep", default=None, help="write the estate, vars and playbooks here (default: a temp dir)")
    parser.add_argument("--no-probe", action="store_true", help="skip the direct boto3 throughput probe of the lab")
    parser.add_argument("--no-match", action="store_true", help="skip drs_instance_match")
    args = parser.parse_args(argv)

    ensure_collection_link()
    workdir = args.keep or tempfile.mkdtemp(prefix="bench-configure-")
    os.makedirs(workdir, exist_ok=True)
    print(f"python {platform.python_version()}, cpus {os.cpu_count()}, machine {platform.machine()}, "
          f"{args.servers} servers, max_workers {args.workers}, load average {os.getloadavg()[0]:.2f}, workdir {workdir}")

    started = time.monotonic()
    estate_path = os.path.join(workdir, "estate.yml")
    with open(estate_path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(generate(args.servers, 1), handle, sort_keys=False)
    generated = time.monotonic() - started

    lab = Lab(estate_path, time_scale=0, strict=False, log_path=os.path.join(workdir, "lab.log"))
    lab.start(timeout=600)
    try:
        print(f"estate generated in {generated:.2f} s, lab ready in {lab.startup_s:.2f} s ({lab.url})")
        truth = lab.truth()
        pairs = [{"source_server_id": s["source_server_id"], "target_instance_id": s["target_instance_id"]}
                 for s in truth["servers"] if s.get("target_instance_id")]
        vars_file = os.path.join(workdir, "vars.json")
        with open(vars_file, "w", encoding="utf-8") as handle:
            json.dump({"pairs": pairs, "workers": args.workers}, handle)
        n = len(pairs)

        noop = run_playbook(lab, workdir, "noop", vars_file)
        print(f"\nansible-playbook alone (same {n} pairs as extra vars, one set_fact): wall {fmt(noop['wall'])}")
        first = run_playbook(lab, workdir, "configure", vars_file)
        s1 = print_run(f"drs_launch_into_config, first run ({n} pairs)", first, n)
        second = run_playbook(lab, workdir, "configure", vars_file)
        s2 = print_run("drs_launch_into_config, second run (unchanged)", second, n)
        direct = run_module_directly(lab, workdir, pairs, args.workers)
        sd = print_run("drs_launch_into_config run directly (python module.py args.json, no ansible-playbook), unchanged",
                       direct, n)
        print(f"  module output {direct['output_bytes'] / 1e6:.1f} MB of JSON")
        match = s3 = None
        if not args.no_match:
            match = run_playbook(lab, workdir, "match", vars_file)
            s3 = print_run("drs_instance_match (exact, validate: true)", match, n)
            truth_pairs = {(p["source_server_id"], p["target_instance_id"]) for p in pairs}
            got = {(p["source_server_id"], p["target_instance_id"]) for p in match["result"].get("pairs", [])}
            print(f"  pairs {len(got)}, equal to the ground truth: {got == truth_pairs}")
        probe = None
        if not args.no_probe:
            probe = probe_lab(lab, [(p["source_server_id"], p["target_instance_id"]) for p in pairs], args.workers)
            print(f"\nlab throughput (boto3 from this process) over {n} servers: GetLaunchConfiguration "
                  + ", ".join(f"{k} thread(s) {v:.0f}/s" for k, v in probe.items() if isinstance(k, int))
                  + f"; UpdateLaunchConfiguration {args.workers} threads {probe['update_per_s']:.0f}/s"
                  + f"; EC2 DescribeInstances by instance-id filter {probe['ec2_instances_per_s']:.0f} instances/s"
                  + f"; admin /_lab/calls {probe['admin_per_s']:.0f}/s")
        violations = lab.violations()
        if violations:
            print(f"lab contract violations: {len(violations)} (first: {violations[0]})")
    finally:
        lab.stop()

    print(f"\nSummary ({n} servers, max_workers {args.workers}, {os.cpu_count()} cores, "
          f"load average now {os.getloadavg()[0]:.2f})")
    print("| Run | Playbook wall | Task | API phase | Calls/server | Mutating calls | Changed |")
    print("|---|---|---|---|---|---|---|")
    rows = [("ansible-playbook alone (noop)", noop, None), ("launch_into_config, 1st run", first, s1),
            ("launch_into_config, 2nd run (unchanged)", second, s2),
            ("launch_into_config, module alone, unchanged", direct, sd)]
    if match:
        rows.append(("instance_match (exact, validate)", match, s3))
    for label, run, stats in rows:
        if stats is None:
            print(f"| {label} | {fmt(run['wall'])} | {fmt(run['task'])} | - | - | - | - |")
            continue
        print(f"| {label} | {fmt(run['wall'])} | {fmt(run['task'])} | {fmt(run.get('api'))} | {stats['per_server']:.3f} "
              f"| {stats['mutating']} | {run['result'].get('summary', {}).get('changed', run['result'].get('changed'))} |")
    if probe:
        print(f"Lab: GetLaunchConfiguration {', '.join(f'{v:.0f}/s from {k} thread(s)' for k, v in probe.items() if isinstance(k, int))}, "
              f"UpdateLaunchConfiguration {probe['update_per_s']:.0f}/s, DescribeInstances {probe['ec2_instances_per_s']:.0f} instances/s")


if __name__ == "__main__":
    main()
