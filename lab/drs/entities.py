"""DRS resources as the lab keeps them, and their rendering into the modelled output shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lab.timeutil import iso, iso_duration

AGENT_VERSION = "4.5.1"
READY_STATES = {"CONTINUOUS", "BACKLOG", "CREATING_SNAPSHOT", "RESCAN"}
PREVIOUS_SNAPSHOT_STATES = {"STALLED", "PAUSED"}


def arn(account: str, region: str, kind: str, resource_id: str) -> str:
    return f"arn:aws:drs:{region}:{account}:{kind}/{resource_id}"


@dataclass
class SourceServer:
    id: str
    account: str
    region: str
    hostname: str
    added: datetime
    platform: str = "linux"  # linux | windows
    architecture: str = "x86_64"
    os_full: str = "Linux version 5.10.0 Amazon Linux 2"
    fqdn: str = ""
    aws_instance_id: str | None = None  # the protected EC2 instance (identificationHints.awsInstanceID)
    origin_account: str | None = None  # sourceCloudProperties, EC2-originated servers only
    origin_region: str | None = None
    origin_az: str | None = None
    disks: list = field(default_factory=lambda: [("/dev/xvda", 8 * 1024**3)])  # (deviceName, bytes)
    nics: list = field(default_factory=list)  # [{"macAddress", "ips", "isPrimary"}]
    cpus: int = 2
    ram_bytes: int = 4 * 1024**3
    recommended_type: str = "t3.medium"
    tags: dict = field(default_factory=dict)
    replication_state: str = "CONTINUOUS"
    lag_s: float | None = 0.0
    schedule: list = field(default_factory=list)  # [(sim_time, state, lag_s)] future replication changes
    replication_since: datetime | None = None
    direction: str = "FAILOVER"
    reversed_arn: str | None = None
    recovery_instance_id: str | None = None
    last_launch: dict | None = None  # {jobID, type, time, status}
    last_launch_result: str = "NOT_STARTED"
    staging_account: str | None = None
    launch_config: dict = field(default_factory=dict)
    snapshots: list = field(default_factory=list)  # [{snapshotID, time, ebsSnapshots}]
    last_snapshot_at: datetime | None = None

    @property
    def arn(self) -> str:
        return arn(self.account, self.region, "source-server", self.id)

    @property
    def disconnected(self) -> bool:
        return self.replication_state == "DISCONNECTED"

    @property
    def disk_sizes_gib(self) -> list[int]:
        return [max(1, int(b // 1024**3)) for _, b in self.disks]

    def api(self) -> dict:
        replicating = self.replication_state not in ("STOPPED", "DISCONNECTED")
        info = {
            "dataReplicationState": self.replication_state,
            "replicatedDisks": [
                {
                    "deviceName": dev,
                    "totalStorageBytes": size if self.replication_state != "DISCONNECTED" else 0,
                    "replicatedStorageBytes": size if self.replication_state in READY_STATES else 0,
                    "rescannedStorageBytes": 0,
                    "backloggedStorageBytes": 0,
                }
                for dev, size in self.disks
            ],
        }
        if replicating and self.lag_s is not None:
            info["lagDuration"] = iso_duration(self.lag_s)
        if self.replication_state in ("INITIATING", "INITIAL_SYNC") and self.replication_since:
            info["dataReplicationInitiation"] = {
                "startDateTime": iso(self.replication_since),
                "steps": [{"name": "START_DATA_TRANSFER", "status": "IN_PROGRESS"}],
            }
        life = {
            "addedToServiceDateTime": iso(self.added),
            "firstByteDateTime": iso(self.added),
            "lastSeenByServiceDateTime": iso(self.added),
        }
        if self.last_launch:
            life["lastLaunch"] = {
                "initiated": {
                    "apiCallDateTime": iso(self.last_launch["time"]),
                    "jobID": self.last_launch["jobID"],
                    "type": self.last_launch["type"],
                },
                "status": self.last_launch["status"],
            }
        hints = {"hostname": self.hostname}
        if self.fqdn:
            hints["fqdn"] = self.fqdn
        if self.aws_instance_id:
            hints["awsInstanceID"] = self.aws_instance_id
        out = {
            "sourceServerID": self.id,
            "arn": self.arn,
            "tags": dict(self.tags),
            "lastLaunchResult": self.last_launch_result,
            "dataReplicationInfo": info,
            "lifeCycle": life,
            "sourceProperties": {
                "lastUpdatedDateTime": iso(self.added),
                "recommendedInstanceType": self.recommended_type,
                "identificationHints": hints,
                "networkInterfaces": [dict(n) for n in self.nics],
                "disks": [{"deviceName": dev, "bytes": size} for dev, size in self.disks],
                "cpus": [{"cores": self.cpus, "modelName": "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz"}],
                "ramBytes": self.ram_bytes,
                "os": {"fullString": self.os_full},
                "supportsNitroInstances": True,
                "architecture": self.architecture,
            },
            "stagingArea": {"status": "NOT_EXTENDED"},
            "replicationDirection": self.direction,
            "agentVersion": AGENT_VERSION,
        }
        if self.recovery_instance_id:
            out["recoveryInstanceId"] = self.recovery_instance_id
        if self.origin_region:
            out["sourceCloudProperties"] = {
                "originAccountID": self.origin_account,
                "originRegion": self.origin_region,
                "originAvailabilityZone": self.origin_az,
            }
        if self.staging_account and self.staging_account != self.account:
            out["stagingArea"] = {
                "status": "EXTENDED",
                "stagingAccountID": self.staging_account,
                "stagingSourceServerArn": arn(self.staging_account, self.region, "source-server", self.id),
            }
        if self.reversed_arn:
            out["reversedDirectionSourceServerArn"] = self.reversed_arn
        return out


@dataclass
class RecoveryInstance:
    id: str  # == ec2InstanceID
    account: str
    region: str
    source_server_id: str
    job_id: str
    is_drill: bool
    point_in_time: datetime
    launched_at: datetime
    launched_into: bool  # launched into an existing (pre-provisioned or original) instance
    origin_environment: str  # AWS | ON_PREMISES
    origin_az: str | None
    hostname: str
    platform: str
    volumes: list = field(default_factory=list)  # [{"device", "volume_id"}] created by the launch
    displaced_volumes: list = field(default_factory=list)  # launch-into: the target's own volumes
    tags: dict = field(default_factory=dict)
    replication_state: str = "NOT_STARTED"
    lag_s: float | None = None
    schedule: list = field(default_factory=list)
    reversed_arn: str | None = None
    disconnected: bool = False
    failback_state: str = "FAILBACK_NOT_READY_FOR_LAUNCH"

    @property
    def arn(self) -> str:
        return arn(self.account, self.region, "recovery-instance", self.id)

    def api(self, ec2_state: str, private_ip: str | None, disk_bytes: list, cpus: int, ram_bytes: int, os_full: str):
        info = {"dataReplicationState": self.replication_state}
        if self.lag_s is not None and self.replication_state not in ("NOT_STARTED", "STOPPED", "DISCONNECTED"):
            # The model types this member as a datetime string; the service sends a duration (DRS_API.md §3).
            info["lagDuration"] = iso_duration(self.lag_s)
        info["replicatedDisks"] = [
            {"deviceName": v["device"], "totalStorageBytes": b, "replicatedStorageBytes": b if self.replication_state == "CONTINUOUS" else 0}
            for v, b in zip(self.volumes, disk_bytes)
        ]
        nics = [{"ips": [private_ip], "isPrimary": True}] if private_ip else []
        return {
            "ec2InstanceID": self.id,
            "ec2InstanceState": ec2_state,
            "jobID": self.job_id,
            "recoveryInstanceID": self.id,
            "sourceServerID": self.source_server_id,
            "arn": self.arn,
            "tags": dict(self.tags),
            "failback": {"state": self.failback_state},
            "dataReplicationInfo": info,
            "recoveryInstanceProperties": {
                "lastUpdatedDateTime": iso(self.launched_at),
                "identificationHints": {"hostname": self.hostname, "awsInstanceID": self.id},
                "networkInterfaces": nics,
                "disks": [
                    {"internalDeviceName": v["device"], "bytes": b, "ebsVolumeID": v["volume_id"]}
                    for v, b in zip(self.volumes, disk_bytes)
                ],
                "cpus": [{"cores": cpus, "modelName": "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz"}],
                "ramBytes": ram_bytes,
                "os": {"fullString": os_full},
            },
            "pointInTimeSnapshotDateTime": iso(self.point_in_time),
            "isDrill": self.is_drill,
            "originEnvironment": self.origin_environment,
            **({"originAvailabilityZone": self.origin_az} if self.origin_az else {}),
            "agentVersion": AGENT_VERSION,
        }


@dataclass
class Job:
    id: str
    account: str
    region: str
    type: str  # LAUNCH | TERMINATE
    initiated_by: str
    created: datetime
    servers: list  # [{"sourceServerID", "launchStatus", "recoveryInstanceID"?}]
    tags: dict = field(default_factory=dict)
    status: str = "PENDING"
    ended: datetime | None = None
    is_drill: bool = False
    log: list = field(default_factory=list)  # [{"logDateTime", "event", "eventData"}]
    outstanding: int = 0  # scheduled events not yet run

    @property
    def arn(self) -> str:
        return arn(self.account, self.region, "job", self.id)

    @property
    def active(self) -> bool:
        return self.status != "COMPLETED"

    def server(self, source_server_id: str) -> dict:
        return next(s for s in self.servers if s["sourceServerID"] == source_server_id)

    def add_log(self, when: datetime, event: str, **data) -> None:
        self.log.append({"logDateTime": iso(when), "event": event, "eventData": {k: v for k, v in data.items() if v is not None}})

    def api(self) -> dict:
        out = {
            "jobID": self.id,
            "arn": self.arn,
            "type": self.type,
            "initiatedBy": self.initiated_by,
            "creationDateTime": iso(self.created),
            "status": self.status,
            "participatingServers": [dict(s) for s in self.servers],
            "tags": dict(self.tags),
        }
        if self.ended:
            out["endDateTime"] = iso(self.ended)
        return out
