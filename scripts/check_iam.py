#!/usr/bin/env python3
"""Least privilege, checked: the IAM actions in docs/iam/ against the AWS calls the collection really makes.

Input: the lab's call log (JSON lines; the lab writes it when ELASTIC_DR_LAB_CALL_LOG names a file; make test sets it
for the whole pytest run). Only calls made by Ansible modules count (user agent "Ansible/..."): test fixtures seed and
inspect the lab with plain boto3, which the collection never does.

Fails when the orchestrator policy lacks an action the collection called (it would fail in AWS with AccessDenied),
or grants one that no test ever called (more privilege than the tool uses). The cross-account role's policy must
grant the same DRS and EC2 actions (any recovery module can run under assume_role) and nothing else; the trust policy must
require sts:ExternalId.

  python scripts/check_iam.py build/lab_calls.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IAM = ROOT / "docs" / "iam"
# Service names in SigV4 scopes / the lab's log -> IAM action prefixes (where they differ).
PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
# Needs no permission and cannot be denied (AWS STS documentation): not listed in policies.
ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}
# What the cross-account role must grant: the recovery actions. Telemetry (CloudWatch, SNS, DynamoDB) and STS run with
# the orchestrator's identity unless dr_telemetry_assume_role says otherwise (then grant those to that role too).
ROLE_SERVICES = ("drs", "ec2")


def used_actions(lines) -> set[str]:
    """IAM actions of the calls Ansible made (any status: a denied call in AWS is still a call the tool needs)."""
    actions = set()
    for line in lines:
        line = line.strip()
        if not line:
            continue
        call = json.loads(line)
        if not call.get("by_ansible") or call.get("operation") in (None, "", "Unknown"):
            continue
        actions.add(f"{PREFIX.get(call['service'], call['service'])}:{call['operation']}")
    return actions - ALWAYS_ALLOWED


def granted_actions(policy: dict) -> set[str]:
    actions = set()
    for statement in policy.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        listed = statement.get("Action", [])
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def problems(used: set[str], orchestrator: dict, role: dict, trust: dict) -> list[str]:
    out = []
    granted = granted_actions(orchestrator)
    wildcards = sorted(a for a in granted | granted_actions(role) if "*" in a)
    if wildcards:
        out.append(f"wildcard actions are not least privilege: {', '.join(wildcards)}")
    for action in sorted(used - granted):
        out.append(f"missing from orchestrator-policy.json: {action} (the collection calls it)")
    for action in sorted(granted - used):
        out.append(f"granted but never called by the collection: {action} (remove it from orchestrator-policy.json)")
    role_wanted = {a for a in used if a.split(":")[0] in ROLE_SERVICES}
    role_granted = granted_actions(role)
    for action in sorted(role_wanted - role_granted):
        out.append(f"missing from cross-account-role-policy.json: {action}")
    for action in sorted(role_granted - role_wanted):
        out.append(f"granted but never called: {action} (remove it from cross-account-role-policy.json)")
    conditions = [s.get("Condition", {}) for s in trust.get("Statement", []) if "sts:AssumeRole" in str(s.get("Action"))]
    if not conditions or not all("sts:ExternalId" in json.dumps(c) for c in conditions):
        out.append("cross-account-role-trust.json: every sts:AssumeRole statement must require sts:ExternalId")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("call_log", help="JSON lines written by the lab (ELASTIC_DR_LAB_CALL_LOG)")
    args = parser.parse_args(argv)
    log = Path(args.call_log)
    if not log.exists():
        print(f"check_iam: no call log at {log}: run the test suite with ELASTIC_DR_LAB_CALL_LOG={log}")
        return 2
    used = used_actions(log.read_text().splitlines())
    policies = {name: json.loads((IAM / name).read_text()) for name in
                ("orchestrator-policy.json", "cross-account-role-policy.json", "cross-account-role-trust.json")}
    found = problems(used, policies["orchestrator-policy.json"], policies["cross-account-role-policy.json"],
                     policies["cross-account-role-trust.json"])
    print(f"check_iam: the collection called {len(used)} distinct actions: {', '.join(sorted(used))}")
    for line in found:
        print(f"check_iam: {line}")
    print("check_iam: " + ("FAILED" if found else "policies grant exactly what the collection calls"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
