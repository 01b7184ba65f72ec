"""Helpers of the telemetry tests: a module task through ansible-playbook, an SQS queue subscribed to a topic."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import boto3
import yaml

from lab.ansible_env import BIN, ROOT, ansible_env
from lab.process import Lab

DEMO = str(ROOT / "lab/estates/demo.yml")
SAMPLE = json.loads((ROOT / "tests/unit/plugins/filter/sample_run.json").read_text())
REGION = "us-west-2"


def aws(lab: Lab, service: str):
    env = lab.env()
    return boto3.client(service, region_name=REGION, endpoint_url=env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def run_task(lab: Lab, tmp_path: Path, module: str, args: dict, check: bool = False) -> dict:
    """One task of our collection through ansible-playbook; returns its registered result."""
    out = tmp_path / "result.json"
    play = [{"name": "t", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
             "tasks": [{"name": "task", f"elastic_dr.orchestrator.{module}": {"region": REGION, **args}, "register": "r",
                        "ignore_errors": True},
                       {"name": "save", "ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": str(out)},
                        "check_mode": False}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    cmd = [str(BIN / "ansible-playbook"), "play.yml"] + (["--check"] if check else [])
    proc = subprocess.run(cmd, cwd=tmp_path, env=ansible_env(lab), capture_output=True, text=True, timeout=180)
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads(out.read_text())


def subscribed_queue(lab: Lab, topic_name: str = "dr-runs"):
    """(topic ARN, queue URL): an SQS queue subscribed to a new topic, to read what was published."""
    sns, sqs = aws(lab, "sns"), aws(lab, "sqs")
    topic = sns.create_topic(Name=topic_name)["TopicArn"]
    queue = sqs.create_queue(QueueName=topic_name + "-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, queue


def received(lab: Lab, queue: str) -> list[dict]:
    """The SNS envelopes delivered to the queue so far."""
    sqs = aws(lab, "sqs")
    out = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return out
        for m in messages:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])


def mutating(lab: Lab, since: int) -> list[tuple[str, str]]:
    return [(c["service"], c["operation"]) for c in lab.calls(since) if c["mutating"]]


BIN_PLAYBOOK = str(BIN / "ansible-playbook")
