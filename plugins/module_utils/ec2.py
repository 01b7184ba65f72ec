# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin EC2 wrappers: paginated, retried, errors as AnsibleEC2Error."""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import EC2ErrorHandler
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.retry import EC2_RETRY

ID_CHUNK = 200


@EC2_RETRY
def _describe(client, **params):
    result = client.get_paginator("describe_instances").paginate(**params).build_full_result()
    return [dict(inst, _owner_id=reservation.get("OwnerId")) for reservation in result.get("Reservations", [])
            for inst in reservation.get("Instances", [])]


@EC2ErrorHandler.common_error_handler("describe EC2 instances with filters {filters}")
def describe_instances(client, filters=None):
    return _describe(client, Filters=list(filters or []))


@EC2ErrorHandler.common_error_handler("describe EC2 instances {instance_ids}")
def describe_instances_by_id(client, instance_ids):
    """Instances by ID; IDs that do not exist are simply absent (looked up with a filter, not InstanceIds)."""
    ids = sorted(set(i for i in instance_ids if i))
    found = []
    for start in range(0, len(ids), ID_CHUNK):
        found.extend(_describe(client, Filters=[{"Name": "instance-id", "Values": ids[start:start + ID_CHUNK]}]))
    return found


def tags_of(instance):
    return {t["Key"]: t["Value"] for t in instance.get("Tags") or []}


def name_of(instance):
    return tags_of(instance).get("Name")


def platform_of(instance):
    return "windows" if (instance.get("Platform") or "").lower() == "windows" else "linux"


def summarize(instance):
    """The facts about an instance our modules return (snake_case)."""
    return {
        "instance_id": instance["InstanceId"],
        "name": name_of(instance),
        "state": instance.get("State", {}).get("Name"),
        "private_ip": instance.get("PrivateIpAddress"),
        "subnet_id": instance.get("SubnetId"),
        "vpc_id": instance.get("VpcId"),
        "availability_zone": instance.get("Placement", {}).get("AvailabilityZone"),
        "security_groups": [g["GroupId"] for g in instance.get("SecurityGroups") or []],
        "architecture": instance.get("Architecture"),
        "platform": platform_of(instance),
        "instance_type": instance.get("InstanceType"),
        "owner_id": instance.get("_owner_id"),
        "tags": tags_of(instance),
    }
