# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of the playbooks against the lab (a script, not a test). Prints numbers.

0. Pairing: ``ansible-playbook elastic_dr.orchestrator.pair -e dr_pair_apply=true`` stores the reviewed pairs (done
   before the outage, so not part of the failover's time).
1. Orchestration overhead: 1,000 servers in 10 waves with zero simulated DRS time (every phase 0 s), wall time of
   ``ansible-playbook elastic_dr.orchestrator.failover -e dr_mode=drill`` from the stored pairs (goal 60 s or less) versus a naive
   playbook with a per-server ``loop:`` calling drs_launch_into_config and drs_start_recovery (run on
   --naive-servers servers and extrapolated linearly to 1,000; it does not even wait for the jobs).
2. RTO efficiency with the default (realistic) DRS timings at --scale simulated seconds per real second:
   the slowest-server lower bound (sum over waves of the slowest server's job time, simulated: the RTO if orchestration
   took no time) / the run's RTO as run.json records it (elapsed, first DRS job to last server verified); goal 0.95.
3. Mutating API calls (lab call log) of an immediate re-run with the same run ID (goal 0).

    .venv/bin/python bench/orchestration.py [--servers 1000] [--waves 10] [--naive-servers 100]
                                            [--rto-servers 100] [--rto-waves 4] [--scale 60] [--skip-naive] [--skip-rto]
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

import yaml  # noqa: E402

from lab.estate import generate  # noqa: E402  (after the sys.path set-up)
from lab.ansible_env import collections_path  # noqa: E402
from lab.process import Lab  # noqa: E402

BIN = Path(sys.executable).parent
print = functools.partial(print, flush=True)  # noqa: A001  (progress shows while the runs take minutes)
ZERO_TIMINGS = {"job_pending_s": 0, "cleanup_s": 0, "snapshot_s": 0, "conversion_s": 0, "launch_s": 0, "terminate_s": 0, "jitter": 0}

NAIVE_PLAYBOOK = """---
- name: Naive per-server failover (for comparison only)
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Source servers
      elastic_dr.orchestrator.drs_source_server_info:
        region: us-west-2
      register: __naive_sources

    - name: Match (exact names, whole estate)
      elastic_dr.orchestrator.drs_instance_match:
        region: us-west-2
        source_server_ids: "{{ (__naive_sources.source_servers | map(attribute='source_server_id') | sort)[:naive_count | int] }}"
      register: __naive_match

    - name: Configure launch-into, one server at a time
      elastic_dr.orchestrator.drs_launch_into_config:
        region: us-west-2
        pairs: [ "{{ __naive_pair }}" ]
      loop: "{{ __naive_match.pairs }}"
      loop_control: {loop_var: __naive_pair, label: "{{ __naive_pair.source_server_id }}"}

    - name: Start recovery, one server at a time
      elastic_dr.orchestrator.drs_start_recovery:
        region: us-west-2
        source_server_ids: ["{{ __naive_pair.source_server_id }}"]
        mode: drill
        run_id: "naive-{{ __naive_index }}"
      loop: "{{ __naive_match.pairs }}"
      loop_control: {loop_var: __naive_pair, index_var: __naive_index, label: "{{ __naive_pair.source_server_id }}"}
"""


def env_for(lab: Lab) -> dict:
    return {**os.environ, **lab.env(), "ANSIBLE_COLLECTIONS_PATH": collections_path(), "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", "")}


def write_estate(path: Path, servers: int, waves: int, timings: dict | None) -> None:
    estate = generate(servers, waves)
    if timings is not None:
        estate["timings"] = timings
    path.write_text(yaml.safe_dump(estate, sort_keys=False))


def playbook(lab: Lab, target: str, extra: dict) -> tuple[float, subprocess.CompletedProcess]:
    cmd = [str(BIN / "ansible-playbook"), target, "-e", json.dumps(extra)]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env_for(lab), capture_output=True, text=True, timeout=3600)
    return time.monotonic() - started, proc


