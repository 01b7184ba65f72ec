# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The whole estate a pairing decision is made over (DRS + EC2 reads only).

Pairing one server is decided knowing all the others: every FAILOVER source server of the Region (every wave,
every replication state), every tagged target in every live state, every stored launch-into pair (each source
server's launch configuration) and, as owners of their names, the source servers of the other Regions the
caller names. This module turns those AWS records into the plain dicts ``matching.match_servers`` takes.
"""

import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2

LIVE_STATES = ("pending", "running", "stopping", "stopped")  # not shutting-down or terminated
CONFIG_WORKERS = 16
VOLUME_CHUNK = 200

# A hostname hint that only encodes the machine's IP or instance ID names nothing: EC2's default hostnames.
_GENERATED_HOSTNAME_RE = re.compile(r"^(ip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}|i-[0-9a-f]{8,17})(\..*)?$", re.IGNORECASE)

# Tags the pair playbook writes on a source server when it applies a reviewed pair (the baseline drift is measured against).
PAIR_TAG_TARGET = "elastic_dr:pair-target"
PAIR_TAG_IP = "elastic_dr:pair-ip"
PAIR_TAG_NAME = "elastic_dr:pair-name"
PAIR_TAG_METHOD = "elastic_dr:pair-method"
PAIR_TAG_REVIEWED = "elastic_dr:pair-reviewed"
PAIR_TAGS = (PAIR_TAG_TARGET, PAIR_TAG_IP, PAIR_TAG_NAME, PAIR_TAG_METHOD, PAIR_TAG_REVIEWED)


def server_ips(server):
    return sorted({ip for nic in (server.get("sourceProperties") or {}).get("networkInterfaces") or [] for ip in nic.get("ips") or [] if ip})


def server_disks(server):
    return [int(d.get("bytes") or 0) for d in (server.get("sourceProperties") or {}).get("disks") or []]


def server_names(server, name_sources, origin_names):
    """{label: value} of every name the server has, in name_sources order (generated EC2 hostnames left out when
    the server has another name)."""
    names = {}
    for label in name_sources:
        if label == "drs_tag":
            value = drs.server_name_tag(server)
        elif label == "origin_instance_tag":
            value = origin_names.get(drs.server_origin_instance(server))
        else:
            value = drs.server_hostname(server)
        if value and str(value).strip():
            names[label] = str(value)
    hostname = names.get("hostname")
    if hostname and len(names) > 1 and _GENERATED_HOSTNAME_RE.match(hostname.strip()):
        del names["hostname"]
    return names


def engine_source(server, name_sources, origin_names, foreign=False):
    names = server_names(server, name_sources, origin_names)
    return {
        "id": server["sourceServerID"],
        "names": names,
        "name": next(iter(names.values()), None),
        "foreign": foreign,
        "wave": (server.get("tags") or {}).get("dr:wave"),
        "ips": server_ips(server),
        "platform": drs.server_platform(server),
        "architecture": drs.server_architecture(server),
        "boot_mode": None,
        "disks": server_disks(server),
        "instance_type": (server.get("sourceProperties") or {}).get("recommendedInstanceType"),
    }


def engine_target(instance, disks):
    ips = sorted({ip.get("PrivateIpAddress") for nic in instance.get("NetworkInterfaces") or [] for ip in nic.get("PrivateIpAddresses") or []
                  if ip.get("PrivateIpAddress")} | ({instance["PrivateIpAddress"]} if instance.get("PrivateIpAddress") else set()))
    boot = (instance.get("BootMode") or "").replace("-", "_") or None
    return {
        "id": instance["InstanceId"],
        "name": ec2.name_of(instance),
        "state": (instance.get("State") or {}).get("Name"),
        "private_ip": instance.get("PrivateIpAddress"),
        "ips": ips,
        "platform": ec2.platform_of(instance),
        "architecture": instance.get("Architecture"),
        "boot_mode": boot,
        "disks": disks.get(instance["InstanceId"]),
        "instance_type": instance.get("InstanceType"),
        "subnet_id": instance.get("SubnetId"),
        "az": (instance.get("Placement") or {}).get("AvailabilityZone"),
    }


def baseline_of(server):
    """The reviewed pair recorded on the source server by the pair playbook, or None."""
    tags = server.get("tags") or {}
    if not tags.get(PAIR_TAG_TARGET):
        return None
    return {"target_instance_id": tags.get(PAIR_TAG_TARGET), "target_private_ip": tags.get(PAIR_TAG_IP) or None,
            "target_name": tags.get(PAIR_TAG_NAME) or None, "method": tags.get(PAIR_TAG_METHOD) or None,
            "reviewed": tags.get(PAIR_TAG_REVIEWED) or None}


class Estate:
    """Reads the estate once: servers, targets (with disk sizes), launch configurations, foreign owners."""

    def __init__(self, module, direction="FAILOVER"):
        self.module = module
        self.params = module.params
        self.drs = module.clients.client("drs")
        self.ec2 = module.clients.client("ec2")
        self.direction = direction

    def servers(self):
        servers = [s for s in drs.describe_source_servers(self.drs) if s.get("replicationDirection", "FAILOVER") == self.direction]
        return sorted(servers, key=lambda s: s["sourceServerID"])

    def origin_names(self, servers, name_sources):
        """Name tags of the protected instances, for servers without a DRS Name tag (no EC2 call for a name not used)."""
        if "origin_instance_tag" not in name_sources:
            return {}
        groups = {}
        for server in servers:
            if drs.server_name_tag(server):
                continue
            props = server.get("sourceCloudProperties") or {}
            instance_id = drs.server_origin_instance(server)
            if props.get("originRegion") and instance_id:
                groups.setdefault(props["originRegion"], []).append(instance_id)
        role = self.params.get("origin_assume_role")
        names = {}
        for region, ids in groups.items():
            client = self.module.clients.client("ec2", region, assume_role=role) if role else self.module.clients.client("ec2", region)
            for inst in ec2.describe_instances_by_id(client, ids):
                names[inst["InstanceId"]] = ec2.name_of(inst)
        return names

    def targets(self, target_tags):
        filters = [{"Name": f"tag:{k}", "Values": [str(v)]} for k, v in (target_tags or {}).items()]
        filters.append({"Name": "instance-state-name", "Values": list(LIVE_STATES)})
        return ec2.describe_instances(self.ec2, filters)

    def instances(self, instance_ids):
        return [i for i in ec2.describe_instances_by_id(self.ec2, instance_ids) if (i.get("State") or {}).get("Name") in LIVE_STATES]

    def disk_sizes(self, instances):
        """{instance ID: [GiB as bytes, by device name]} of the volumes attached to these instances."""
        ids = sorted(i["InstanceId"] for i in instances)
        chunks = [ids[start:start + VOLUME_CHUNK] for start in range(0, len(ids), VOLUME_CHUNK)]
        sizes = {}
        with ThreadPoolExecutor(max_workers=min(8, len(chunks) or 1)) as pool:
            for volumes in pool.map(lambda chunk: ec2.describe_volumes(self.ec2, [{"Name": "attachment.instance-id", "Values": chunk}]), chunks):
                for vol in volumes:
                    for att in vol.get("Attachments") or []:
                        if att.get("InstanceId"):
                            sizes.setdefault(att["InstanceId"], []).append((att.get("Device") or "", int(vol.get("Size") or 0) * 1024 ** 3))
        return {iid: [size for _device, size in sorted(found)] for iid, found in sizes.items()}

    def launch_configs(self, servers):
        if not servers:
            return {}
        with ThreadPoolExecutor(max_workers=min(CONFIG_WORKERS, len(servers))) as pool:
            return dict(zip([s["sourceServerID"] for s in servers],
                            pool.map(lambda s: drs.get_launch_configuration(self.drs, s["sourceServerID"]), servers)))

    def foreign_servers(self, regions):
        """Source servers of the other Regions the caller names (same credentials): they own their names."""
        out = []
        for region in regions or []:
            if region == self.module.region:
                continue
            client = self.module.clients.client("drs", region)
            out.extend(drs.describe_source_servers(client))
        return out
