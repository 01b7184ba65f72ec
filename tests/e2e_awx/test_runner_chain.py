"""Failover then failback as two ansible-runner jobs (as AWX runs them) that share no disk: the record is in (lab) S3.

Issue 12 item 8: in AWX each job's container is thrown away; the failback job could not find the failover's record.
"""

from __future__ import annotations

import json
import os

import ansible_runner
import boto3

from lab.ansible_env import BIN, ansible_env
from lab.testing import store_reviewed_pairs

BUCKET = "example-dr-records"


def _job(lab, job_dir, playbook, extravars):
    """One runner job in its own private data directory; its reports stay inside it (thrown away with the job)."""
    (job_dir / "env").mkdir(parents=True)
    env = ansible_env(lab)
    envvars = {k: v for k, v in env.items() if k.startswith(("AWS_", "ANSIBLE_"))}
    envvars["PATH"] = str(BIN) + os.pathsep + os.environ.get("PATH", "")
    (job_dir / "env" / "envvars").write_text(json.dumps(envvars))
    (job_dir / "env" / "extravars").write_text(json.dumps({
        "dr_region": "us-west-2", "dr_poll_interval": 1, "dr_progress_interval": 3, "dr_report_root": str(job_dir / "reports"),
        "dr_report_bucket": BUCKET, **extravars}))
    result = ansible_runner.run(private_data_dir=str(job_dir), playbook=f"elastic_dr.orchestrator.{playbook}", quiet=True)
    stats = [e for e in result.events if e.get("event") == "playbook_on_stats"]
    return result, (stats[-1]["event_data"].get("artifact_data") or {}) if stats else {}


def test_failover_and_failback_chain_across_two_runner_jobs_through_the_record_bucket(lab, tmp_path):
    servers = [s["source_server_id"] for s in lab.truth()["servers"] if s["wave"] == 1 and s["expect"] == "exact"]
    store_reviewed_pairs(lab, tmp_path / "pairing")
    env = lab.env()
    s3 = boto3.client("s3", region_name="us-west-2", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    failover, stats = _job(lab, tmp_path / "job-1", "failover", {"dr_mode": "recovery", "dr_run_id": "chain-fo", "dr_source_server_ids": servers})
    assert failover.rc == 0 and stats["dr_verdict"] == "PASS", failover.stdout.read()[-3000:]
    assert stats["dr_report_location"] == f"s3://{BUCKET}/dr-runs/chain-fo/"
    kept = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert kept == [f"dr-runs/chain-fo/{n}" for n in ("plan.json", "report.html", "run.json", "waves/wave_01.json")], kept
    failback, back = _job(lab, tmp_path / "job-2", "failback", {"dr_run_id": "chain-fb", "dr_failover_run_id": "chain-fo",
                                                                "dr_origin_region": "us-east-1", "dr_stop_originals": True})
    assert failback.rc == 0 and back["dr_verdict"] == "PASS", failback.stdout.read()[-3000:]
    assert back["dr_launched"] == len(servers) and back["dr_report_location"] == f"s3://{BUCKET}/dr-runs/chain-fb/"
    fetched = json.loads((tmp_path / "job-2" / "reports" / "chain-fo" / "run.json").read_text())  # job 2 read it from S3
    assert fetched == json.loads(s3.get_object(Bucket=BUCKET, Key="dr-runs/chain-fo/run.json")["Body"].read())