def failover(lab: Lab, reports: Path, run_id: str, poll: int, progress: int) -> tuple[float, subprocess.CompletedProcess, dict]:
    extra = {"dr_mode": "drill", "dr_run_id": run_id, "dr_report_root": str(reports), "dr_region": "us-west-2",
             "dr_poll_interval": poll, "dr_progress_interval": progress}
    wall, proc = playbook(lab, "elastic_dr.orchestrator.failover", extra)
    run_json = reports / run_id / "run.json"
    if not run_json.exists():
        sys.exit(f"no run.json for {run_id} (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return wall, proc, json.loads(run_json.read_text())


def store_pairs(lab: Lab, reports: Path) -> None:
    """What the operator does before the outage: review and store the pairs (the generated estate pairs exactly)."""
    seq = lab.last_seq()
    extra = {"dr_region": "us-west-2", "dr_report_root": str(reports), "dr_run_id": "bench-pair", "dr_pair_apply": True}
    wall, proc = playbook(lab, "elastic_dr.orchestrator.pair", extra)
    updates = [c for c in lab.calls(seq) if c["operation"] == "UpdateLaunchConfiguration"]
    print(f"[0] pair apply (before the outage): {wall:.1f} s wall, exit {proc.returncode}, {len(updates)} launch configurations stored")
    if proc.returncode != 0:
        sys.exit(f"pairing failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")


def mutating(lab: Lab, since: int) -> list[dict]:
    return [c for c in lab.calls(since) if c["mutating"]]


def zero_time_parts(args, work: Path) -> None:
    """Parts 1 and 3: the playbook on zero DRS time, then the same run ID again (nothing may change)."""
    estate = work / "zero.yml"
    write_estate(estate, args.servers, args.waves, ZERO_TIMINGS)
    with Lab(str(estate), time_scale=1.0, strict=True, log_path=str(work / "lab-zero.log")) as lab:
        print(f"lab: {args.servers} servers in {args.waves} waves, zero DRS timings, started in {lab.startup_s:.1f} s")
        store_pairs(lab, work / "reports")
        seq = lab.last_seq()
        wall, proc, run = failover(lab, work / "reports", "bench-zero", args.poll, args.progress)
        s = run["summary"]
        calls = lab.calls(seq)
        print(f"[1] failover drill from stored pairs, {args.servers} servers / {args.waves} waves: {wall:.1f} s wall (goal <= 60 s), "
              f"exit {proc.returncode}, verdict {run['verdict']['verdict']}, launched {s['launched']}/{s['planned']}, "
              f"{len(calls)} API calls ({sum(c['mutating'] for c in calls)} mutating)")
        per_wave = [(w["name"], w.get("wall_started_at"), w.get("wall_ended_at")) for w in run["waves"]]
        print(f"    waves: {len(per_wave)} ({', '.join(w[0] for w in per_wave)})")

        seq = lab.last_seq()
        wall2, proc2, run2 = failover(lab, work / "reports", "bench-zero", args.poll, args.progress)
        muts = mutating(lab, seq)
        ops = sorted({c["operation"] for c in muts})
        print(f"[3] immediate re-run with the same run ID: {wall2:.1f} s wall, exit {proc2.returncode}, "
              f"launched {run2['summary']['launched']}, mutating API calls: {len(muts)} (goal 0){' ' + str(ops) if ops else ''}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--waves", type=int, default=10)
    parser.add_argument("--naive-servers", type=int, default=100)
    parser.add_argument("--rto-servers", type=int, default=100)
    parser.add_argument("--rto-waves", type=int, default=4)
    parser.add_argument("--scale", type=float, default=60.0, help="simulated seconds per real second for the RTO part")
    parser.add_argument("--poll", type=int, default=1, help="dr_poll_interval")
    parser.add_argument("--progress", type=int, default=3, help="dr_progress_interval")
    parser.add_argument("--skip-zero", action="store_true", help="skip parts 1 and 3 (zero DRS time)")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-rto", action="store_true")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="bench-orch-"))

    if not args.skip_zero:
        zero_time_parts(args, work)

    if not args.skip_naive:
        estate = work / "naive.yml"
        write_estate(estate, args.servers, args.waves, ZERO_TIMINGS)
        book = work / "naive.yml.playbook.yml"
        book.write_text(NAIVE_PLAYBOOK)
        with Lab(str(estate), time_scale=1.0, strict=True, log_path=str(work / "lab-naive.log")) as lab:
            nwall, nproc = playbook(lab, str(book), {"naive_count": args.naive_servers})
            starts = [c for c in lab.calls(0) if c["operation"] == "StartRecovery"]
            ok = sum(1 for c in starts if c["status"] == 202)
            estimate = nwall * args.servers / args.naive_servers
            print(f"[1] naive per-server loop on {args.naive_servers} servers: {nwall:.1f} s wall, exit {nproc.returncode}, "
                  f"{ok}/{len(starts)} StartRecovery accepted; extrapolated to {args.servers} servers: ~{estimate:.0f} s "
                  f"(linear, and it does not wait for or verify any job), {estimate / wall:.1f}x the playbook")
            refused = [c for c in starts if c["status"] != 202]
            if refused:
                print(f"    refused: {sorted({c.get('error') or c['status'] for c in refused})}")

    # ---- 2: realistic DRS timings, scaled ------------------------------------------------------------
    if not args.skip_rto:
        estate = work / "rto.yml"
        write_estate(estate, args.rto_servers, args.rto_waves, None)
        with Lab(str(estate), time_scale=args.scale, strict=True, log_path=str(work / "lab-rto.log")) as lab:
            store_pairs(lab, work / "reports")
            wall, proc, run = failover(lab, work / "reports", "bench-rto", args.poll, args.progress)
            slowest = [max([s.get("duration_s") or 0 for s in w.get("servers") or []] or [0]) for w in run["waves"]]
            bound = sum(slowest)
            rto = run["summary"]["rto_s"] or 0
            print(f"[2] {args.rto_servers} servers / {args.rto_waves} waves, default DRS timings at x{args.scale:g}: "
                  f"wall {wall:.1f} s = {wall * args.scale:.0f} simulated s; RTO (elapsed) {rto:.0f} s; slowest-server lower bound "
                  f"{bound:.0f} s ({', '.join(f'{r:.0f}' for r in slowest)}); RTO efficiency {bound / rto if rto else 0:.2f} (goal >= 0.95); "
                  f"orchestration inside the RTO {(rto - bound) / args.scale:.1f} s real; verdict {run['verdict']['verdict']}")
    print(f"work directory: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
