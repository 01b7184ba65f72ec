# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin EC2 wrappers: paginated, retried, errors as AnsibleEC2Error."""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import EC2ErrorHandler
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.paging import all_items
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.waiters import patient_waiter

ID_CHUNK = 200
TAG_WORKERS = 8


def _describe(client, **params):
    return [dict(inst, _owner_id=reservation.get("OwnerId")) for reservation in all_items(client, "describe_instances", "Reservations", **params)
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


ORIGINAL_OF_TAG = "elastic_dr:original-of"
ORIGINAL_DEVICE_TAG = "elastic_dr:original-device"
DRS_MANAGED_TAG = "AWSElasticDisasterRecoveryManaged"


@EC2ErrorHandler.common_error_handler("describe EBS volumes with filters {filters}")
def describe_volumes(client, filters):
    return all_items(client, "describe_volumes", "Volumes", Filters=list(filters))


@EC2ErrorHandler.common_error_handler("tag EC2 resources {resource_ids}")
def create_tags(client, resource_ids, tags):
    client.create_tags(Resources=list(resource_ids), Tags=[{"Key": k, "Value": str(v)} for k, v in tags.items()], aws_retry=True)
    return True


@EC2ErrorHandler.common_error_handler("stop EC2 instances {instance_ids}")
def stop_instances(client, instance_ids, wait=True):
    client.stop_instances(InstanceIds=list(instance_ids), aws_retry=True)
    if wait:
        patient_waiter(client, "instance_stopped").wait(InstanceIds=list(instance_ids), WaiterConfig={"Delay": 3, "MaxAttempts": 200})
    return True


@EC2ErrorHandler.common_error_handler("detach volume {volume_id} from {instance_id}")
def detach_volume(client, volume_id, instance_id, device):
    client.detach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=device, aws_retry=True)
    patient_waiter(client, "volume_available").wait(VolumeIds=[volume_id], WaiterConfig={"Delay": 1, "MaxAttempts": 300})
    return True


@EC2ErrorHandler.common_error_handler("attach volume {volume_id} to {instance_id} at {device}")
def attach_volume(client, volume_id, instance_id, device):
    client.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=device, aws_retry=True)
    patient_waiter(client, "volume_in_use").wait(VolumeIds=[volume_id], WaiterConfig={"Delay": 1, "MaxAttempts": 300})
    return True


@EC2ErrorHandler.common_error_handler("delete volume {volume_id}")
def delete_volume(client, volume_id):
    client.delete_volume(VolumeId=volume_id, aws_retry=True)
    return True


def attached_volumes(instance):
    """{device: volume_id} of an instance dict from describe_instances."""
    return {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in instance.get("BlockDeviceMappings") or [] if m.get("Ebs")}


def remember_original_volumes(client, instances, run_id, check_mode=False):
    """Tag each launch-into target's current volumes as its originals, before DRS swaps them.

    drs_recovery_instance (state=reset) uses these tags to put the instance back exactly as it was.
    Originals are recorded once per instance: an instance that already has recorded originals (for example
    after a drill that was not reset) is left alone, and volumes DRS created are never recorded.
    """
    ids = [inst["InstanceId"] for inst in instances]
    recorded = set()
    for begin in range(0, len(ids), ID_CHUNK):
        for vol in describe_volumes(client, [{"Name": f"tag:{ORIGINAL_OF_TAG}", "Values": ids[begin:begin + ID_CHUNK]}]):
            recorded.update(t["Value"] for t in vol.get("Tags") or [] if t["Key"] == ORIGINAL_OF_TAG)
    attached = [(inst["InstanceId"], device, volume_id) for inst in instances if inst["InstanceId"] not in recorded
                for device, volume_id in attached_volumes(inst).items()]
    volume_ids = [entry[2] for entry in attached]
    managed = set()
    for begin in range(0, len(volume_ids), ID_CHUNK):
        for vol in describe_volumes(client, [{"Name": "volume-id", "Values": volume_ids[begin:begin + ID_CHUNK]}]):
            if any(t["Key"] == DRS_MANAGED_TAG for t in vol.get("Tags") or []):
                managed.add(vol["VolumeId"])
    todo = [entry for entry in attached if entry[2] not in managed]  # a volume created by a DRS launch is never an original
    if not check_mode and todo:
        # One CreateTags per volume (the tag values differ), in parallel: 100 in a row cost about 10 s against EC2.
        with ThreadPoolExecutor(max_workers=TAG_WORKERS) as pool:
            list(pool.map(lambda e: create_tags(client, [e[2]], {ORIGINAL_OF_TAG: e[0], ORIGINAL_DEVICE_TAG: e[1], "elastic_dr:run_id": run_id}),
                          todo))
    return [entry[2] for entry in todo]
