# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin CloudWatch, SNS, DynamoDB and STS wrappers for the run telemetry: one per API call, retried, errors as
AnsibleTelemetryError ("Failed to <verb> <noun>: <AWS message>")."""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import TelemetryErrorHandler
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.waiters import patient_waiter

METRIC_BATCH = 1000  # PutMetricData accepts up to 1,000 metrics per request


@TelemetryErrorHandler.common_error_handler("put CloudWatch metrics in namespace {namespace}")
def put_metric_data(client, namespace, metric_data):
    for start in range(0, len(metric_data), METRIC_BATCH):
        client.put_metric_data(Namespace=namespace, MetricData=metric_data[start:start + METRIC_BATCH], aws_retry=True)
    return True


@TelemetryErrorHandler.common_error_handler("publish to SNS topic {topic_arn}")
def publish(client, topic_arn, subject, message, attributes):
    return client.publish(TopicArn=topic_arn, Subject=subject, Message=message, aws_retry=True,
                          MessageAttributes={k: {"DataType": "String", "StringValue": str(v)} for k, v in attributes.items()})["MessageId"]


@TelemetryErrorHandler.common_error_handler("describe DynamoDB table {table}")
def describe_table(client, table):
    """The table description, or None when the table does not exist."""
    try:
        return client.describe_table(TableName=table, aws_retry=True)["Table"]
    except client.exceptions.ResourceNotFoundException:
        return None


@TelemetryErrorHandler.common_error_handler("create DynamoDB table {table}")
def create_table(client, table, **spec):
    return client.create_table(TableName=table, aws_retry=True, **spec)["TableDescription"]


@TelemetryErrorHandler.common_error_handler("wait for DynamoDB table {table}")
def wait_table_exists(client, table):
    patient_waiter(client, "table_exists").wait(TableName=table, WaiterConfig={"Delay": 2, "MaxAttempts": 60})


@TelemetryErrorHandler.common_error_handler("describe the time to live of DynamoDB table {table}")
def describe_time_to_live(client, table):
    return client.describe_time_to_live(TableName=table, aws_retry=True).get("TimeToLiveDescription") or {}


@TelemetryErrorHandler.common_error_handler("enable time to live on DynamoDB table {table}")
def enable_time_to_live(client, table, attribute):
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}, aws_retry=True)


@TelemetryErrorHandler.common_error_handler("write the run record to DynamoDB table {table}")
def put_item(client, table, item):
    client.put_item(TableName=table, Item=item, aws_retry=True)


@TelemetryErrorHandler.common_error_handler("read the caller's AWS account")
def caller_account(client):
    return client.get_caller_identity(aws_retry=True)["Account"]
