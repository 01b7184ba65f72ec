"""The emulated DRS service: per account and Region state, operations, and the job clock.

Behaviour follows ../shared/reference/DRS_API.md; where AWS is UNVERIFIED the lab's choice is
noted next to the code and in lab/README.md.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lab.drs import ec2_effects as ec2
from lab.drs.recovery_plans import RecoveryPlanOperations
from lab.drs.entities import PREVIOUS_SNAPSHOT_STATES, READY_STATES, Job, RecoveryInstance, SourceServer
from lab.drs.errors import (
    Conflict,
    QuotaExceeded,
    ResourceNotFound,
    UninitializedAccount,
    ValidationError,
)
from lab.timeutil import iso, parse_iso

MAX_SERVERS_PER_JOB = 100  # L-B827C881 (the model allows 200; the documented quota is 100)
MAX_SERVERS_IN_ACTIVE_JOBS = 500  # L-05AFA8C6
MAX_CONCURRENT_JOBS = 20  # L-D88FAC3A
MAX_TAGS = 50
DEFAULT_PAGE = 100
SNAPSHOT_RETENTION = 48
NO_UNINIT = {"InitializeService", "TagResource", "UntagResource", "ListTagsForResource"}
EC2_STATE = {
    "pending": "PENDING",
    "running": "RUNNING",
    "stopping": "STOPPING",
    "stopped": "STOPPED",
    "shutting-down": "SHUTTING-DOWN",
    "terminated": "TERMINATED",
}


@dataclass
class Timings:
    """Simulated seconds for each phase; ``jitter`` is the +/- fraction applied per server."""

    job_pending_s: float = 5
    cleanup_s: float = 20
    snapshot_s: float = 60
    conversion_s: float = 180
    launch_s: float = 90
    terminate_s: float = 30
    jitter: float = 0.25
    reverse_initiating_s: float = 60
    reverse_initial_sync_s: float = 300
    reverse_initial_lag_s: float = 900
    snapshot_interval_s: float = 600

    @classmethod
    def from_dict(cls, data: dict | None) -> "Timings":
        t = cls()
        for key, value in (data or {}).items():
            if not hasattr(t, key):
                raise ValueError(f"unknown timing {key!r}; known: {sorted(vars(t))}")
            setattr(t, key, float(value))
        return t


@dataclass
class Region:
    account: str
    region: str
    initialized: bool = False
    launch_into_source_instance: bool = True
    launch_subnet: str | None = None  # where a plain (not launch-into) recovery lands
    servers: dict = field(default_factory=dict)
    jobs: dict = field(default_factory=dict)
    recovery_instances: dict = field(default_factory=dict)
    recovery_plans: dict = field(default_factory=dict)  # ARN -> RecoveryPlan (lab/drs/recovery_plans.py)
    deleted_arns: set = field(default_factory=set)


def _page(items: list, params: dict, op: str) -> dict:
    size = int(params.get("maxResults") or DEFAULT_PAGE)
    start = 0
    token = params.get("nextToken")
    if token:
        try:
            op_name, offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")
            start = int(offset)
            assert op_name == op
        except Exception:
            raise ValidationError("The nextToken is not valid for this operation.", [{"name": "nextToken", "message": "invalid token"}])
    out = {"items": items[start:start + size]}
    if start + size < len(items):
        out["nextToken"] = base64.urlsafe_b64encode(f"{op}:{start + size}".encode()).decode()
    return out


class DrsService(RecoveryPlanOperations):
    def __init__(self, clock, ids, timings: Timings | None = None, faults=None, seed: int = 0):
        self.clock = clock
        self.ids = ids
        self.timings = timings or Timings()
        self.faults = faults
        self.rng = random.Random(f"lab-drs-{seed}")
        self.regions: dict[tuple[str, str], Region] = {}
        self._events: list = []
        self._seq = itertools.count()
        self.lock = threading.RLock()

    # ----- state -----------------------------------------------------------------------------
    def region(self, account: str, region: str) -> Region:
        key = (account, region)
        if key not in self.regions:
            self.regions[key] = Region(account, region)
        return self.regions[key]

    def _schedule(self, when: datetime, fn) -> None:
        heapq.heappush(self._events, (when, next(self._seq), fn))

    def tick(self) -> None:
        """Run every scheduled event whose simulated time has come, in time order."""
        with self.lock:
            now = self.clock.now()
            while self._events and self._events[0][0] <= now:
                when, _, fn = heapq.heappop(self._events)
                fn(when)

    def _jitter(self, seconds: float) -> float:
        j = self.timings.jitter
        return max(0.0, seconds * (1 + self.rng.uniform(-j, j))) if seconds else 0.0

    def find_server_anywhere(self, arn_value: str) -> SourceServer | None:
        for reg in self.regions.values():
            for srv in reg.servers.values():
                if srv.arn == arn_value:
                    return srv
        return None

    # ----- dispatch ----------------------------------------------------------------------------
    def handle(self, op: str, account: str, region: str, params: dict):
        """Run one operation; returns the response body (dict) or None for an empty body."""
        with self.lock:
            self.tick()
            reg = self.region(account, region)
            if op not in NO_UNINIT and not reg.initialized:
                raise UninitializedAccount(account, region)
            handler = getattr(self, "op_" + op, None)
            if handler is None:
                raise ValidationError(f"Operation {op} is not supported by the lab.", reason="unknownOperation")
            return handler(reg, params)

    # ----- helpers -------------------------------------------------------------------------------
    def _server(self, reg: Region, sid: str, error=ResourceNotFound) -> SourceServer:
        srv = reg.servers.get(sid)
        if srv is None:
            if error is ResourceNotFound:
                raise ResourceNotFound(f"Source server {sid} not found in {reg.account}/{reg.region}.", sid, "SOURCE_SERVER")
            raise error(f"Source server {sid} not found in {reg.account}/{reg.region}.", sid, "SOURCE_SERVER")
        return srv

    def _ri(self, reg: Region, rid: str, error=ResourceNotFound) -> RecoveryInstance:
        ri = reg.recovery_instances.get(rid)
        if ri is None:
            raise error(f"Recovery instance {rid} not found in {reg.account}/{reg.region}.", rid, "RECOVERY_INSTANCE")
        return ri

    def _active_jobs(self, reg: Region) -> list[Job]:
        return [j for j in reg.jobs.values() if j.active]

    def _ec2_state(self, reg: Region, instance_id: str) -> tuple[str, str | None]:
        view = ec2.get_instance(reg.account, reg.region, instance_id)
        if view is None:
            return "NOT_FOUND", None
        return EC2_STATE.get(view.state, "NOT_FOUND"), view.private_ip

    def _set_replication(self, target, state: str, lag_s, when: datetime) -> None:
        target.replication_state = state
        target.lag_s = lag_s
        if isinstance(target, SourceServer):
            if state in READY_STATES and target.replication_since is None:
                target.replication_since = when

    def _plan_replication(self, target, start: datetime, mirror=None) -> None:
        """INITIATING -> INITIAL_SYNC -> CONTINUOUS with a falling lag; ``mirror`` follows along."""
        t = self.timings
        steps = [(start, "INITIATING", None), (start + timedelta(seconds=t.reverse_initiating_s), "INITIAL_SYNC", t.reverse_initial_lag_s)]
        sync_start = steps[-1][0]
        for frac in (0.5, 0.8):
            steps.append((sync_start + timedelta(seconds=t.reverse_initial_sync_s * frac), "INITIAL_SYNC", t.reverse_initial_lag_s * (1 - frac)))
        steps.append((sync_start + timedelta(seconds=t.reverse_initial_sync_s), "CONTINUOUS", 2.0))
        generation = object()
        target.schedule = generation
        for when, state, lag in steps:
            def apply(at, state=state, lag=lag, gen=generation):
                if target.schedule is not gen:
                    return  # superseded by a later start/stop
                self._set_replication(target, state, lag, at)
                if mirror is not None and not getattr(mirror, "disconnected", False):
                    self._set_replication(mirror, state, lag, at)
            if when <= start:
                apply(start)
            else:
                self._schedule(when, apply)

    def _snapshots(self, srv: SourceServer) -> list[dict]:
        """Points in time taken every snapshot_interval_s while the server replicates."""
        now = self.clock.now()
        if srv.replication_state in READY_STATES and srv.replication_since is not None:
            interval = timedelta(seconds=max(1.0, self.timings.snapshot_interval_s))
            nxt = srv.replication_since if srv.last_snapshot_at is None else srv.last_snapshot_at + interval
            oldest_kept = now - interval * SNAPSHOT_RETENTION
            if nxt < oldest_kept:  # skip points in time that retention would already have dropped
                nxt += interval * int((oldest_kept - nxt) / interval)
            while nxt <= now:
                self._add_snapshot(srv, nxt)
                nxt += interval
        return srv.snapshots

    def _add_snapshot(self, srv: SourceServer, when: datetime) -> dict:
        snap = {"snapshotID": self.ids.snapshot(), "time": when, "ebsSnapshots": [self.ids.ebs_snapshot() for _ in srv.disks]}
        srv.snapshots.append(snap)
        srv.last_snapshot_at = when
        del srv.snapshots[:-SNAPSHOT_RETENTION]
        return snap

    # ----- service and servers ---------------------------------------------------------------
    def op_InitializeService(self, reg, params):
        reg.initialized = True  # idempotent in the lab (UNVERIFIED in AWS)
        return None

    def op_DescribeSourceServers(self, reg, params):
        filters = params.get("filters") or {}
        ids = set(filters.get("sourceServerIDs") or [])
        staging = set(filters.get("stagingAccountIDs") or [])
        items = []
        for srv in sorted(reg.servers.values(), key=lambda s: s.id):
            if ids and srv.id not in ids:
                continue
            if staging and (srv.staging_account or srv.account) not in staging:
                continue
            items.append(srv.api())
        return _page(items, params, "DescribeSourceServers")

    def _launch_config_api(self, srv: SourceServer) -> dict:
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in srv.launch_config.items()}

    def op_GetLaunchConfiguration(self, reg, params):
        return self._launch_config_api(self._server(reg, params["sourceServerID"]))

    def op_UpdateLaunchConfiguration(self, reg, params):
        srv = self._server(reg, params["sourceServerID"])
        merged = self._launch_config_api(srv)
        for key in ("name", "launchDisposition", "targetInstanceTypeRightSizingMethod", "copyPrivateIp", "copyTags",
                    "licensing", "postLaunchEnabled", "recoveryMode"):
            if key in params:
                merged[key] = params[key]
        if "launchIntoInstanceProperties" in params:
            target_id = (params["launchIntoInstanceProperties"] or {}).get("launchIntoEC2InstanceID") or ""
            merged["launchIntoInstanceProperties"] = {"launchIntoEC2InstanceID": target_id} if target_id else {}
        target_id = (merged.get("launchIntoInstanceProperties") or {}).get("launchIntoEC2InstanceID")
        if target_id:
            self._check_launch_into_settings(reg, srv, target_id, merged)
        srv.launch_config = merged
        return self._launch_config_api(srv)

    def _check_launch_into_settings(self, reg, srv, target_id, merged) -> None:
        field_name = "launchIntoInstanceProperties.launchIntoEC2InstanceID"
        view = ec2.get_instance(reg.account, reg.region, target_id)
        if view is None or view.state == "terminated":
            raise ValidationError(
                f"Instance {target_id} does not exist in account {reg.account} Region {reg.region}; "
                "a launch into instance must be in the same account and Region as the recovery.",
                [{"name": field_name, "message": "instance not found"}],
            )
        mismatches = []
        if view.architecture != srv.architecture:
            mismatches.append("Architecture")
        if view.platform != srv.platform:
            mismatches.append("Platform")
        if mismatches:
            raise ValidationError(
                f"You cannot define the EC2 instance {target_id} as a launch into instance ID as is has conflicting "
                f"instance settings to those of the source server ({srv.id}). The following fields have a "
                f"configuration mismatch: {', '.join(mismatches)}.",
                [{"name": field_name, "message": f"configuration mismatch: {', '.join(mismatches)}"}],
            )
        flags = [k for k in ("copyPrivateIp", "copyTags") if merged.get(k)]
        if flags:
            raise ValidationError(
                f"{' and '.join(flags)} must be false when launching into instance {target_id}.",
                [{"name": k, "message": "must be false with launchIntoInstanceProperties"} for k in flags],
            )
        for other in reg.servers.values():
            other_target = (other.launch_config.get("launchIntoInstanceProperties") or {}).get("launchIntoEC2InstanceID")
            if other.id != srv.id and other_target == target_id:
                # Lab choice (UNVERIFIED in AWS): one target, one source server.
                raise Conflict(
                    f"Instance {target_id} is already the launch into instance of source server {other.id}.",
                    target_id, "LAUNCH_INTO_INSTANCE",
                )

    def op_GetReplicationConfiguration(self, reg, params):
        srv = self._server(reg, params["sourceServerID"])
        return {
            "sourceServerID": srv.id,
            "name": srv.hostname[:128],
            "stagingAreaSubnetId": reg.launch_subnet or "subnet-00000000",
            "associateDefaultSecurityGroup": True,
            "replicationServersSecurityGroupsIDs": [],
            "replicationServerInstanceType": "t3.small",
            "useDedicatedReplicationServer": False,
            "defaultLargeStagingDiskType": "GP3",
            "replicatedDisks": [
                {"deviceName": dev, "isBootDisk": i == 0, "stagingDiskType": "AUTO"} for i, (dev, _) in enumerate(srv.disks)
            ],
            "ebsEncryption": "DEFAULT",
            "bandwidthThrottling": 0,
            "dataPlaneRouting": "PRIVATE_IP",
            "createPublicIP": False,
            "stagingAreaTags": {},
            "pitPolicy": [
                {"ruleID": 1, "units": "MINUTE", "interval": 10, "retentionDuration": 60, "enabled": True},
                {"ruleID": 2, "units": "HOUR", "interval": 1, "retentionDuration": 24, "enabled": True},
                {"ruleID": 3, "units": "DAY", "interval": 1, "retentionDuration": 7, "enabled": True},
            ],
            "autoReplicateNewDisks": True,
            "internetProtocol": "IPV4",
        }

    def op_DescribeRecoverySnapshots(self, reg, params):
        srv = self._server(reg, params["sourceServerID"])
        filters = params.get("filters") or {}
        lo = parse_iso(filters["fromDateTime"]) if filters.get("fromDateTime") else None
        hi = parse_iso(filters["toDateTime"]) if filters.get("toDateTime") else None
        snaps = [s for s in self._snapshots(srv) if (lo is None or s["time"] >= lo) and (hi is None or s["time"] <= hi)]
        snaps.sort(key=lambda s: s["time"], reverse=params.get("order") == "DESC")
        items = [
            {"snapshotID": s["snapshotID"], "sourceServerID": srv.id, "expectedTimestamp": iso(s["time"]),
             "timestamp": iso(s["time"]), "ebsSnapshots": list(s["ebsSnapshots"])}
            for s in snaps
        ]
        return _page(items, params, "DescribeRecoverySnapshots")

    def op_StopReplication(self, reg, params):
        srv = self._server(reg, params["sourceServerID"])
        if srv.disconnected:
            raise Conflict(f"Source server {srv.id} is disconnected; there is no replication to stop.", srv.id, "SOURCE_SERVER")
        srv.schedule = None
        self._set_replication(srv, "STOPPED", None, self.clock.now())
        srv.snapshots.clear()  # StopReplication deletes all points in time
        srv.last_snapshot_at = None
        srv.replication_since = None
        for ri in self._reverse_mirrors(srv):
            ri.schedule = None
            self._set_replication(ri, "STOPPED", None, self.clock.now())
        return {"sourceServer": srv.api()}

    def _reverse_mirrors(self, srv: SourceServer) -> list[RecoveryInstance]:
        """Recovery instances whose reverse replication feeds this FAILBACK-direction server."""
        out = []
        for reg in self.regions.values():
            for ri in reg.recovery_instances.values():
                if ri.reversed_arn == srv.arn:
                    out.append(ri)
        return out

    def op_StartReplication(self, reg, params):
        srv = self._server(reg, params["sourceServerID"])
        if srv.disconnected:
            raise Conflict(f"Source server {srv.id} is disconnected; reinstall the agent to replicate again.", srv.id, "SOURCE_SERVER")
        if srv.replication_state != "STOPPED":
            raise Conflict(f"Source server {srv.id} is already replicating ({srv.replication_state}).", srv.id, "SOURCE_SERVER")
        mirrors = self._reverse_mirrors(srv)
        self._plan_replication(srv, self.clock.now(), mirror=mirrors[0] if mirrors else None)
        return {"sourceServer": srv.api()}

    def op_DisconnectSourceServer(self, reg, params):
        srv = self._server(reg, params["sourceServerID"])
        if srv.recovery_instance_id and srv.recovery_instance_id in reg.recovery_instances:
            raise Conflict(
                f"Source server {srv.id} has recovery instance {srv.recovery_instance_id}; "
                "terminate or delete it before disconnecting the server.", srv.id, "SOURCE_SERVER")
        srv.schedule = None
        self._set_replication(srv, "DISCONNECTED", None, self.clock.now())
        return srv.api()

    def op_DeleteSourceServer(self, reg, params):
        srv = self._server(reg, params["sourceServerID"])
        if not srv.disconnected:
            raise Conflict(f"Source server {srv.id} must be disconnected before it is deleted.", srv.id, "SOURCE_SERVER")
        if any(srv.id in [s["sourceServerID"] for s in j.servers] for j in self._active_jobs(reg)):
            raise Conflict(f"Source server {srv.id} is in an active job.", srv.id, "SOURCE_SERVER")
        del reg.servers[srv.id]
        reg.deleted_arns.add(srv.arn)
        return None

    # ----- recovery ----------------------------------------------------------------------------
    def op_StartRecovery(self, reg, params):
        requested = params["sourceServers"]
        ids = [s["sourceServerID"] for s in requested]
        if len(ids) > MAX_SERVERS_PER_JOB:
            raise QuotaExceeded(f"A job can include at most {MAX_SERVERS_PER_JOB} source servers; {len(ids)} were requested.", "L-B827C881")
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise Conflict(f"Source servers appear more than once in the request: {', '.join(dup)}.", dup[0], "SOURCE_SERVER")
        for sid in ids:
            if sid not in reg.servers:
                # Lab choice: the model lists no ResourceNotFound for StartRecovery (UNVERIFIED).
                raise Conflict(f"Source server {sid} not found in {reg.account}/{reg.region}.", sid, "SOURCE_SERVER")
        active = self._active_jobs(reg)
        busy = {s["sourceServerID"]: j.id for j in active for s in j.servers}
        for sid in ids:
            if sid in busy:
                raise Conflict(f"Source server {sid} is already participating in active job {busy[sid]}.", sid, "SOURCE_SERVER")
        if len(active) >= MAX_CONCURRENT_JOBS:
            raise QuotaExceeded(f"The account already has {len(active)} jobs in progress (quota {MAX_CONCURRENT_JOBS}).", "L-D88FAC3A")
        in_jobs = sum(len(j.servers) for j in active)
        if in_jobs + len(ids) > MAX_SERVERS_IN_ACTIVE_JOBS:
            raise QuotaExceeded(
                f"{in_jobs} source servers are already in active jobs; adding {len(ids)} exceeds the quota of "
                f"{MAX_SERVERS_IN_ACTIVE_JOBS}.", "L-05AFA8C6")
        snapshots = {}
        for item in requested:
            if item.get("recoverySnapshotID"):
                srv = reg.servers[item["sourceServerID"]]
                snap = next((s for s in self._snapshots(srv) if s["snapshotID"] == item["recoverySnapshotID"]), None)
                if snap is None:
                    raise Conflict(
                        f"Recovery snapshot {item['recoverySnapshotID']} is not a point in time of source server {srv.id}.",
                        item["recoverySnapshotID"], "RECOVERY_SNAPSHOT")
                snapshots[srv.id] = snap
        is_drill = bool(params.get("isDrill", False))
        now = self.clock.now()
        job = Job(
            id=self.ids.job(), account=reg.account, region=reg.region, type="LAUNCH",
            initiated_by="START_DRILL" if is_drill else "START_RECOVERY", created=now,
            servers=[{"sourceServerID": sid, "launchStatus": "PENDING"} for sid in ids],
            tags=dict(params.get("tags") or {}), is_drill=is_drill,
        )
        reg.jobs[job.id] = job
        for sid in ids:
            srv = reg.servers[sid]
            srv.last_launch = {"jobID": job.id, "type": "DRILL" if is_drill else "RECOVERY", "time": now, "status": "PENDING"}
            srv.last_launch_result = "PENDING"
        self._plan_launch_job(reg, job, snapshots)
        return {"job": job.api()}

    def _plan_launch_job(self, reg: Region, job: Job, snapshots: dict) -> None:
        t = self.timings
        start = job.created + timedelta(seconds=self._jitter(t.job_pending_s))

        def job_start(at):
            job.status = "STARTED"
            job.add_log(at, "JOB_START")

        self._schedule(start, job_start)
        ends = []
        for entry in job.servers:
            sid = entry["sourceServerID"]
            srv = reg.servers[sid]
            cursor = start
            steps = []
            if srv.recovery_instance_id and srv.recovery_instance_id in reg.recovery_instances:
                steps.append((cursor, "cleanup_start"))
                cursor += timedelta(seconds=self._jitter(t.cleanup_s))
                steps.append((cursor, "cleanup_end"))
            steps.append((cursor, "snapshot_start"))
            cursor += timedelta(seconds=self._jitter(t.snapshot_s))
            steps.append((cursor, "snapshot_end"))
            if srv.launch_config.get("recoveryMode") != "FAST":  # FAST skips conversion
                steps.append((cursor, "conversion_start"))
                cursor += timedelta(seconds=self._jitter(t.conversion_s))
                steps.append((cursor, "conversion_end"))
            steps.append((cursor, "launch_start"))
            cursor += timedelta(seconds=self._jitter(t.launch_s))
            steps.append((cursor, "launched"))
            ends.append(cursor)
            ctx = {"failed": False, "snapshot": snapshots.get(sid)}
            for when, step in steps:
                self._schedule(when, lambda at, step=step, sid=sid, ctx=ctx: self._launch_step(reg, job, sid, step, ctx, at))

        def job_end(at):
            job.status = "COMPLETED"
            job.ended = at
            job.add_log(at, "JOB_END")

        self._schedule(max(ends) + timedelta(seconds=1), job_end)

    def _fail(self, job, srv, entry, ctx, at, event, message):
        ctx["failed"] = True
        entry["launchStatus"] = "FAILED"
        job.add_log(at, event, sourceServerID=srv.id, rawError=message)
        srv.last_launch_result = "FAILED"
        if srv.last_launch and srv.last_launch["jobID"] == job.id:
            srv.last_launch["status"] = "FAILED"

    def _launch_step(self, reg: Region, job: Job, sid: str, step: str, ctx: dict, at: datetime) -> None:
        if ctx["failed"]:
            return
        srv = reg.servers.get(sid)
        entry = job.server(sid)
        if srv is None:
            entry["launchStatus"] = "FAILED"
            ctx["failed"] = True
            job.add_log(at, "SERVER_SKIPPED", sourceServerID=sid, rawError="The source server was deleted during the job.")
            return
        if step == "cleanup_start":
            job.add_log(at, "CLEANUP_START", sourceServerID=sid)
            self._cleanup_previous(reg, srv)
        elif step == "cleanup_end":
            job.add_log(at, "CLEANUP_END", sourceServerID=sid)
        elif step == "snapshot_start":
            entry["launchStatus"] = "IN_PROGRESS"
            if srv.last_launch and srv.last_launch["jobID"] == job.id:
                srv.last_launch["status"] = "IN_PROGRESS"
            if ctx["snapshot"] is not None:
                job.add_log(at, "USING_PREVIOUS_SNAPSHOT", sourceServerID=sid)
                ctx["snapshot_done"] = True
            elif srv.replication_state in READY_STATES:
                job.add_log(at, "SNAPSHOT_START", sourceServerID=sid)
            elif srv.replication_state in PREVIOUS_SNAPSHOT_STATES and self._snapshots(srv):
                ctx["snapshot"] = srv.snapshots[-1]
                job.add_log(at, "USING_PREVIOUS_SNAPSHOT", sourceServerID=sid)
                ctx["snapshot_done"] = True
            else:
                self._fail(job, srv, entry, ctx, at, "SERVER_SKIPPED",
                           f"Source server {sid} cannot be launched: data replication state is {srv.replication_state}, "
                           "the server lifecycle state is not READY_FOR_TEST.")
        elif step == "snapshot_end":
            if not ctx.get("snapshot_done"):
                self._snapshots(srv)  # the periodic points in time up to now come first
                ctx["snapshot"] = self._add_snapshot(srv, at)
                job.add_log(at, "SNAPSHOT_END", sourceServerID=sid)
        elif step == "conversion_start":
            ctx["conversion_server"] = self.ids.conversion_server()
            job.add_log(at, "CONVERSION_START", sourceServerID=sid, conversionServerID=ctx["conversion_server"])
        elif step == "conversion_end":
            job.add_log(at, "CONVERSION_END", sourceServerID=sid, conversionServerID=ctx["conversion_server"])
        elif step == "launch_start":
            target = (srv.launch_config.get("launchIntoInstanceProperties") or {}).get("launchIntoEC2InstanceID")
            ctx["target"] = target
            job.add_log(at, "LAUNCH_START", sourceServerID=sid, targetInstanceID=target)
            problem = self._launch_problem(reg, srv, target)
            if problem is None and self.faults is not None:
                problem = self.faults.launch_failure(sid)
            if problem:
                self._fail(job, srv, entry, ctx, at, "LAUNCH_FAILED", problem)
        elif step == "launched":
            self._launch(reg, job, srv, entry, ctx, at)

    def _launch_problem(self, reg: Region, srv: SourceServer, target: str | None) -> str | None:
        """Prerequisites DRS checks at launch time; a message becomes the LAUNCH_FAILED rawError."""
        if not target:
            return None
        view = ec2.get_instance(reg.account, reg.region, target)
        if view is None or view.state == "terminated":
            return f"Launch into instance {target} was not found in account {reg.account} Region {reg.region}."
        if not view.tagged_for_launch_into:
            return (f"Instance {target} cannot be launched into: it is missing the tag "
                    "AWSDRS=AllowLaunchingIntoThisInstance.")
        if view.state != "stopped":
            return f"Instance {target} cannot be launched into: it must be stopped (current state: {view.state})."
        mismatches = [n for n, a, b in (("Architecture", view.architecture, srv.architecture),
                                        ("Platform", view.platform, srv.platform)) if a != b]
        if mismatches:
            return (f"Instance {target} cannot be launched into: conflicting instance settings to those of the source "
                    f"server ({srv.id}): {', '.join(mismatches)}.")
        if srv.launch_config.get("copyPrivateIp") or srv.launch_config.get("copyTags"):
            return f"Instance {target} cannot be launched into while copyPrivateIp or copyTags is enabled."
        return None

    def _cleanup_previous(self, reg: Region, srv: SourceServer) -> None:
        """A new launch first removes the server's previous recovery instance.

        Lab choice: an instance that was launched into (pre-provisioned or original) is never terminated
        here; only its DRS record goes. An ordinary recovery instance is terminated.
        """
        ri = reg.recovery_instances.pop(srv.recovery_instance_id, None)
        srv.recovery_instance_id = None
        if ri is not None and not ri.launched_into:
            ec2.terminate(reg.account, reg.region, ri.id)

    def _launch(self, reg, job, srv, entry, ctx, at) -> None:
        cfg = srv.launch_config
        start = cfg.get("launchDisposition", "STARTED") == "STARTED"
        target = ctx.get("target")
        try:
            if target:
                effect = ec2.launch_into(reg.account, reg.region, target, srv.disk_sizes_gib, job_id=job.id,
                                         source_server_id=srv.id, start=start)
                instance_id = target
            else:
                private_ip = None
                if cfg.get("copyPrivateIp") and srv.nics:
                    private_ip = (srv.nics[0].get("ips") or [None])[0]
                tags = dict(srv.tags) if cfg.get("copyTags") else {}
                tags.setdefault("Name", srv.hostname)
                tags["AWSElasticDisasterRecoveryManaged"] = "drs.amazonaws.com"
                try:
                    instance_id = ec2.run_instance(reg.account, reg.region, platform=srv.platform, architecture=srv.architecture,
                                                   instance_type=srv.recommended_type, subnet_id=reg.launch_subnet,
                                                   private_ip=private_ip, tags=tags, start=start)
                except Exception:
                    if private_ip is None:
                        raise
                    instance_id = ec2.run_instance(reg.account, reg.region, platform=srv.platform, architecture=srv.architecture,
                                                   instance_type=srv.recommended_type, subnet_id=reg.launch_subnet,
                                                   tags=tags, start=start)
                view = ec2.get_instance(reg.account, reg.region, instance_id)
                effect = {"created": [{"device": d, "volume_id": v} for d, v, _ in view.volumes], "displaced": []}
        except Exception as exc:  # an EC2 refusal becomes the server's failure, as in DRS
            self._fail(job, srv, entry, ctx, at, "LAUNCH_FAILED", f"EC2 rejected the launch: {exc}")
            return
        snap = ctx.get("snapshot")
        ri = RecoveryInstance(
            id=instance_id, account=reg.account, region=reg.region, source_server_id=srv.id, job_id=job.id,
            is_drill=job.is_drill, point_in_time=snap["time"] if snap else at, launched_at=at,
            launched_into=bool(target), origin_environment="AWS" if srv.origin_region else "ON_PREMISES",
            origin_az=srv.origin_az, hostname=srv.hostname, platform=srv.platform,
            volumes=effect["created"], displaced_volumes=effect["displaced"],
        )
        reg.recovery_instances[ri.id] = ri
        srv.recovery_instance_id = ri.id
        entry["launchStatus"] = "LAUNCHED"
        entry["recoveryInstanceID"] = ri.id
        srv.last_launch_result = "SUCCEEDED"
        if srv.last_launch and srv.last_launch["jobID"] == job.id:
            srv.last_launch["status"] = "LAUNCHED"

    # ----- jobs ----------------------------------------------------------------------------------
    def op_DescribeJobs(self, reg, params):
        filters = params.get("filters") or {}
        ids = set(filters.get("jobIDs") or [])
        lo = parse_iso(filters["fromDate"]) if filters.get("fromDate") else None
        hi = parse_iso(filters["toDate"]) if filters.get("toDate") else None
        jobs = [j for j in reg.jobs.values() if (not ids or j.id in ids) and (lo is None or j.created >= lo)
                and (hi is None or j.created <= hi)]
        jobs.sort(key=lambda j: (j.created, j.id), reverse=True)  # newest first
        return _page([j.api() for j in jobs], params, "DescribeJobs")

    def op_DescribeJobLogItems(self, reg, params):
        job = reg.jobs.get(params["jobID"])
        return _page(list(job.log) if job else [], params, "DescribeJobLogItems")

    # ----- recovery instances ------------------------------------------------------------------
    def op_DescribeRecoveryInstances(self, reg, params):
        filters = params.get("filters") or {}
        ids = set(filters.get("recoveryInstanceIDs") or [])
        sids = set(filters.get("sourceServerIDs") or [])
        items = []
        for ri in sorted(reg.recovery_instances.values(), key=lambda r: r.id):
            if (ids and ri.id not in ids) or (sids and ri.source_server_id not in sids):
                continue
            state, ip = self._ec2_state(reg, ri.id)
            srv = reg.servers.get(ri.source_server_id)
            disk_bytes = [b for _, b in srv.disks] if srv else [8 * 1024**3] * len(ri.volumes)
            items.append(ri.api(state, ip, disk_bytes, srv.cpus if srv else 2, srv.ram_bytes if srv else 4 * 1024**3,
                                srv.os_full if srv else "unknown"))
        return _page(items, params, "DescribeRecoveryInstances")

    def op_TerminateRecoveryInstances(self, reg, params):
        rids = params["recoveryInstanceIDs"]
        if len(rids) > MAX_SERVERS_PER_JOB:
            raise QuotaExceeded(f"At most {MAX_SERVERS_PER_JOB} recovery instances per operation; {len(rids)} were requested.", "L-B827C881")
        active = self._active_jobs(reg)
        if len(active) >= MAX_CONCURRENT_JOBS:
            raise QuotaExceeded(f"The account already has {len(active)} jobs in progress (quota {MAX_CONCURRENT_JOBS}).", "L-D88FAC3A")
        busy = {s.get("recoveryInstanceID") for j in active for s in j.servers}
        instances = []
        for rid in rids:
            ri = self._ri(reg, rid, error=Conflict)
            if rid in busy:
                raise Conflict(f"Recovery instance {rid} is already part of an active job.", rid, "RECOVERY_INSTANCE")
            reversed_srv = self.find_server_anywhere(ri.reversed_arn) if ri.reversed_arn else None
            if reversed_srv is not None and reversed_srv.replication_state not in ("STOPPED", "DISCONNECTED"):
                raise Conflict(
                    f"Recovery instance {rid} is the source of reversed replication to {reversed_srv.arn}; "
                    "stop replication of that source server before terminating.", rid, "RECOVERY_INSTANCE")
            instances.append(ri)
        now = self.clock.now()
        job = Job(id=self.ids.job(), account=reg.account, region=reg.region, type="TERMINATE",
                  initiated_by="TERMINATE_RECOVERY_INSTANCES", created=now,
                  servers=[{"sourceServerID": ri.source_server_id, "launchStatus": "PENDING", "recoveryInstanceID": ri.id} for ri in instances])
        reg.jobs[job.id] = job
        start = now + timedelta(seconds=self._jitter(self.timings.job_pending_s))

        def job_start(at):
            job.status = "STARTED"
            job.add_log(at, "JOB_START")
            for entry in job.servers:
                entry["launchStatus"] = "IN_PROGRESS"

        self._schedule(start, job_start)
        end = start
        for ri in instances:
            when = start + timedelta(seconds=self._jitter(self.timings.terminate_s))
            end = max(end, when)

            def terminate(at, ri=ri):
                ec2.terminate(reg.account, reg.region, ri.id)  # DRS terminates the EC2 instance, launch-into or not
                reg.recovery_instances.pop(ri.id, None)
                srv = reg.servers.get(ri.source_server_id)
                if srv is not None and srv.recovery_instance_id == ri.id:
                    srv.recovery_instance_id = None
                next(s for s in job.servers if s.get("recoveryInstanceID") == ri.id)["launchStatus"] = "TERMINATED"

            self._schedule(when, terminate)

        def job_end(at):
            job.status = "COMPLETED"
            job.ended = at
            job.add_log(at, "JOB_END")

        self._schedule(end + timedelta(seconds=1), job_end)
        return {"job": job.api()}

    def op_DisconnectRecoveryInstance(self, reg, params):
        ri = self._ri(reg, params["recoveryInstanceID"])
        if ri.reversed_arn and self.find_server_anywhere(ri.reversed_arn) is not None:
            raise Conflict(
                f"Recovery instance {ri.id} has started reversed replication; it cannot be disconnected. "
                "Delete it instead after stopping the reversed replication.", ri.id, "RECOVERY_INSTANCE")
        ri.disconnected = True
        ri.schedule = None
        ri.replication_state = "DISCONNECTED"
        ri.lag_s = None
        return None

    def op_DeleteRecoveryInstance(self, reg, params):
        ri = self._ri(reg, params["recoveryInstanceID"], error=Conflict)
        srv = reg.servers.get(ri.source_server_id)
        from_failback = srv is not None and srv.direction == "FAILBACK"
        if not ri.disconnected and not from_failback:
            raise Conflict(f"Recovery instance {ri.id} must be disconnected before it is deleted.", ri.id, "RECOVERY_INSTANCE")
        del reg.recovery_instances[ri.id]  # the EC2 instance is not touched
        reg.deleted_arns.add(ri.arn)
        if srv is not None and srv.recovery_instance_id == ri.id:
            srv.recovery_instance_id = None
        return None

    # ----- failback ------------------------------------------------------------------------------
    def op_ReverseReplication(self, reg, params):
        ri = self._ri(reg, params["recoveryInstanceID"])
        if ri.origin_environment != "AWS":
            raise ValidationError(f"Recovery instance {ri.id} did not originate in EC2; reversed replication is only "
                                  "supported for EC2-originated instances.", reason="other")
        state, _ = self._ec2_state(reg, ri.id)
        if state != "RUNNING":
            raise Conflict(f"Recovery instance {ri.id} must be running to start reversed replication (EC2 state {state}).",
                           ri.id, "RECOVERY_INSTANCE")
        if ri.disconnected:
            raise Conflict(f"Recovery instance {ri.id} is disconnected.", ri.id, "RECOVERY_INSTANCE")
        existing = self.find_server_anywhere(ri.reversed_arn) if ri.reversed_arn else None
        if existing is not None and existing.replication_state not in ("STOPPED", "DISCONNECTED"):
            raise Conflict(f"Recovery instance {ri.id} is already replicating to {existing.arn}.", ri.id, "RECOVERY_INSTANCE")
        srv = self._server(reg, ri.source_server_id)
        now = self.clock.now()
        if srv.direction == "FAILBACK":
            return {"reversedDirectionSourceServerArn": self._reprotect(ri, srv, now)}
        origin_account, origin_region = srv.origin_account, srv.origin_region
        origin = self.region(origin_account, origin_region)
        if not origin.initialized:
            raise ValidationError(f"Elastic Disaster Recovery is not initialized in origin Region {origin_region} of "
                                  f"account {origin_account}; initialize it there first.", reason="other")
        launch_config = {
            "sourceServerID": "", "name": srv.hostname[:128], "ec2LaunchTemplateID": "lt-" + self.ids.uuid()[:17].replace("-", "0"),
            "launchDisposition": "STARTED", "targetInstanceTypeRightSizingMethod": "NONE", "copyPrivateIp": False,
            "copyTags": False, "licensing": {"osByol": False}, "postLaunchEnabled": False, "launchIntoInstanceProperties": {},
        }
        original = srv.aws_instance_id
        if origin.launch_into_source_instance and original:
            view = ec2.get_instance(origin_account, origin_region, original)
            problems = []
            if view is None or view.state == "terminated":
                problems.append(f"original instance {original} not found")
            else:
                if not view.tagged_for_launch_into:
                    problems.append("missing tag AWSDRS=AllowLaunchingIntoThisInstance")
                if view.platform != srv.platform:
                    problems.append("Platform mismatch")
                if view.architecture != srv.architecture:
                    problems.append("Architecture mismatch")
            if problems:
                raise ValidationError(
                    f"Cannot create the reversed source server: launch into source instance is enabled and original "
                    f"instance {original} does not meet the prerequisites ({'; '.join(problems)}).", reason="other")
            launch_config["launchIntoInstanceProperties"] = {"launchIntoEC2InstanceID": original}
        reversed_srv = SourceServer(
            id=self.ids.source_server(), account=origin_account, region=origin_region, hostname=srv.hostname, added=now,
            platform=srv.platform, architecture=srv.architecture, os_full=srv.os_full, fqdn=srv.fqdn,
            aws_instance_id=ri.id, origin_account=reg.account, origin_region=reg.region,
            origin_az=ec2.get_instance(reg.account, reg.region, ri.id).availability_zone,
            disks=list(srv.disks), nics=[dict(n) for n in srv.nics], cpus=srv.cpus, ram_bytes=srv.ram_bytes,
            recommended_type=srv.recommended_type, tags=dict(srv.tags), direction="FAILBACK",
            reversed_arn=srv.arn, staging_account=origin_account,
        )
        launch_config["sourceServerID"] = reversed_srv.id
        reversed_srv.launch_config = launch_config
        origin.servers[reversed_srv.id] = reversed_srv
        srv.reversed_arn = reversed_srv.arn
        ri.reversed_arn = reversed_srv.arn
        ri.failback_state = "FAILBACK_IN_PROGRESS"
        self._plan_replication(reversed_srv, now, mirror=ri)
        return {"reversedDirectionSourceServerArn": reversed_srv.arn}

    def _reprotect(self, ri: RecoveryInstance, failback_srv: SourceServer, now: datetime) -> str:
        """ReverseReplication on a failback instance re-points the forward source server at it."""
        forward = self.find_server_anywhere(failback_srv.reversed_arn) if failback_srv.reversed_arn else None
        if forward is None:
            raise Conflict(f"The forward source server of {failback_srv.id} no longer exists; cannot re-protect {ri.id}.",
                           ri.id, "RECOVERY_INSTANCE")
        forward.aws_instance_id = ri.id
        forward.snapshots.clear()
        forward.last_snapshot_at = None
        forward.replication_since = None
        forward.reversed_arn = failback_srv.arn
        ri.reversed_arn = forward.arn
        self._plan_replication(forward, now, mirror=ri)
        return forward.arn

    # ----- tags ----------------------------------------------------------------------------------
    def _tag_target(self, reg: Region, arn_value: str):
        parts = arn_value.split(":", 5)
        if len(parts) != 6 or parts[2] != "drs" or "/" not in parts[5]:
            raise ValidationError(f"{arn_value} is not a DRS resource ARN.", [{"name": "resourceArn", "message": "invalid ARN"}])
        region, account, (kind, rid) = parts[3], parts[4], parts[5].split("/", 1)
        if (account, region) != (reg.account, reg.region):
            raise ResourceNotFound(f"Resource {arn_value} not found in {reg.account}/{reg.region}.", rid, kind)
        table = {"source-server": reg.servers, "job": reg.jobs, "recovery-instance": reg.recovery_instances}.get(kind)
        obj = table.get(rid) if table is not None else None
        if kind == "recovery-plan" and "/" not in rid:
            obj = reg.recovery_plans.get(arn_value)
        if obj is None:
            raise ResourceNotFound(f"Resource {arn_value} not found.", rid, kind)
        return obj

    def op_ListTagsForResource(self, reg, params):
        return {"tags": dict(self._tag_target(reg, params["resourceArn"]).tags)}

    def op_TagResource(self, reg, params):
        obj = self._tag_target(reg, params["resourceArn"])
        merged = {**obj.tags, **params["tags"]}
        if len(merged) > MAX_TAGS:
            raise ValidationError(f"A resource can have at most {MAX_TAGS} tags.", [{"name": "tags", "message": "too many tags"}])
        obj.tags = merged
        return None

    def op_UntagResource(self, reg, params):
        obj = self._tag_target(reg, params["resourceArn"])
        for key in params.get("tagKeys") or []:
            obj.tags.pop(key, None)
        return None
