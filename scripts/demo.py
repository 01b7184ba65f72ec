#!/usr/bin/env python3
"""`make demo`: the main job on the embedded default.

Starts the local lab (DRS + EC2) on the demo estate, then runs, as a DR engineer would:
pair (review: every proposed pair with its evidence, nothing changed) -> the review (the demo accepts the fuzzy proposals
whose evidence corroborates them, as an engineer would after checking) -> pair with dr_pair_apply (the reviewed pairs are
stored in DRS) -> readiness (changes nothing) -> drill from the stored pairs (and its clean-up: the estate is left as it
was) -> failover (recovery into the pre-provisioned instances) -> failback (into the original instances, re-protected,
then clean-up), and prints where the reports are. Everything goes
through `ansible-playbook` and the collection's playbooks, unchanged, against the lab's endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lab.ansible_env import collections_path as collection_path  # noqa: E402
from lab.process import Lab  # noqa: E402


def playbook(lab: Lab, name: str, **extra) -> int:
    env = {**os.environ, **lab.env(), "ANSIBLE_COLLECTIONS_PATH": collection_path(), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_STDOUT_CALLBACK": "default", "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "false", "ANSIBLE_LOCALHOST_WARNING": "false",
           "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false"}
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), f"elastic_dr.orchestrator.{name}", "-e", json.dumps(extra)]
    print(f"\n$ ansible-playbook elastic_dr.orchestrator.{name} -e '{json.dumps(extra)}'", flush=True)
    started = time.monotonic()
    rc = subprocess.call(cmd, cwd=ROOT, env=env)
    print(f"--- {name}: exit {rc} in {time.monotonic() - started:.1f} s", flush=True)
    return rc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--estate", default=str(ROOT / "lab/estates/demo.yml"))
    # RTO is elapsed time (first DRS job to last server verified), so each real second of orchestration counts time-scale
    # simulated seconds: at x60 a second of Ansible reads as a minute, which keeps the demo short and its RTO meaningful.
    parser.add_argument("--time-scale", type=float, default=60.0, help="simulated seconds per real second in the lab")
    args = parser.parse_args()
    (ROOT / "reports").mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with Lab(args.estate, time_scale=args.time_scale, log_path=str(ROOT / "reports/lab.log")) as lab:
        print(f"lab ready on {lab.url} in {lab.startup_s:.2f} s (estate {Path(args.estate).name}, time x{args.time_scale:g})")
        common = {"dr_region": "us-west-2", "dr_poll_interval": 1, "dr_progress_interval": 5, "dr_rto_target_minutes": 30,
                  "dr_time_scale": args.time_scale}
        results = {}
        results["pair"] = playbook(lab, "pair", dr_region="us-west-2", dr_run_id=f"demo-pair-{stamp}")
        proposals_file = ROOT / "reports" / f"demo-pair-{stamp}" / "proposals.yml"
        review = yaml.safe_load(proposals_file.read_text())
        print("\nThe review (an engineer checks each proposal's machine; the demo accepts those the evidence corroborates):")
        for proposal in review["proposals"]:
            proposal["accept"] = bool(proposal["acceptable"])
            print(f"  {'ACCEPT' if proposal['accept'] else 'REJECT'} {proposal['source_name']} -> {proposal['target_instance_id']} "
                  f"{proposal['target_name']} [{proposal['evidence']}]")
        approved = ROOT / "reports" / f"demo-pair-{stamp}" / "approved.yml"
        approved.write_text(yaml.safe_dump(review, sort_keys=False))
        results["pair apply"] = playbook(lab, "pair", dr_region="us-west-2", dr_run_id=f"demo-pair-apply-{stamp}", dr_pair_apply=True,
                                         dr_pair_approved_file=str(approved))
        results["readiness"] = playbook(lab, "readiness", dr_region="us-west-2")
        results["drill"] = playbook(lab, "drill", dr_run_id=f"demo-drill-{stamp}", **common)
        results["failover"] = playbook(lab, "failover", dr_mode="recovery", dr_run_id=f"demo-failover-{stamp}", **common)
        # In a real disaster the originals are down; in the lab they still run, so the failback stops them first.
        results["failback"] = playbook(lab, "failback", dr_run_id=f"demo-failback-{stamp}", dr_origin_region="us-east-1",
                                       dr_failover_run_id=f"demo-failover-{stamp}",
                                       dr_stop_originals=True, dr_reprotect=True, dr_region="us-west-2", dr_poll_interval=1,
                                       dr_progress_interval=5, dr_time_scale=args.time_scale)
    print("\nDemo finished.")
    for name, rc in results.items():
        print(f"  {name:<10} exit {rc}")
    print(f"  pairing review: reports/demo-pair-{stamp}/pairs.html   stored: reports/demo-pair-apply-{stamp}/pairs.html")
    for run in (f"demo-drill-{stamp}", f"demo-failover-{stamp}", f"demo-failback-{stamp}"):
        print(f"  report: reports/{run}/report.html   record: reports/{run}/run.json")
    print("The demo estate is imperfect on purpose: the pairing review and the reports list each unmatched, ambiguous, blocked or "
          "invalid server with its remediation instead of guessing, and the failover launches only the stored, reviewed pairs. "
          "Exit code 2 means problems remain (pair apply: servers left without a pair; runs: verdict FAIL or PARTIAL).")
    return 0 if results["readiness"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
