"""Helpers of the telemetry tests: a module task through ansible-playbook, an SQS queue subscribed to a topic."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from lab.ansible_env import BIN, ROOT
from lab.process import Lab
from lab.testing import run_task  # noqa: F401  (the tests import it from here)

DEMO = str(ROOT / "lab/estates/demo.yml")
SAMPLE = json.loads((ROOT / "tests/unit/plugins/filter/sample_run.json").read_text())
REGION = "us-west-2"


def aws(lab: Lab, service: str):
    env = lab.env()
    return boto3.client(service, region_name=REGION, endpoint_url=env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


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
