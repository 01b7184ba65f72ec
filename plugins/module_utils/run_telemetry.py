# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure, AWS-free: what the run telemetry sends for a run record (or one wave's record).

The run record is what the report role writes to run.json (with its ``verdict``); a wave record is one entry of its
``waves``. Metrics, the SNS message and the DynamoDB audit item are all derived here so they can be unit tested.
"""

import datetime
from decimal import Decimal

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.records import LAUNCHED, parse_time, seconds_between

SUBJECT_MAX = 100  # SNS Subject limit
MESSAGE_MAX = 200_000  # well under SNS's 256 KB


def _num(value):
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def _timestamp(value):
    """An ISO timestamp of the record as an aware datetime (CloudWatch rejects points far in the past), else now."""
    now = datetime.datetime.now(datetime.timezone.utc)
    parsed = parse_time(value)
    return parsed if parsed and abs((now - parsed).total_seconds()) < 86400 else now


def _metric(name, value, unit, dimensions, timestamp):
    return {"MetricName": name, "Value": float(value), "Unit": unit, "Timestamp": timestamp,
            "Dimensions": [{"Name": k, "Value": str(v)} for k, v in dimensions.items() if v not in (None, "")]}


def verdict_of(record):
    verdict = record.get("verdict")
    return (verdict.get("verdict") if isinstance(verdict, dict) else verdict) or "UNKNOWN"


def run_metrics(record):
    """Metrics of a whole run: dimensions Playbook and Mode (never the run ID: one metric per run would not graph)."""
    summary = record.get("summary") or {}
    dims = {"Playbook": record.get("playbook"), "Mode": record.get("mode")}
    when = _timestamp(record.get("wall_ended_at"))
    planned = _num(summary.get("planned")) or 0
    out = [
        _metric("ServersPlanned", planned, "Count", dims, when),
        _metric("ServersLaunched", _num(summary.get("launched")) or 0, "Count", dims, when),
        _metric("ServersFailed", _num(summary.get("failed")) or 0, "Count", dims, when),
        _metric("WavesFailed", _num(summary.get("waves_failed")) or 0, "Count", dims, when),
        _metric("RunSucceeded", 1 if verdict_of(record) == "PASS" else 0, "Count", dims, when),
    ]
    if planned:
        unmatched = _num(summary.get("unmatched")) or 0
        out.append(_metric("MatchRate", round(100.0 * max(planned - unmatched, 0) / planned, 2), "Percent", dims, when))
    duration = _wall_seconds(record)
    if duration is not None:
        out.append(_metric("RunDuration", duration, "Seconds", dims, when))
    rto = _num(summary.get("rto_s"))
    if rto is not None:
        out.append(_metric("RTOAchieved", rto, "Seconds", dims, when))
    if summary.get("rto_met") is not None:
        out.append(_metric("RTOTargetMet", 1 if summary.get("rto_met") else 0, "Count", dims, when))
    return out


def wave_metrics(record, wave):
    """Metrics of one wave: dimensions Playbook, Mode and Wave."""
    dims = {"Playbook": record.get("playbook") or wave.get("playbook"), "Mode": record.get("mode") or wave.get("mode"),
            "Wave": wave.get("name")}
    when = _timestamp(wave.get("wall_ended_at") or record.get("wall_ended_at"))
    servers = wave.get("servers") or []
    out = [
        _metric("WaveServersPlanned", len(wave.get("planned") or servers), "Count", dims, when),
        _metric("WaveServersLaunched", sum(1 for s in servers if s.get("status") == LAUNCHED), "Count", dims, when),
        _metric("WaveServersFailed", sum(1 for s in servers if s.get("status") not in (LAUNCHED, None)), "Count", dims, when),
        _metric("WaveSucceeded", 1 if wave.get("status") == "succeeded" else 0, "Count", dims, when),
    ]
    for name, key in (("WaveDuration", "duration_s"), ("WaveRTOAchieved", "rto_s")):
        value = _num(wave.get(key))
        if value is not None:
            out.append(_metric(name, value, "Seconds", dims, when))
    return out


def _wall_seconds(record):
    seconds = seconds_between(record.get("wall_started_at"), record.get("wall_ended_at"))
    return None if seconds is None else max(seconds, 0.0)


def _problem_lines(problems, limit=50):
    lines = []
    for p in problems[:limit]:
        who = p.get("name") or p.get("source_server_id") or "-"
        lines.append(f"- [{p.get('kind')}] {who}: {p.get('message')}")
        if p.get("remediation"):
            lines.append(f"  -> {p.get('remediation')}")
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more in run.json")
    return lines


def run_message(record, report_path=""):
    """(subject, body, attributes) of the end-of-run SNS message."""
    verdict = record.get("verdict") if isinstance(record.get("verdict"), dict) else {"verdict": verdict_of(record)}
    summary = record.get("summary") or {}
    subject = f"[DR {verdict.get('verdict', 'UNKNOWN')}] {record.get('playbook')} {record.get('mode') or ''} {record.get('run_id')}"
    body = [
        f"Run {record.get('run_id')} ({record.get('playbook')}, {record.get('mode')}): {verdict.get('verdict')}",
        f"{summary.get('launched', 0)}/{summary.get('planned', 0)} servers launched, {summary.get('identity_verified', 0)} identity verified, "
        f"{summary.get('ip_verified', 0)} IP verified, {summary.get('failed', 0)} failed, {summary.get('problems', 0)} problems",
        f"RTO {summary.get('rto_s')} s" + (f" (target {summary.get('rto_target_s')} s, met: {summary.get('rto_met')})"
                                           if summary.get("rto_target_s") else ""),
    ]
    reasons = verdict.get("reasons") or []
    if reasons:
        body += ["", "Why:"] + [f"- {r}" for r in reasons]
    problems = [p for w in record.get("waves") or [] for p in w.get("problems") or []]
    if problems:
        body += ["", "Problems and what to do:"] + _problem_lines(problems)
    if report_path:
        body += ["", f"Report: {report_path}"]
    attributes = {"verdict": verdict.get("verdict") or "UNKNOWN", "playbook": record.get("playbook") or "",
                  "mode": record.get("mode") or "", "run_id": record.get("run_id") or "", "event": "run_end"}
    return _short(subject), "\n".join(body)[:MESSAGE_MAX], attributes


def wave_failed_message(record, wave, report_path=""):
    """(subject, body, attributes) of the SNS message sent when a wave fails."""
    servers = wave.get("servers") or []
    failed = [s for s in servers if s.get("status") != LAUNCHED]
    subject = f"[DR wave FAILED] {wave.get('name')} of {record.get('run_id')}"
    body = [
        f"Wave {wave.get('name')} of run {record.get('run_id')} ({record.get('playbook')}, {record.get('mode')}) FAILED"
        + (f": {wave.get('reason')}" if wave.get("reason") else "."),
        f"{len(servers) - len(failed)}/{len(wave.get('planned') or servers)} servers launched.",
    ]
    for s in failed[:50]:
        body.append(f"- {s.get('name') or s.get('source_server_id')}: {s.get('status')} {s.get('error') or ''}".rstrip())
        if s.get("remediation"):
            body.append(f"  -> {s['remediation']}")
    problems = wave.get("problems") or []
    if problems:
        body += ["", "Problems and what to do:"] + _problem_lines(problems)
    if report_path:
        body += ["", f"The run goes on per its failure policy; the report will be at {report_path}"]
    attributes = {"verdict": "FAIL", "playbook": record.get("playbook") or "", "mode": record.get("mode") or "",
                  "run_id": record.get("run_id") or "", "event": "wave_failed", "wave": wave.get("name") or ""}
    return _short(subject), "\n".join(body)[:MESSAGE_MAX], attributes


def _short(subject):
    """SNS subjects: printable ASCII, no line breaks, at most 100 characters."""
    text = "".join(c if 32 <= ord(c) < 127 else "?" for c in " ".join(subject.split()))
    return text if len(text) <= SUBJECT_MAX else text[:SUBJECT_MAX - 3] + "..."


def _decimal(value):
    """Numbers as Decimal (boto3's DynamoDB serializer rejects float), recursively; None values dropped."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimal(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_decimal(v) for v in value]
    return value


def audit_item(record, account_id, ttl_days, now=None):
    """The DynamoDB audit item: a compact summary, per wave and per server terminal status (run.json stays the full
    record; DynamoDB items are limited to 400 KB)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    waves = []
    for wave in record.get("waves") or []:
        waves.append({
            "name": wave.get("name"), "status": wave.get("status"), "rto_s": _num(wave.get("rto_s")),
            "servers": [{"source_server_id": s.get("source_server_id"), "name": s.get("name"), "status": s.get("status"),
                         "ec2_instance_id": s.get("ec2_instance_id"), "identity_preserved": s.get("identity_preserved"),
                         "ip_preserved": s.get("ip_preserved")} for s in wave.get("servers") or []],
            "problems": len(wave.get("problems") or []),
        })
    item = {
        "run_id": record.get("run_id"), "account_id": account_id, "verdict": verdict_of(record),
        "playbook": record.get("playbook"), "mode": record.get("mode"), "region": record.get("region"),
        "started_at": record.get("wall_started_at") or record.get("started_at") or now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ended_at": record.get("wall_ended_at") or record.get("ended_at"),
        "summary": record.get("summary") or {},
        "reasons": (record.get("verdict") or {}).get("reasons") if isinstance(record.get("verdict"), dict) else None,
        "waves": waves,
        "expires_at": int(now.timestamp()) + int(ttl_days) * 86400,
    }
    return _decimal(item)


def audit_table_spec():
    """CreateTable parameters: key run_id; GSIs by account and by verdict, each sorted by start time; on demand."""
    def gsi(name, key):
        return {"IndexName": name, "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}, {"AttributeName": "started_at", "KeyType": "RANGE"}]}
    return {
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in ("run_id", "account_id", "verdict", "started_at")],
        "KeySchema": [{"AttributeName": "run_id", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [gsi("account-index", "account_id"), gsi("status-index", "verdict")],
        "BillingMode": "PAY_PER_REQUEST",
    }
