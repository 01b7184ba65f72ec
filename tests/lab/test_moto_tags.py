"""EC2 tags in the lab (lab/moto_patches.py reads each resource's own tags instead of scanning every tag):
what boto3 sees must be what moto would answer without the patch."""

from __future__ import annotations

from lab_helpers import by_name, instance


def tags(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or []}


def test_tags_follow_create_overwrite_and_delete(lab, aws, truth):
    ec2 = aws("ec2")
    target = by_name(truth, "db-01")["target_instance_id"]
    before = tags(instance(ec2, target))
    assert before.get("Name") and before.get("AWSDRS") == "AllowLaunchingIntoThisInstance"

    ec2.create_tags(Resources=[target], Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}])
    ec2.create_tags(Resources=[target], Tags=[{"Key": "k1", "Value": "v1b"}])
    assert tags(instance(ec2, target)) == {**before, "k1": "v1b", "k2": "v2"}
    ec2.delete_tags(Resources=[target], Tags=[{"Key": "k2"}, {"Key": "k1", "Value": "not-its-value"}])
    assert tags(instance(ec2, target)) == {**before, "k1": "v1b"}

    filtered = ec2.describe_instances(Filters=[{"Name": "tag:k1", "Values": ["v1b"]}])["Reservations"]
    assert [i["InstanceId"] for r in filtered for i in r["Instances"]] == [target]
    assert ec2.describe_instances(Filters=[{"Name": "tag:k1", "Values": ["v1"]}])["Reservations"] == []
    by_key = ec2.describe_instances(Filters=[{"Name": "tag-key", "Values": ["k1"]}])["Reservations"]
    assert [i["InstanceId"] for r in by_key for i in r["Instances"]] == [target]
    described = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [target]}])["Tags"]
    assert {t["Key"]: t["Value"] for t in described} == {**before, "k1": "v1b"}
    assert {t["ResourceType"] for t in described} == {"instance"}


def test_tag_filters_select_exactly_the_tagged_targets(lab, aws, truth):
    ec2 = aws("ec2")
    pages = ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "tag:AWSDRS", "Values": ["AllowLaunchingIntoThisInstance"]}]).build_full_result()
    found = {i["InstanceId"]: i for r in pages["Reservations"] for i in r["Instances"]}
    assert found and all(tags(i)["AWSDRS"] == "AllowLaunchingIntoThisInstance" for i in found.values())
    everything = ec2.get_paginator("describe_instances").paginate().build_full_result()
    tagged = {i["InstanceId"] for r in everything["Reservations"] for i in r["Instances"]
              if tags(i).get("AWSDRS") == "AllowLaunchingIntoThisInstance"}
    assert set(found) == tagged


def test_untagged_volume_reads_empty_tags(lab, aws, truth):
    ec2 = aws("ec2")
    zone = instance(ec2, by_name(truth, "db-01")["target_instance_id"])["Placement"]["AvailabilityZone"]
    vol = ec2.create_volume(AvailabilityZone=zone, Size=1)
    read = ec2.describe_volumes(VolumeIds=[vol["VolumeId"]])["Volumes"][0]
    assert read.get("Tags", []) == []
    ec2.create_tags(Resources=[vol["VolumeId"]], Tags=[{"Key": "a", "Value": "b"}])
    assert tags(ec2.describe_volumes(VolumeIds=[vol["VolumeId"]])["Volumes"][0]) == {"a": "b"}
    assert ec2.describe_volumes(Filters=[{"Name": "tag:a", "Values": ["b"]}])["Volumes"][0]["VolumeId"] == vol["VolumeId"]


def test_the_lab_installs_its_moto_patches():
    from moto.ec2.models.core import TaggedEC2Resource
    from moto.ec2.models.instances import InstanceBackend

    from lab import moto_patches

    moto_patches.apply()
    assert TaggedEC2Resource.get_tags.__module__ == InstanceBackend.get_instance.__module__ == "lab.moto_patches"
