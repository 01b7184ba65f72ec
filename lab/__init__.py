"""The local DRS + EC2 lab (see lab/README.md)."""

import os
from pathlib import Path

# moto loads ~1,300 public AMIs per Region by default and scans them for every instance it runs;
# the lab needs only three (Linux x86_64, Linux arm64, Windows x86_64). Set before moto is imported.
os.environ.setdefault("MOTO_AMIS_PATH", str(Path(__file__).with_name("amis.json")))


def _patch_moto_get_instance() -> None:
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
