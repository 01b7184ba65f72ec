"""What the run telemetry sends, derived from a run record (pure)."""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal
from pathlib import Path

from plugins.module_utils import run_telemetry

SAMPLE = json.loads((Path(__file__).resolve().parents[2] / "plugins/filter/sample_run.json").read_text())


def _record(**changes):
    record = copy.deepcopy(SAMPLE)
    record.update(changes)
    return record


def test_run_metrics_never_use_the_run_id_as_a_dimension_and_rate_unmatched():
    summary = {"planned": 8, "launched": 6, "failed": 0, "unmatched": 2, "rto_s": 300, "rto_met": True, "waves_failed": 0}
    record = _record(verdict={"verdict": "PASS"}, summary=summary)
    metrics = {m["MetricName"]: m for m in run_telemetry.run_metrics(record)}
    assert metrics["MatchRate"]["Value"] == 75.0 and metrics["MatchRate"]["Unit"] == "Percent"
    assert metrics["RunSucceeded"]["Value"] == 1 and metrics["RTOTargetMet"]["Value"] == 1
    assert all({d["Name"] for d in m["Dimensions"]} == {"Playbook", "Mode"} for m in metrics.values())


def test_metrics_of_a_record_far_in_the_past_are_stamped_now():
    record = _record(wall_ended_at="2001-01-01T00:00:00.000Z", verdict={"verdict": "FAIL"})
    stamp = run_telemetry.run_metrics(record)[0]["Timestamp"]
    assert abs((datetime.datetime.now(datetime.timezone.utc) - stamp).total_seconds()) < 60


def test_subject_is_printable_and_at_most_100_characters():
    subject, body, attributes = run_telemetry.run_message(_record(run_id="r" * 150 + "\u00e9", verdict={"verdict": "FAIL"}))
    assert len(subject) == 100 and subject.endswith("...") and subject.isascii()
    assert attributes["verdict"] == "FAIL" and body.startswith("Run r")


def test_audit_item_is_compact_decimal_and_expires():
    now = datetime.datetime(2026, 11, 23, tzinfo=datetime.timezone.utc)
    item = run_telemetry.audit_item(_record(verdict={"verdict": "PARTIAL", "reasons": ["x"]}), "111111111111", 30, now=now)
    assert item["expires_at"] == Decimal(int(now.timestamp()) + 30 * 86400)
    assert item["verdict"] == "PARTIAL" and item["account_id"] == "111111111111"
    floats = []

    def walk(value):
        if isinstance(value, float):
            floats.append(value)
        elif isinstance(value, dict):
            [walk(v) for v in value.values()]
        elif isinstance(value, list):
            [walk(v) for v in value]
    walk(item)
    assert floats == []  # boto3's DynamoDB serializer rejects float
    assert len(json.dumps(item, default=str)) < 400_000
    assert set(item["waves"][0]["servers"][0]) == {"source_server_id", "name", "status", "ec2_instance_id", "identity_preserved", "ip_preserved"}
