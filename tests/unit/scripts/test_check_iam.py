"""scripts/check_iam.py: the call log against the policies (pure logic; the real log comes from make test)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))

import check_iam  # noqa: E402


def _log(*calls):
    return [json.dumps({"service": s, "operation": o, "by_ansible": a}) for s, o, a in calls]


def _policy(*actions, sid="A"):
    return {"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


TRUST = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]}


def test_only_calls_made_by_ansible_count_and_services_map_to_iam_prefixes():
    used = check_iam.used_actions(_log(("drs", "StartRecovery", True), ("ec2", "DescribeInstances", False),
                                       ("monitoring", "PutMetricData", True), ("drs", "Unknown", True)))
    assert used == {"drs:StartRecovery", "cloudwatch:PutMetricData"}


def test_exact_policies_pass():
    used = {"drs:StartRecovery", "sts:AssumeRole"}
    assert check_iam.problems(used, _policy("drs:StartRecovery", "sts:AssumeRole"), _policy("drs:StartRecovery"), TRUST) == []


def test_missing_unused_wildcard_and_trust_without_external_id_are_each_reported():
    used = {"drs:StartRecovery", "ec2:DescribeInstances", "sts:AssumeRole"}
    found = check_iam.problems(used, _policy("drs:StartRecovery", "drs:DeleteSourceServer", "ec2:*", "sts:AssumeRole"),
                               _policy("drs:StartRecovery"), {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]})
    text = "\n".join(found)
    assert "wildcard actions are not least privilege: ec2:*" in text
    assert "missing from orchestrator-policy.json: ec2:DescribeInstances" in text
    assert "granted but never called by the collection: drs:DeleteSourceServer" in text
    assert "missing from cross-account-role-policy.json: ec2:DescribeInstances" in text
    assert "must require sts:ExternalId" in text


def test_shipped_policies_are_valid_iam_json_with_a_sid_per_statement():
    for path in sorted((ROOT / "docs" / "iam").glob("*.json")):
        policy = json.loads(path.read_text())
        assert policy["Version"] == "2012-10-17", path.name
        sids = [s["Sid"] for s in policy["Statement"]]
        assert len(sids) == len(set(sids)) and all(sids), path.name
