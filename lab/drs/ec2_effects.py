"""What DRS does to EC2 on the customer's behalf, applied to moto's in-process EC2 backend.

These are DRS's own actions (launching, swapping volumes, terminating), so they do not go
through the HTTP front door and do not appear in the client call log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

AMIS = {
    ("linux", "x86_64"): "ami-760aaa0f",
    ("linux", "arm64"): "ami-0e9271c829888680e",
    ("windows", "x86_64"): "ami-b7e93bce",
}
LAUNCH_INTO_TAG = ("AWSDRS", "AllowLaunchingIntoThisInstance")
EXTRA_DEVICES = [f"/dev/sd{c}" for c in "fghijklmnop"]


_INDEX: dict[tuple[str, str, str], object] = {}  # (account, region, instance id) -> moto Instance


def backend(account: str, region: str):
    from moto.ec2.models import ec2_backends

    return ec2_backends[account][region]


def clear_index() -> None:
    """Forget cached instances (after moto is reset)."""
    _INDEX.clear()


def _find(account: str, region: str, instance_id: str):
    """moto's get_instance copies every instance on each call; look up our own index first."""
    inst = _INDEX.get((account, region, instance_id))
    if inst is None:
        inst = backend(account, region).get_instance(instance_id)
        _INDEX[(account, region, instance_id)] = inst
    return inst


def _tags(account: str, region: str, resource_id: str) -> dict:
    return dict(backend(account, region).tags.get(resource_id, {}))


@dataclass
class InstanceView:
    """The EC2 facts DRS cares about, read from moto."""

    instance_id: str
    state: str
    architecture: str
    platform: str
    tags: dict
    private_ip: str | None
    subnet_id: str | None
    vpc_id: str | None
    availability_zone: str | None
    instance_type: str
    volumes: list = field(default_factory=list)  # [(device, volume_id, size_gib)]

    @property
    def tagged_for_launch_into(self) -> bool:
        return self.tags.get(LAUNCH_INTO_TAG[0]) == LAUNCH_INTO_TAG[1]


def _platform(inst) -> str:
    return "windows" if (inst.platform or "").lower() == "windows" else "linux"


def get_instance(account: str, region: str, instance_id: str) -> InstanceView | None:
    """The instance, or None if it does not exist in that account and Region."""
    try:
        inst = _find(account, region, instance_id)
    except Exception:  # moto raises InvalidInstanceIdError
        return None
    tags = _tags(account, region, inst.id)
    volumes = [(dev, bdm.volume_id, bdm.size) for dev, bdm in inst.block_device_mapping.items()]
    return InstanceView(
        instance_id=inst.id,
        state=inst.state,
        architecture=inst.architecture or "x86_64",
        platform=_platform(inst),
        tags=tags,
        private_ip=inst.private_ip,
        subnet_id=inst.subnet_id,
        vpc_id=getattr(inst, "vpc_id", None),
        availability_zone=inst.placement.zone,
        instance_type=inst.instance_type,
        volumes=volumes,
    )


def run_instance(account, region, *, platform, architecture, instance_type, subnet_id=None, private_ip=None,
                 tags=None, start=True) -> str:
    """Run one instance the way an estate or a plain DRS launch does; returns its ID."""
    b = backend(account, region)
    kwargs = {
        "instance_type": instance_type,
        "is_instance_type_default": True,  # skip moto's offering scan; the type is still used
        "region_name": region,
        "subnet_id": subnet_id,
        "private_ip": private_ip,
        "tags": {"instance": dict(tags or {})},
        "security_group_ids": [],
        "nics": [],
        "launch_template": {},
    }
    reservation = b.run_instances(AMIS[(platform, architecture)], 1, None, [], **kwargs)
    inst = reservation.instances[0]
    _INDEX[(account, region, inst.id)] = inst
    if not start:
        inst.stop()
    return inst.id


def size_root_volume(account, region, instance_id, size_gib) -> None:
    """Give the instance's root volume the estate's size (moto creates it with the AMI's default, 8 GiB)."""
    b = backend(account, region)
    inst = _find(account, region, instance_id)
    for device in inst.block_device_mapping.values():
        if getattr(device, "volume_id", None):
            b.get_volume(device.volume_id).size = int(size_gib)
            return


def attach_data_disks(account, region, instance_id, sizes_gib) -> None:
    b = backend(account, region)
    inst = _find(account, region, instance_id)
    for device, size in zip(EXTRA_DEVICES, sizes_gib):
        vol = b.create_volume(int(size), inst.placement.zone)
        b.attach_volume(vol.id, instance_id, device)


def set_state(account, region, instance_id, state: str) -> None:
    b = backend(account, region)
    if state == "stopped":
        b.stop_instances([instance_id])
    elif state == "running":
        b.start_instances([instance_id])
    elif state == "terminated":
        b.terminate_instances([instance_id])


def tag(account, region, resource_ids, tags: dict) -> None:
    if resource_ids and tags:
        backend(account, region).create_tags(list(resource_ids), dict(tags))


def launch_into(account, region, instance_id, disk_sizes_gib, *, job_id, source_server_id, start) -> dict:
    """Swap the target's volumes for new ones built from the replicated data; keep ID, ENI and IP.

    The displaced volumes stay in the account, tagged so a drill clean-up can put them back.
    """
    b = backend(account, region)
    inst = _find(account, region, instance_id)
    zone = inst.placement.zone
    current = sorted(inst.block_device_mapping.items(), key=lambda kv: (kv[0] != "/dev/sda1", kv[0]))
    root_device = current[0][0] if current else "/dev/sda1"
    displaced = []
    for device, bdm in current:
        b.detach_volume(bdm.volume_id, instance_id, device)
        b.create_tags(
            [bdm.volume_id],
            {
                "drs:displaced-from-instance": instance_id,
                "drs:displaced-device": device,
                "drs:displaced-by-job": job_id,
            },
        )
        displaced.append({"device": device, "volume_id": bdm.volume_id})
    created = []
    devices = [root_device] + [d for d in EXTRA_DEVICES if d != root_device]
    for device, size in zip(devices, disk_sizes_gib or [8]):
        vol = b.create_volume(max(1, int(size)), zone)
        b.create_tags(
            [vol.id],
            {
                "AWSElasticDisasterRecoveryManaged": "drs.amazonaws.com",
                "drs:source-server": source_server_id,
                "drs:recovery-job": job_id,
            },
        )
        b.attach_volume(vol.id, instance_id, device)
        created.append({"device": device, "volume_id": vol.id})
    if start:
        b.start_instances([instance_id])
    return {"displaced": displaced, "created": created}


def terminate(account, region, instance_id) -> None:
    b = backend(account, region)
    try:
        b.terminate_instances([instance_id])
    except Exception:  # already gone
        pass
