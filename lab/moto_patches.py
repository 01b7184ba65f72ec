"""Speed-ups for moto's EC2 models, same semantics: the lab serves 1,000-server estates without quadratic scans.

Applied once per process by ``lab.server.LabApp`` before the first request.
"""

from __future__ import annotations


def _patch_get_instance() -> None:
    """moto's InstanceBackend.get_instance copies every reservation per lookup (O(n) copies, O(n^2) to seed
    an estate). Same semantics without the copies; instances are the same objects either way."""
    from moto.ec2.exceptions import InvalidInstanceIdError
    from moto.ec2.models.instances import InstanceBackend

    def get_instance(self, instance_id):
        for reservation in list(self.reservations.values()):
            for instance in reservation.instances:
                if instance.id == instance_id:
                    return instance
        raise InvalidInstanceIdError(instance_id)

    InstanceBackend.get_instance = get_instance


def _patch_get_tags() -> None:
    """moto's TaggedEC2Resource.get_tags runs describe_tags(resource-id filter), which scans every tag of every
    resource in the Region with a regex per tag: reading one instance's tags is O(all tags), and a
    DescribeInstances with a tag filter over n instances is O(n^2). Profiled at 1,000 servers it was about 80 %
    of the lab's CPU. Read the resource's own tag dict instead: same dicts, same order, same keys."""
    from moto.ec2.models.core import TaggedEC2Resource
    from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix

    def get_tags(self):
        resource_id = getattr(self, "id", None)
        if not resource_id:
            return []
        tags = self.ec2_backend.tags.get(resource_id)  # .get: the backend's defaultdict must not grow on reads
        if not tags:
            return []
        resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(resource_id), "")
        return [{"resource_id": resource_id, "key": key, "value": value, "resource_type": resource_type} for key, value in list(tags.items())]

    TaggedEC2Resource.get_tags = get_tags


def apply() -> None:
    """Install every patch (idempotent: re-assigning the same functions)."""
    _patch_get_instance()
    _patch_get_tags()
