# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Prerequisite checks for launching a DRS source server into an EC2 instance (DRS_API.md §2).

Every check returns ``{check, passed, severity, message, remediation}``; severity ``error`` blocks the
action, ``warning`` is reported and does not.
"""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.common import LAUNCH_INTO_TAG_KEY
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.common import LAUNCH_INTO_TAG_VALUE
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.ec2 import platform_of
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.ec2 import tags_of

READY_STATES = ("CONTINUOUS",)

# What to do about an AWS error code, for failures that reach the user.
REMEDIATION = {
    "UninitializedAccountException": "Initialize Elastic Disaster Recovery in this account and Region (console or "
    "drs:InitializeService), or point the task at the Region where your source servers replicate.",
    "AccessDeniedException": "Grant the caller (or the assumed role) the DRS and EC2 actions in docs/iam/, and check "
    "the role's trust policy and ExternalId.",
    "ResourceNotFoundException": "Check the ID and that the task runs in the account and Region that own it.",
    "ValidationException": "Fix the value named in the error; the API rejected it before acting.",
    "ConflictException": "Another operation holds this resource (an active job, or a conflicting setting); wait for it "
    "to finish or resolve the conflict named in the error, then run again.",
    "ServiceQuotaExceededException": "Stay within the DRS quotas (100 servers per job, 20 concurrent jobs, 500 servers "
    "in active jobs) or wait for running jobs to finish.",
    "ThrottlingException": "DRS kept throttling after all retries; run again later or lower max_workers.",
    "InternalServerException": "DRS kept failing after all retries; check the AWS Health Dashboard and run again.",
    "ExpiredToken": "Refresh the credentials (or the assumed role session) and run again.",
    "RequestLimitExceeded": "EC2 kept throttling after all retries; run again later (the run resumes with the same run ID).",
}
# EC2 and the query APIs name a missing permission differently from DRS; the remedy is the same.
REMEDIATION["UnauthorizedOperation"] = REMEDIATION["AccessDenied"] = REMEDIATION["AccessDeniedException"]


def remediation_for(code):
    return REMEDIATION.get(code, "Check the AWS error above; running the task again is safe (it is idempotent).")


def check(name, passed, severity, message, remediation=None):
    return {
        "check": name,
        "passed": bool(passed),
        "severity": severity,
        "message": message,
        "remediation": None if passed else remediation,
    }


def target_checks(server, target, *, recovery_account, recovery_region, stopped_severity="error",
                  claimed_by=None, max_lag_seconds=None):
    """Checks for launching ``server`` (DRS SourceServer) into ``target`` (EC2 instance dict or None)."""
    sid = server["sourceServerID"]
    results = []
    if target is None:
        results.append(check("target_exists", False, "error",
                             f"The target instance does not exist in {recovery_account}/{recovery_region}.",
                             "Use an instance in the account and Region where the source server recovers, or fix the ID."))
        return results
    tid = target["InstanceId"]
    state = target.get("State", {}).get("Name")
    results.append(check("target_exists", state not in ("terminated", "shutting-down"), "error",
                         f"Target {tid} is {state}.",
                         f"Pre-provision a new target for {sid}; {tid} is being terminated."))
    owner = target.get("_owner_id")
    results.append(check("same_account_region", owner in (None, recovery_account), "error",
                         f"Target {tid} belongs to account {owner}; the recovery runs in {recovery_account}/{recovery_region}.",
                         "Launch into an instance in the same account and Region as the recovery (assume_role into that account)."))
    tags = tags_of(target)
    results.append(check("launch_into_tag", tags.get(LAUNCH_INTO_TAG_KEY) == LAUNCH_INTO_TAG_VALUE, "error",
                         f"Target {tid} tag {LAUNCH_INTO_TAG_KEY}={tags.get(LAUNCH_INTO_TAG_KEY)!s}.",
                         f"Tag {tid} with {LAUNCH_INTO_TAG_KEY}={LAUNCH_INTO_TAG_VALUE}."))
    results.append(check("target_stopped", state == "stopped", stopped_severity,
                         f"Target {tid} is {state}; DRS launches only into a stopped instance.",
                         f"Stop {tid} before the recovery (aws ec2 stop-instances --instance-ids {tid})."))
    src_arch, tgt_arch = drs.server_architecture(server), target.get("Architecture")
    results.append(check("architecture", not src_arch or src_arch == tgt_arch, "error",
                         f"Source server {sid} is {src_arch}, target {tid} is {tgt_arch}.",
                         f"Pre-provision a {src_arch} target for {sid} (or choose another instance); DRS refuses a mismatch."))
    src_platform, tgt_platform = drs.server_platform(server), platform_of(target)
    results.append(check("platform", src_platform == tgt_platform, "error",
                         f"Source server {sid} runs {src_platform}, target {tid} runs {tgt_platform}.",
                         f"Pre-provision a {src_platform} target for {sid}."))
    if claimed_by:
        results.append(check("target_unclaimed", False, "error",
                             f"Target {tid} is already the launch-into target of {', '.join(sorted(claimed_by))}.",
                             f"Point only one source server at {tid}: fix the pairing or remove launch-into from "
                             f"{', '.join(sorted(claimed_by))} (drs_launch_into_config state=absent)."))
    else:
        results.append(check("target_unclaimed", True, "error", f"No other source server launches into {tid}."))
    results.extend(replication_checks(server, max_lag_seconds))
    return results


def _duration_seconds(text):
    """Seconds in an ISO-8601 duration such as PT1M5S or P1DT2H."""
    if not text or not text.startswith("P"):
        return None
    total, number, in_time = 0.0, "", False
    units = {"D": 86400, "H": 3600, "S": 1, "W": 604800}
    for char in text[1:]:
        if char == "T":
            in_time = True
        elif char.isdigit() or char == ".":
            number += char
        else:
            value = float(number or 0)
            number = ""
            if char == "M":
                total += value * (60 if in_time else 2592000)
            else:
                total += value * units.get(char, 0)
    return total


def lag_seconds(server):
    return _duration_seconds((server.get("dataReplicationInfo") or {}).get("lagDuration"))


def replication_checks(server, max_lag_seconds=None, severity="warning"):
    sid = server["sourceServerID"]
    state = (server.get("dataReplicationInfo") or {}).get("dataReplicationState")
    results = [check("replication_state", state in READY_STATES, severity,
                     f"Source server {sid} replication is {state}.",
                     f"Wait until {sid} is CONTINUOUS (check the replication agent and network) before recovering it.")]
    if max_lag_seconds is not None:
        lag = lag_seconds(server)
        results.append(check("replication_lag", lag is not None and lag <= max_lag_seconds, severity,
                             f"Source server {sid} lag is {lag if lag is not None else 'unknown'} s (limit {max_lag_seconds} s).",
                             f"Wait for {sid} to catch up, or raise max_lag_seconds if that much data loss is acceptable."))
    return results


def blocking(checks):
    """The failed checks that block the action."""
    return [c for c in checks if not c["passed"] and c["severity"] == "error"]
