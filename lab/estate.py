"""Estates: YAML descriptions of an AWS estate protected by DRS, seeded into moto EC2 and the DRS emulator.

See lab/README.md for the format. ``generate`` builds large estates for benchmarks.
"""

from __future__ import annotations

import ipaddress
import random
from datetime import timedelta

import yaml

from lab.drs import ec2_effects as ec2
from lab.drs.entities import SourceServer

DEFAULTS = {
    "platform": "linux",
    "architecture": "x86_64",
    "instance_type": "t3.medium",
    "disks_gib": [20],
    "replication_state": "CONTINUOUS",
    "lag_s": 1,
    "copy_tags": True,
    "copy_private_ip": False,
    "right_sizing": "BASIC",
    "origin_state": "running",
    "origin_tagged": True,
}
OS_STRINGS = {
    "linux": "Linux version 5.10.223-211.872.amzn2.x86_64 Amazon Linux 2",
    "windows": "Microsoft Windows Server 2019 Datacenter 10.0.17763",
}


def load_estate(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict) or "servers" not in data:
        raise ValueError(f"{path}: an estate needs a top-level 'servers' list")
    return data


def _side(estate: dict, key: str, default_region: str) -> dict:
    side = dict(estate.get(key) or {})
    side.setdefault("account", "123456789012")
    side.setdefault("region", default_region)
    side.setdefault("vpc_cidr", "10.0.0.0/16")
    side.setdefault("subnets", {"a": "10.0.1.0/24", "b": "10.0.2.0/24", "c": "10.0.3.0/24"})
    side["account"] = str(side["account"])
    return side


def _network(side: dict) -> dict:
    b = ec2.backend(side["account"], side["region"])
    vpc = b.create_vpc(side["vpc_cidr"], tags=[{"Key": "Name", "Value": f"dr-lab-{side['region']}"}])
    subnets = {}
    for key, cidr in side["subnets"].items():
        az = f"{side['region']}{key[0]}"  # key: the AZ letter, optionally followed by anything ("a", "a2")
        subnet = b.create_subnet(vpc.id, cidr, availability_zone=az)
        subnets[key] = {"id": subnet.id, "cidr": ipaddress.ip_network(cidr), "az": az}
    return subnets


def _subnet_for(subnets: dict, ip: str | None, az: str | None) -> dict:
    if ip:
        for subnet in subnets.values():
            if ipaddress.ip_address(ip) in subnet["cidr"]:
                return subnet
        raise ValueError(f"IP {ip} is in none of the estate's subnets {[str(s['cidr']) for s in subnets.values()]}")
    return subnets[az or next(iter(subnets))]


def _instance(side, subnets, *, name, ip, az, platform, architecture, instance_type, state, tags, disks_gib):
    subnet = _subnet_for(subnets, ip, az)
    all_tags = {"Name": name} if name is not None else {}
    all_tags.update(tags)
    instance_id = ec2.run_instance(side["account"], side["region"], platform=platform, architecture=architecture,
                                   instance_type=instance_type, subnet_id=subnet["id"], private_ip=ip, tags=all_tags,
                                   start=state == "running")
    if disks_gib:
        ec2.size_root_volume(side["account"], side["region"], instance_id, disks_gib[0])
    if len(disks_gib) > 1:
        ec2.attach_data_disks(side["account"], side["region"], instance_id, disks_gib[1:])
    return instance_id, subnet


