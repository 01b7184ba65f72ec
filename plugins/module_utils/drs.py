# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin DRS wrappers: one per API call, paginated, retried, errors as AnsibleDRSError."""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import DRSErrorHandler
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.paging import all_items

FILTER_CHUNK = 200  # DescribeSourceServers / DescribeRecoveryInstances filter maximum
LAUNCH_CONFIG_KEYS = (
    "launchDisposition",
    "targetInstanceTypeRightSizingMethod",
    "copyPrivateIp",
    "copyTags",
    "licensing",
    "postLaunchEnabled",
    "launchIntoInstanceProperties",
    "recoveryMode",
    "name",
)


def _chunks(items, size):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _paginate(client, operation, **params):
    return all_items(client, operation, "items", **params)


@DRSErrorHandler.common_error_handler("describe DRS source servers {source_server_ids}")
def describe_source_servers(client, source_server_ids=None):
    """All source servers in the client's account and Region, or those with these IDs (unknown IDs: absent)."""
    if source_server_ids is None:
        return _paginate(client, "describe_source_servers", filters={})
    found = []
    for chunk in _chunks(sorted(set(source_server_ids)), FILTER_CHUNK):
        found.extend(_paginate(client, "describe_source_servers", filters={"sourceServerIDs": chunk}))
    return found


@DRSErrorHandler.list_error_handler("get launch configuration of source server {source_server_id}")
def get_launch_configuration(client, source_server_id):
    """The server's launch configuration, or None if the server does not exist."""
    response = client.get_launch_configuration(sourceServerID=source_server_id, aws_retry=True)
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@DRSErrorHandler.common_error_handler("update launch configuration of source server {source_server_id}")
def update_launch_configuration(client, source_server_id, changes):
    """Send only ``changes`` (a partial update); returns the full configuration after the update."""
    response = client.update_launch_configuration(sourceServerID=source_server_id, aws_retry=True, **changes)
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@DRSErrorHandler.common_error_handler("describe DRS recovery instances {recovery_instance_ids}")
def describe_recovery_instances(client, recovery_instance_ids=None, source_server_ids=None):
    filters = {}
    if source_server_ids is not None:
        filters["sourceServerIDs"] = sorted(set(source_server_ids))
    if recovery_instance_ids is None:
        return _paginate(client, "describe_recovery_instances", filters=filters)
    found = []
    for chunk in _chunks(sorted(set(recovery_instance_ids)), FILTER_CHUNK):
        found.extend(_paginate(client, "describe_recovery_instances", filters=dict(filters, recoveryInstanceIDs=chunk)))
    return found


@DRSErrorHandler.common_error_handler("describe DRS jobs {job_ids}")
def describe_jobs(client, job_ids=None):
    if job_ids is None:
        return _paginate(client, "describe_jobs", filters={})
    found = []
    for chunk in _chunks(sorted(set(job_ids)), 1000):
        found.extend(_paginate(client, "describe_jobs", filters={"jobIDs": chunk}))
    return found


@DRSErrorHandler.common_error_handler("describe log items of DRS job {job_id}")
def describe_job_log_items(client, job_id):
    return _paginate(client, "describe_job_log_items", jobID=job_id)


def launch_into_target(config):
    """The EC2 instance a launch configuration launches into, or None."""
    return ((config or {}).get("launchIntoInstanceProperties") or {}).get("launchIntoEC2InstanceID") or None


def server_name_tag(server):
    return (server.get("tags") or {}).get("Name")


def server_hostname(server):
    hints = (server.get("sourceProperties") or {}).get("identificationHints") or {}
    return hints.get("hostname") or hints.get("fqdn")


def server_origin_instance(server):
    return ((server.get("sourceProperties") or {}).get("identificationHints") or {}).get("awsInstanceID")


def server_platform(server):
    os_string = (((server.get("sourceProperties") or {}).get("os") or {}).get("fullString") or "").lower()
    return "windows" if "windows" in os_string else "linux"


def server_architecture(server):
    return (server.get("sourceProperties") or {}).get("architecture")


def server_account(server):
    return server["arn"].split(":")[4]


def server_region(server):
    return server["arn"].split(":")[3]


@DRSErrorHandler.common_error_handler("start DRS recovery job for source servers {source_server_ids}")
def start_recovery(client, source_server_ids, is_drill, tags=None, snapshot_ids=None):
    """One StartRecovery call (at most 100 servers: the caller splits); returns the job."""
    servers = []
    for sid in source_server_ids:
        item = {"sourceServerID": sid}
        if snapshot_ids and snapshot_ids.get(sid):
            item["recoverySnapshotID"] = snapshot_ids[sid]
        servers.append(item)
    return client.start_recovery(sourceServers=servers, isDrill=is_drill, tags=tags or {}, aws_retry=True)["job"]


@DRSErrorHandler.common_error_handler("reverse replication of recovery instance {recovery_instance_id}")
def reverse_replication(client, recovery_instance_id):
    return client.reverse_replication(recoveryInstanceID=recovery_instance_id, aws_retry=True)["reversedDirectionSourceServerArn"]


@DRSErrorHandler.common_error_handler("terminate DRS recovery instances {recovery_instance_ids}")
def terminate_recovery_instances(client, recovery_instance_ids):
    return client.terminate_recovery_instances(recoveryInstanceIDs=list(recovery_instance_ids), aws_retry=True)["job"]


@DRSErrorHandler.deletion_error_handler("disconnect DRS recovery instance {recovery_instance_id}")
def disconnect_recovery_instance(client, recovery_instance_id):
    client.disconnect_recovery_instance(recoveryInstanceID=recovery_instance_id, aws_retry=True)
    return True


@DRSErrorHandler.common_error_handler("delete DRS recovery instance {recovery_instance_id}")
def delete_recovery_instance(client, recovery_instance_id):
    client.delete_recovery_instance(recoveryInstanceID=recovery_instance_id, aws_retry=True)
    return True


@DRSErrorHandler.common_error_handler("stop replication of source server {source_server_id}")
def stop_replication(client, source_server_id):
    return client.stop_replication(sourceServerID=source_server_id, aws_retry=True)["sourceServer"]


@DRSErrorHandler.common_error_handler("disconnect source server {source_server_id}")
def disconnect_source_server(client, source_server_id):
    return client.disconnect_source_server(sourceServerID=source_server_id, aws_retry=True)


@DRSErrorHandler.deletion_error_handler("delete source server {source_server_id}")
def delete_source_server(client, source_server_id):
    client.delete_source_server(sourceServerID=source_server_id, aws_retry=True)
    return True


@DRSErrorHandler.common_error_handler("tag DRS resource {resource_arn}")
def tag_resource(client, resource_arn, tags):
    client.tag_resource(resourceArn=resource_arn, tags=dict(tags), aws_retry=True)


@DRSErrorHandler.common_error_handler("untag DRS resource {resource_arn}")
def untag_resource(client, resource_arn, tag_keys):
    client.untag_resource(resourceArn=resource_arn, tagKeys=list(tag_keys), aws_retry=True)


def parse_arn(value):
    """(Region, account, kind, ID) of a DRS ARN (arn:aws:drs:<region>:<account>:<kind>/<id>), else None."""
    parts = str(value or "").split(":", 5)
    if len(parts) != 6 or parts[2] != "drs" or "/" not in parts[5]:
        return None
    kind, resource_id = parts[5].split("/", 1)
    return parts[3], parts[4], kind, resource_id
