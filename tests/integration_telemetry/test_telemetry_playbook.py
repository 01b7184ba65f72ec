"""A failing run with every telemetry output on: the wave failure and the run's end are told, metrics and audit row written."""

from __future__ import annotations

import json
import subprocess

from telemetry_helpers import BIN_PLAYBOOK, REGION, aws, received, subscribed_queue
from lab.ansible_env import ROOT, ansible_env
from lab.testing import store_reviewed_pairs


def test_failed_run_still_publishes_metrics_messages_and_audit_row(lab, tmp_path):
    topic, queue = subscribed_queue(lab)
    db = next(s for s in lab.truth()["servers"] if s["name"] == "db-01")
    store_reviewed_pairs(lab, tmp_path / "pairing")
    lab.faults(launch_failures=[db["source_server_id"]])
    extra = {"dr_region": REGION, "dr_poll_interval": 1, "dr_progress_interval": 3, "dr_report_root": str(tmp_path),
             "dr_mode": "drill", "dr_run_id": "tele-1", "dr_failure_policy": "stop", "dr_critical_servers": [db["source_server_id"]],
             "dr_cloudwatch_namespace": "ElasticDR", "dr_sns_topic_arn": topic, "dr_audit_table": "dr-runs",
             "dr_audit_table_create": True}
    proc = subprocess.run([BIN_PLAYBOOK, "elastic_dr.orchestrator.failover", "-e", json.dumps(extra)], cwd=ROOT,
                          env=ansible_env(lab, ANSIBLE_STDOUT_CALLBACK="default"), capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0, proc.stdout[-3000:]  # the verdict is FAIL: the report role fails the run
    run = json.loads((tmp_path / "tele-1" / "run.json").read_text())
    assert run["verdict"]["verdict"] == "FAIL"

    messages = received(lab, queue)
    subjects = [m["Subject"] for m in messages]
    assert subjects == ["[DR wave FAILED] wave_01 of tele-1", "[DR FAIL] failover drill tele-1"], proc.stdout[-3000:]
    assert "db-01" in messages[0]["Message"] and str(tmp_path / "tele-1" / "report.html") in messages[1]["Message"]

    listed = aws(lab, "cloudwatch").list_metrics(Namespace="ElasticDR")["Metrics"]
    waves = {d["Value"] for m in listed for d in m["Dimensions"] if d["Name"] == "Wave"}
    assert {"RunSucceeded", "RTOAchieved", "WaveSucceeded"} <= {m["MetricName"] for m in listed}
    assert waves == {w["name"] for w in run["waves"]}

    item = aws(lab, "dynamodb").get_item(TableName="dr-runs", Key={"run_id": {"S": "tele-1"}})["Item"]
    assert item["verdict"]["S"] == "FAIL" and item["playbook"]["S"] == "failover" and int(item["expires_at"]["N"]) > 0