def seed_estate(estate: dict, drs, ids) -> dict:
    """Create the estate's EC2 and DRS resources; return its ground truth (for tests and the demo)."""
    source = _side(estate, "source", "us-east-1")
    recovery = _side(estate, "recovery", "us-west-2")
    defaults = {**DEFAULTS, **(estate.get("defaults") or {})}
    src_subnets = _network(source)
    rec_subnets = _network(recovery) if (recovery["account"], recovery["region"]) != (source["account"], source["region"]) else src_subnets
    now = drs.clock.now()
    for side in (source, recovery):
        reg = drs.region(side["account"], side["region"])
        reg.initialized = side.get("drs_initialized", True)
        reg.launch_into_source_instance = side.get("launch_into_source_instance", True)
    drs.region(recovery["account"], recovery["region"]).launch_subnet = next(iter(rec_subnets.values()))["id"]
    truth = {"name": estate.get("name", "estate"), "source": {k: source[k] for k in ("account", "region")},
             "recovery": {k: recovery[k] for k in ("account", "region")}, "servers": [], "targets": []}
    rng = random.Random(f"estate-{estate.get('name')}")
    for entry in estate["servers"]:
        spec = {**defaults, **entry}
        name = spec["name"]
        wave = spec.get("wave")
        origin_tags = {"dr:wave": str(wave)} if wave is not None else {}
        if spec["origin_tagged"]:
            origin_tags["AWSDRS"] = "AllowLaunchingIntoThisInstance"
        origin_id, origin_subnet = _instance(
            source, src_subnets, name=name, ip=spec.get("ip"), az=spec.get("az"), platform=spec["platform"],
            architecture=spec["architecture"], instance_type=spec["instance_type"], state=spec["origin_state"],
            tags=origin_tags, disks_gib=spec["disks_gib"])
        origin_view = ec2.get_instance(source["account"], source["region"], origin_id)
        hostname = spec.get("hostname", name.strip().lower())
        drs_tags = dict(spec.get("tags") or {})
        if spec.get("drs_name", name) is not None:
            drs_tags.setdefault("Name", spec.get("drs_name", name))
        if wave is not None:
            drs_tags.setdefault("dr:wave", str(wave))
        devices = ["/dev/xvda"] + [f"/dev/sd{c}" for c in "fghijklmnop"]
        server = SourceServer(
            id=ids.source_server(), account=recovery["account"], region=recovery["region"], hostname=hostname,
            added=now - timedelta(days=30), platform=spec["platform"], architecture=spec["architecture"],
            os_full=OS_STRINGS[spec["platform"]], fqdn=spec.get("fqdn", ""), aws_instance_id=origin_id,
            origin_account=source["account"], origin_region=source["region"], origin_az=origin_subnet["az"],
            disks=[(dev, int(size) * 1024**3) for dev, size in zip(devices, spec["disks_gib"])],
            nics=[{"macAddress": ids.mac(), "ips": [origin_view.private_ip], "isPrimary": True}],
            recommended_type=spec["instance_type"], tags=drs_tags, replication_state=spec["replication_state"],
            lag_s=float(spec["lag_s"]), staging_account=recovery["account"],
        )
        if server.replication_state in ("CONTINUOUS", "BACKLOG", "CREATING_SNAPSHOT", "RESCAN", "STALLED", "PAUSED"):
            server.replication_since = now - timedelta(days=7)
        server.launch_config = {
            "sourceServerID": server.id, "name": hostname[:128],
            "ec2LaunchTemplateID": f"lt-{rng.getrandbits(68):017x}"[:20],
            "launchDisposition": "STARTED", "targetInstanceTypeRightSizingMethod": spec["right_sizing"],
            "copyPrivateIp": bool(spec["copy_private_ip"]), "copyTags": bool(spec["copy_tags"]),
            "licensing": {"osByol": False}, "postLaunchEnabled": False, "launchIntoInstanceProperties": {},
        }
        drs.region(recovery["account"], recovery["region"]).servers[server.id] = server
        record = {"name": name, "hostname": hostname, "wave": wave, "source_server_id": server.id,
                  "origin_instance_id": origin_id, "origin_ip": origin_view.private_ip, "target_instance_id": None,
                  "target_ip": None, "expect": spec.get("expect", "exact")}
        target = spec.get("target", {})
        if target is not None:
            target = {**target}
            target_id, _ = _instance(
                recovery, rec_subnets, name=target.get("name", name), ip=target.get("ip", spec.get("ip")), az=target.get("az", spec.get("az")),
                platform=target.get("platform", spec["platform"]), architecture=target.get("architecture", spec["architecture"]),
                instance_type=target.get("instance_type", spec["instance_type"]), state=target.get("state", "stopped"),
                tags=({"AWSDRS": "AllowLaunchingIntoThisInstance"} if target.get("tagged", True) else {}) | dict(target.get("tags") or {}),
                disks_gib=target.get("disks_gib", spec["disks_gib"]))
            view = ec2.get_instance(recovery["account"], recovery["region"], target_id)
            record.update(target_instance_id=target_id, target_ip=view.private_ip, target_name=target.get("name", name))
            truth["targets"].append({"instance_id": target_id, "name": target.get("name", name), "ip": view.private_ip, "for": name})
        else:
            record["expect"] = spec.get("expect", "unmatched")
        truth["servers"].append(record)
    for extra in estate.get("extra_targets") or []:
        spec = {**defaults, **extra}
        target_id, _ = _instance(
            recovery, rec_subnets, name=spec.get("name"), ip=spec.get("ip"), az=spec.get("az"), platform=spec["platform"],
            architecture=spec["architecture"], instance_type=spec["instance_type"], state=spec.get("state", "stopped"),
            tags=({"AWSDRS": "AllowLaunchingIntoThisInstance"} if spec.get("tagged", True) else {}) | dict(spec.get("tags") or {}),
            disks_gib=spec["disks_gib"])
        view = ec2.get_instance(recovery["account"], recovery["region"], target_id)
        truth["targets"].append({"instance_id": target_id, "name": spec.get("name"), "ip": view.private_ip, "for": None})
    return truth


def generate(servers: int, waves: int, seed: int = 1, fuzzy_fraction: float = 0.0) -> dict:
    """A large, clean estate (every server has exactly one target) for benchmarks."""
    rng = random.Random(seed)
    roles = ["web", "app", "api", "db", "cache", "queue", "batch", "auth", "search", "report"]
    per_subnet = 250
    subnet_count = max(1, -(-servers // per_subnet))
    subnets = {f"{'abc'[i % 3]}{i}": f"10.0.{i}.0/24" for i in range(subnet_count)}
    out_servers = []
    for i in range(servers):
        name = f"{roles[i % len(roles)]}-{i:05d}"
        ip = f"10.0.{i // per_subnet}.{i % per_subnet + 4}"
        target_name = name.upper() if rng.random() < 0.3 else name
        out_servers.append({"name": name, "wave": i * waves // servers + 1, "ip": ip, "target": {"name": target_name}})
    return {
        "name": f"generated-{servers}x{waves}",
        "description": f"{servers} servers in {waves} waves (generated, seed {seed})",
        "source": {"region": "us-east-1", "vpc_cidr": "10.0.0.0/16", "subnets": subnets},
        "recovery": {"region": "us-west-2", "vpc_cidr": "10.0.0.0/16", "subnets": subnets},
        "servers": out_servers,
    }
