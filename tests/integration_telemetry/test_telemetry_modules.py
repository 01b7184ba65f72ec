"""drs_run_metrics, drs_run_notification, drs_run_audit against moto (CloudWatch, SNS -> SQS, DynamoDB) via the lab."""

from __future__ import annotations

import copy

from telemetry_helpers import SAMPLE, aws, mutating, received, run_task, subscribed_queue

RECORD = dict(copy.deepcopy(SAMPLE), verdict={"verdict": "PARTIAL", "reasons": ["wave_02 finished partially"]})


def test_metrics_per_run_and_wave_with_their_dimensions(lab, tmp_path):
    result = run_task(lab, tmp_path, "drs_run_metrics", {"record": RECORD, "namespace": "ElasticDR/Test"})
    assert result["changed"] and not result.get("failed"), result
    listed = aws(lab, "cloudwatch").list_metrics(Namespace="ElasticDR/Test")["Metrics"]
    names = {(m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))) for m in listed}
    run_dims = (("Mode", "drill"), ("Playbook", "drill"))
    for name in ("ServersPlanned", "ServersLaunched", "ServersFailed", "RunSucceeded", "MatchRate", "RunDuration", "RTOAchieved"):
        assert (name, run_dims) in names, name
    for wave in RECORD["waves"]:
        dims = tuple(sorted(run_dims + (("Wave", wave["name"]),)))
        assert ("WaveServersLaunched", dims) in names and ("WaveDuration", dims) in names
    sent = {(m["name"], m["dimensions"].get("Wave")): m["value"] for m in result["metrics"]}
    assert sent[("ServersPlanned", None)] == RECORD["summary"]["planned"]
    assert sent[("RunSucceeded", None)] == 0  # PARTIAL is not a success
    assert sent[("RTOAchieved", None)] == RECORD["summary"]["rto_s"]


def test_check_mode_sends_nothing_and_says_what_it_would_send(lab, tmp_path):
    topic, queue = subscribed_queue(lab)
    before = lab.last_seq()
    metrics = run_task(lab, tmp_path, "drs_run_metrics", {"record": RECORD}, check=True)
    note = run_task(lab, tmp_path, "drs_run_notification", {"record": RECORD, "topic_arn": topic}, check=True)
    audit = run_task(lab, tmp_path, "drs_run_audit", {"record": RECORD, "table": "dr-audit", "create_table": True}, check=True)
    assert mutating(lab, before) == []
    assert metrics["metrics"] and note["subject"].startswith("[DR PARTIAL]") and audit["table_created"] is True
    assert received(lab, queue) == []


def test_end_of_run_message_has_verdict_problems_and_filterable_attributes(lab, tmp_path):
    topic, queue = subscribed_queue(lab)
    result = run_task(lab, tmp_path, "drs_run_notification",
                      {"record": RECORD, "topic_arn": topic, "report_path": "/reports/x/report.html"})
    assert result["message_id"], result
    (envelope,) = received(lab, queue)
    assert envelope["Subject"] == f"[DR PARTIAL] drill drill {RECORD['run_id']}"
    body = envelope["Message"]
    assert "wave_02 finished partially" in body and "Report: /reports/x/report.html" in body
    problem = next(p for w in RECORD["waves"] for p in w.get("problems") or [] if p.get("remediation"))
    assert f"-> {problem['remediation']}" in body
    attributes = {k: v["Value"] for k, v in envelope["MessageAttributes"].items()}
    assert attributes["verdict"] == "PARTIAL" and attributes["event"] == "run_end" and attributes["run_id"] == RECORD["run_id"]


def test_wave_failed_message_lists_the_servers_that_did_not_launch(lab, tmp_path):
    topic, queue = subscribed_queue(lab, "dr-waves")
    wave = copy.deepcopy(RECORD["waves"][0])
    wave.update(status="failed", reason="the job failed")
    wave["servers"][0].update(status="failed", error="LAUNCH_FAILED: capacity", remediation="Read the job log")
    result = run_task(lab, tmp_path, "drs_run_notification",
                      {"record": {"run_id": "r-1", "playbook": "failover", "mode": "recovery"}, "topic_arn": topic,
                       "event": "wave_failed", "wave": wave})
    assert not result.get("failed"), result
    (envelope,) = received(lab, queue)
    assert envelope["Subject"] == f"[DR wave FAILED] {wave['name']} of r-1"
    assert "LAUNCH_FAILED: capacity" in envelope["Message"] and "-> Read the job log" in envelope["Message"]
    missing_wave = run_task(lab, tmp_path, "drs_run_notification",
                            {"record": {"run_id": "r-1"}, "topic_arn": topic, "event": "wave_failed"})
    assert missing_wave["failed"] and "wave" in missing_wave["msg"]


def test_audit_table_created_once_with_indexes_and_ttl_then_rows_replaced_by_run_id(lab, tmp_path):
    args = {"record": RECORD, "table": "dr-audit", "create_table": True, "ttl_days": 30}
    first = run_task(lab, tmp_path, "drs_run_audit", args)
    assert first["table_created"] and first["ttl_enabled"] and not first.get("failed"), first
    ddb = aws(lab, "dynamodb")
    table = ddb.describe_table(TableName="dr-audit")["Table"]
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"account-index", "status-index"}
    assert ddb.describe_time_to_live(TableName="dr-audit")["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    before = lab.last_seq()
    second = run_task(lab, tmp_path, "drs_run_audit", args)
    assert not second["table_created"] and not second["ttl_enabled"]
    assert mutating(lab, before) == [("dynamodb", "PutItem")]  # no CreateTable, no UpdateTimeToLive again
    items = ddb.scan(TableName="dr-audit")["Items"]
    assert len(items) == 1 and items[0]["verdict"]["S"] == "PARTIAL" and items[0]["account_id"]["S"] == "123456789012"
    by_status = ddb.query(TableName="dr-audit", IndexName="status-index", KeyConditionExpression="verdict = :v",
                          ExpressionAttributeValues={":v": {"S": "PARTIAL"}})["Items"]
    assert [i["run_id"]["S"] for i in by_status] == [RECORD["run_id"]]
    assert {w["M"]["name"]["S"] for w in items[0]["waves"]["L"]} == {w["name"] for w in RECORD["waves"]}


def test_missing_table_without_create_table_fails_with_what_to_do(lab, tmp_path):
    result = run_task(lab, tmp_path, "drs_run_audit", {"record": RECORD, "table": "no-such-table"})
    assert result["failed"] and "does not exist" in result["msg"] and "create_table=true" in result["remediation"]
