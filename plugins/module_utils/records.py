# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run's vocabulary and its rules, in one place: pure Python, no AWS, no Ansible.

Owns the server, wave and verdict statuses, the problem kinds and shapes, the one wave status rule (failover, drill
and failback), the run record, RTO (elapsed time) and the verdict, and time parsing and formatting. The filters in
plugins/filter/dr_record.py and dr_report.py, drs_job_wait and run_telemetry are thin users of it.

RTO is elapsed time: from the run's start (the declared incident time ``incident_time`` when the record has one,
else the run's first recovery action, the creation of its first DRS job) to the last server verified (launched
into the intended instance with the intended IP). A wave's RTO runs from the same start to the wave's last verified
server; a server's ``rto_s`` from the same start to its own launch. The report's timeline starts at the same
moment, so its last verified bar ends at the headline RTO by construction.
"""

import json
import math
from datetime import datetime, timezone

# --- server statuses (drs_job_wait) ------------------------------------------------------------------------------------
LAUNCHED = "launched"
FAILED = "failed"
IDENTITY_MISMATCH = "identity_mismatch"
IP_MISMATCH = "ip_mismatch"
IN_PROGRESS = "in_progress"
PENDING = "pending"
SERVER_FAILED = (FAILED, IDENTITY_MISMATCH, IP_MISMATCH)
SERVER_WAITING = (IN_PROGRESS, PENDING)
WOULD_START = "would_start"  # check mode: the real run would start this server
SERVER_STATUSES = (LAUNCHED,) + SERVER_FAILED + SERVER_WAITING + (WOULD_START,)

# --- wave statuses ------------------------------------------------------------------------------------------------------
WAVE_SUCCEEDED = "succeeded"
WAVE_PARTIAL = "partial"
WAVE_FAILED = "failed"
WAVE_SKIPPED = "skipped"
WAVE_PREVIEW = "preview"  # check mode: what the wave would do, nothing done
WAVE_STATUSES = (WAVE_SUCCEEDED, WAVE_PARTIAL, WAVE_FAILED, WAVE_SKIPPED, WAVE_PREVIEW)
SKIPPED_REASON = "an earlier wave failed (failure_policy=stop)"

# --- verdicts -----------------------------------------------------------------------------------------------------------
PASS = "PASS"
PARTIAL = "PARTIAL"
FAIL = "FAIL"
PREVIEW = "PREVIEW"  # a check-mode run: clean when every planned server would start and no problem stands in the way

# --- problem kinds ------------------------------------------------------------------------------------------------------
PAIRING_KINDS = ("unmatched", "ambiguous", "invalid", "blocked", "proposal")
DEFAULT_REMEDIATION = {
    "unmatched": "Give the target instance a Name (or tags) that pairs it with this source server, or add an override pair; "
                 "then run again with the same run ID.",
    "ambiguous": "Make the Name unique on both sides or add an override pair; then run again with the same run ID.",
    "invalid": "Fix the failed pair checks named in the message; then run again with the same run ID.",
    "blocked": "The evidence contradicts this pair (see the message): fix the tags or add an override pair with the pair playbook.",
    "proposal": "Review the proposal with the pair playbook and accept it there, or add an override pair.",
    "refused": "Fix the cause named in the message; then run again with the same run ID.",
    "failed": "Read the DRS job log for this server, fix the cause, then start a new job for it.",
    "mismatch": "Check the launch configuration of the server (drs_launch_into_config) and the ENI of the target instance.",
    "timeout": "Run again with the same run ID to keep waiting; nothing is started twice.",
    "skipped": "Fix the problems of the failed wave, then run again with the same run ID.",
}
FALLBACK_REMEDIATION = "See the task output of this wave in the play log."
TIMEOUT_REMEDIATION = "Run again with the same run ID to keep waiting; nothing is started twice."
MAX_NAMES_IN_REASON = 5
# Keys whose values are secrets wherever they appear in settings: never written to a record or printed.
SECRET_KEYS = ("external_id", "aws_secret_key", "secret_key", "aws_session_token", "session_token", "password")
REDACTED = "********"


# --- time ---------------------------------------------------------------------------------------------------------------


def parse_time(value):
    """An aware datetime from an ISO-8601 string ("...Z" allowed) or a datetime; None when absent or unreadable."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_time(moment):
    """2026-11-23T01:25:08.000Z for a datetime (or an ISO string); None for None."""
    moment = parse_time(moment)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if moment else None


def seconds_between(start, end):
    """Seconds from ``start`` to ``end`` (rounded to 0.1 s), None when either is unknown."""
    start, end = parse_time(start), parse_time(end)
    return round((end - start).total_seconds(), 1) if start and end else None


def mmss(seconds):
    """m:ss (minutes are not wrapped into hours: 75:00); an em dash for None."""
    if seconds is None:
        return "\u2014"
    sign = "-" if seconds < 0 else ""
    whole = int(round(abs(seconds)))
    return f"{sign}{whole // 60}:{whole % 60:02d}"


def number(value):
    """A float from a number or a numeric string; None for None, booleans, NaN and junk."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result


def flag(value):
    """True/False from a boolean or yes/no/true/false text; None otherwise."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else ""
    return True if text in ("true", "yes") else (False if text in ("false", "no") else None)


def redacted(value):
    """``value`` (settings, a plan, a role dict) with every secret (SECRET_KEYS, at any depth) replaced by REDACTED."""
    if isinstance(value, dict):
        return {k: (REDACTED if k in SECRET_KEYS and v not in (None, "") else redacted(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redacted(v) for v in value]
    return value


def dicts(value):
    return [item for item in value if isinstance(item, dict)] if isinstance(value, (list, tuple)) else []


def plural(count, word, words=None):
    """'1 problem', '2 problems' (``words`` for irregular plurals)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def names_text(items):
    shown = ", ".join(items[:MAX_NAMES_IN_REASON])
    rest = len(items) - MAX_NAMES_IN_REASON
    return shown + (f" and {rest} more" if rest > 0 else "")


# --- servers ------------------------------------------------------------------------------------------------------------


def server_state(server):
    """The server's status from drs_job_wait, or one derived from its DRS launch status for hand-written records."""
    status = str(server.get("status") or "").strip().lower()
    if status in SERVER_STATUSES:
        return status
    launch = str(server.get("launch_status") or "").upper()
    return {"LAUNCHED": LAUNCHED, "FAILED": FAILED, "PENDING": PENDING}.get(launch, IN_PROGRESS if launch else PENDING)


def server_verified(server):
    """Launched, and neither the instance nor the IP contradicts the plan: the server counts as recovered."""
    return (server_state(server) == LAUNCHED and flag(server.get("identity_preserved")) is not False
            and flag(server.get("ip_preserved")) is not False)


def wave_servers(servers, names=None, jobs=None, critical=None, planned_ids=None):
    """drs_job_wait servers + the matched name, the job's creation time and the critical flag.

    ``planned_ids`` maps a server's ID to the ID the plan knows it by (failback: reversed source server -> the forward
    source server of the plan); it is kept as ``planned_source_server_id``.
    """
    created = {j.get("job_id"): j.get("created_at") for j in jobs or []}
    out = []
    for server in servers or []:
        entry = dict(server)
        sid = server.get("source_server_id")
        entry["planned_source_server_id"] = (planned_ids or {}).get(sid, sid)
        entry["name"] = (names or {}).get(sid) or server.get("name") or sid
        entry["job_created_at"] = created.get(server.get("job_id"))
        entry["critical"] = sid in (critical or []) or entry["planned_source_server_id"] in (critical or [])
        out.append(entry)
    return out


# --- problems -----------------------------------------------------------------------------------------------------------


def problem(kind, severity, sid, name, message, remediation):
    """The one problem shape of wave records, readiness and reports."""
    return {"kind": kind, "severity": severity, "source_server_id": sid, "name": name, "message": message, "remediation": remediation}


def wave_problems(match, start=None, servers=None, error="", error_remediation=""):
    """Every problem of a wave, each with its remediation: unmatched, ambiguous, invalid, refused, failed, mismatched."""
    match = match or {}
    problems = []
    for kind, key in (("unmatched", "unmatched_sources"), ("ambiguous", "ambiguous"), ("blocked", "blocked")):
        for item in match.get(key) or []:
            problems.append(problem(kind, "error", item.get("source_server_id"), item.get("source_name"), item.get("reason"), item.get("remediation")))
    for item in match.get("proposals") or []:
        problems.append(problem("proposal", "error", item.get("source_server_id"), item.get("source_name"),
                                f"Only a fuzzy proposal ({item.get('target_instance_id')} {item.get('target_name')!s}, score {item.get('score')}) "
                                "pairs this server, and it was not accepted.", item.get("remediation")))
    for item in match.get("invalid_pairs") or []:
        failed = [c for c in item.get("checks") or [] if not c.get("passed") and c.get("severity") == "error"]
        problems.append(problem("invalid", "error", item.get("source_server_id"), item.get("source_name"),
                                "; ".join(c.get("message", "") for c in failed) or "pair failed validation", item.get("remediation")))
    for item in match.get("errors") or []:
        problems.append(problem("override", "error", None, None, item.get("message"), item.get("remediation")))
    names = {p.get("source_server_id"): p.get("source_name") for p in match.get("pairs") or []}
    for item in (start or {}).get("refused") or []:
        sid = item.get("source_server_id")
        problems.append(problem("refused", "error", sid, item.get("source_name") or names.get(sid), item.get("reason"), item.get("remediation")))
    for server in servers or []:
        status = server.get("status")
        if status in SERVER_FAILED:
            problems.append(problem("failed" if status == FAILED else "mismatch", "error", server.get("source_server_id"),
                                    server.get("name"), server.get("error"), server.get("remediation")))
        elif status in SERVER_WAITING:
            problems.append(problem("timeout", "error", server.get("source_server_id"), server.get("name"),
                                    f"still {server.get('launch_status')} when the wave stopped waiting", TIMEOUT_REMEDIATION))
    if error:
        problems.append(problem("wave", "error", None, None, error, error_remediation or "See the task output above."))
    return problems


def reprotect_problems(result):
    """Problems of a drs_reprotect result: one per instance not re-protected, or the task's message when it failed outright."""
    result = result or {}
    if not result or result.get("skipped"):
        return []
    again = " Then run the failback again with the same dr_run_id: it re-protects and cleans up, and launches nothing twice."
    problems = [problem("reprotect", "error", item.get("source_server_id"), item.get("recovery_instance_id"), item.get("error"),
                        (item.get("remediation") or "See the task output.") + again)
                for item in result.get("instances") or [] if item.get("error")]
    if result.get("failed") and not problems:
        problems.append(problem("reprotect", "error", None, None, result.get("msg") or "re-protection failed",
                                (result.get("remediation") or "See the task output.") + again))
    return problems


def problem_line(item):
    """One readable console line for a problem: kind, who, what, and what to do."""
    who = item.get("name") or item.get("source_server_id") or "-"
    return f"  [{item.get('kind')}] {who} ({item.get('source_server_id') or '-'}): {item.get('message')} -> {item.get('remediation')}"


def reverse_problems(result, kind="reverse", names=None, again=""):
    """Problems of a drs_reverse_replication result: one per recovery instance with an error.

    ``kind`` is ``precheck`` for the check-mode pass that runs before a failback wave's first change (nothing was done
    for that server), ``reverse`` for the real call (not reversed, or not caught up in time). ``names`` maps forward
    source server IDs to names; ``again`` is appended to every remediation (how to resume).
    """
    result = result or {}
    if not result or result.get("skipped"):
        return []
    return [problem(kind, "error", item.get("source_server_id"),
                    (names or {}).get(item.get("source_server_id")) or item.get("recovery_instance_id"),
                    item.get("error"), (item.get("remediation") or "See the task output.") + again)
            for item in result.get("instances") or [] if item.get("error")]


def reversed_left_running(reversed_entries, servers, names=None, region=""):
    """Warnings for reverse replications a failback wave started (or found) whose server did not fail back: they keep
    replicating into the origin Region until a resume finishes the failback or the quoted command removes them."""
    back = {sid for s in servers or [] if server_verified(s) for sid in (s.get("planned_source_server_id"), s.get("source_server_id"))}
    left = [e for e in reversed_entries or [] if e.get("reversed_source_server_id")
            and e.get("source_server_id") not in back and e.get("reversed_source_server_id") not in back]
    undo = undo_reverse_command(region, [e.get("recovery_instance_id") for e in left]) if left else ""
    return [problem("reversed", "warning", e.get("source_server_id"), (names or {}).get(e.get("source_server_id")) or e.get("recovery_instance_id"),
                    f"Reverse replication of {e.get('recovery_instance_id')} into {e.get('reversed_region')} "
                    f"(source server {e.get('reversed_source_server_id')}, {e.get('replication_state') or 'state unknown'}) "
                    "is running, but the server did not fail back.",
                    "Resume the failback with the same dr_run_id to finish it, or remove the reversed direction: " + undo)
            for e in left]


def reversed_entry(item):
    """What the run record keeps of a reverse replication (a mutation of the failback, or found from an earlier pass)."""
    keys = ("source_server_id", "recovery_instance_id", "reversed_source_server_id", "reversed_region", "replication_state",
            "original_instance_id", "changed", "error")
    return {k: item.get(k) for k in keys if item.get(k) is not None}


def undo_reverse_command(region, recovery_instance_ids):
    """The command that removes the reversed direction of these recovery instances (drs_reverse_replication absent)."""
    args = json.dumps({"region": region, "state": "absent", "recovery_instance_ids": sorted(recovery_instance_ids)})
    return (f"ansible localhost -m elastic_dr.orchestrator.drs_reverse_replication -a '{args}'"
            " (cross-account: add assume_role and origin_assume_role as in the failback)")


def cleanup_command(region, state, recovery_instance_ids):
    """The command that puts these drill recovery instances back (drs_recovery_instance; idempotent)."""
    args = json.dumps({"region": region, "state": state, "recovery_instance_ids": sorted(recovery_instance_ids)})
    return f"ansible localhost -m elastic_dr.orchestrator.drs_recovery_instance -a '{args}' (cross-account: add assume_role as in the drill)"


def drill_cleanup_by_wave(waves, done=None, failure="", region=""):
    """{wave name: clean-up entries} after a drill: what drs_recovery_instance did (``done``) and, when the clean-up
    failed (``failure``: its message), an error entry for every launched recovery instance it did not put back, with the
    command that does. A drill that leaves drill instances behind must say so, wave by wave."""
    by_id = {e.get("recovery_instance_id"): e for e in done or [] if isinstance(e, dict)}
    out = {}
    for wave in waves or []:
        entries = []
        for server in dicts(wave.get("servers")):
            rid = server.get("recovery_instance_id")
            if not rid:
                continue
            state = "reset" if server.get("identity_preserved") is True else "terminated"
            if rid in by_id:
                entry = dict(by_id[rid])
                if entry.get("error"):
                    entry["remediation"] = f"{entry.get('remediation') or 'Fix the cause.'} Then put it back: {cleanup_command(region, state, [rid])}"
                entries.append(entry)
            elif failure:
                entries.append({"recovery_instance_id": rid, "ec2_instance_id": server.get("ec2_instance_id"), "actions": [], "changed": False,
                                "error": f"Not cleaned up: the drill clean-up stopped ({failure}).",
                                "remediation": "Fix the cause, then put it back: " + cleanup_command(region, state, [rid])})
        out[wave.get("name")] = entries
    return out


def cleanup_failures(waves):
    """Drill clean-up entries that failed, as '<recovery instance> (<wave>)' labels."""
    return [f"{e.get('recovery_instance_id') or 'a recovery instance'} ({w['name']})" for w in waves for e in w["cleanup"]
            if isinstance(e, dict) and e.get("error")]


def settled_server(where):
    """A drs_job_wait-shaped server entry for a server AWS shows already back in its original (drs_failback_state_info
    state failed_back after an earlier pass's clean-up): recovered, nothing to do."""
    return {"source_server_id": where.get("source_server_id"), "name": where.get("name"), "status": LAUNCHED, "launch_status": "LAUNCHED",
            "ec2_instance_id": where.get("original_instance_id"), "private_ip": where.get("original_private_ip"),
            "recovery_instance_id": where.get("failback_recovery_instance_id"), "identity_preserved": True,
            "note": "already back in its original instance (an earlier pass of this run): " + str(where.get("message") or "")}


def settled_in_origin(where):
    """The drs_failback_state_info servers that an earlier pass failed back and cleaned up (no recovery instance left)."""
    return [w for w in where or [] if w.get("state") == "failed_back" and not w.get("recovery_instance_id")]


def nowhere_problems(where, names=None):
    """A ``nowhere`` problem (severity error, the run FAILs) for each server that runs neither in its original nor in its
    DR instance, with the way back."""
    return [problem("nowhere", "error", w.get("source_server_id"), (names or {}).get(w.get("source_server_id")) or w.get("name"),
                    w.get("message"), w.get("remediation"))
            for w in where or [] if w.get("state") == "nowhere"]


def failback_reversal(precheck=None, reverse=None, servers=None, names=None, run_id="", stop_originals=False, region="", where=None):
    """What a failback wave's reverse replication adds to its record: ``{"problems": [...], "reversed": [...]}``.

    ``precheck`` is the check-mode drs_reverse_replication result (every check of the wave, before any change),
    ``reverse`` the real one, ``servers`` the wave's drs_job_wait servers. Problems: servers refused by a check (with
    the resume command), reverse replications that failed or did not catch up, and reverse replications left running
    for servers that did not fail back (with the command that removes them). ``reversed`` lists every reverse
    replication of the wave: the mutations of this run, kept in the run record.
    """
    resume = f"-e dr_run_id={run_id}"
    problems = []
    for item in (precheck or {}).get("instances") or []:
        if not item.get("error"):
            continue
        stopped_check = [c for c in item.get("checks") or [] if c.get("check") == "original_instance_stopped" and not c.get("passed")]
        again = f" Then run the failback again as before, adding {'-e dr_stop_originals=true ' if stopped_check and not stop_originals else ''}{resume}."
        problems += reverse_problems({"instances": [item]}, "precheck", names, again)
    problems += reverse_problems(reverse, "reverse", names, f" Then run the failback again as before, adding {resume}.")
    entries = [reversed_entry(item) for item in (reverse or {}).get("instances") or [] if item.get("reversed_source_server_id")]
    warnings = reversed_left_running(entries, servers, names, region)
    return {"problems": nowhere_problems(where, names) + problems + warnings, "reversed": entries,
            "settled": [settled_server(w) for w in settled_in_origin(where)]}


def pair_warnings(match):
    """Warnings of valid pairs (failed warning checks: a pair not reviewed, a running target that is its own recovery instance)."""
    return [problem("warning", "warning", p.get("source_server_id"), p.get("source_name"), c.get("message"), c.get("remediation"))
            for p in (match or {}).get("pairs") or [] for c in p.get("checks") or [] if not c.get("passed") and c.get("severity") == "warning"]


# --- the wave -----------------------------------------------------------------------------------------------------------


def wave_status(planned, servers, critical=None, error="", timed_out_after=None):
    """The one wave status rule (failover, drill and failback): ``(status, reason)``.

    failed: the wave stopped on an error, a critical server was not recovered, the jobs did not finish in time, or
    none of its planned servers was recovered; partial: some planned server was not recovered (or never started);
    succeeded: every planned server was recovered.
    """
    planned = list(planned or [])
    servers = list(servers or [])
    critical = set(critical or [])
    recovered = {s.get("planned_source_server_id") or s.get("source_server_id") for s in servers if server_verified(s)}
    critical_lost = sorted(str(c) for c in critical if c in planned and c not in recovered)
    if error:
        return WAVE_FAILED, str(error)
    if critical_lost:
        return WAVE_FAILED, "critical servers not recovered: " + ", ".join(critical_lost)
    if timed_out_after is not None:
        return WAVE_FAILED, f"jobs did not complete within {timed_out_after} s"
    if planned and not recovered:
        return WAVE_FAILED, ("no server of the wave could be started" if not servers
                             else f"none of the {plural(len(planned), 'planned server')} was recovered")
    lost = [sid for sid in planned if sid not in recovered]
    unplanned_bad = [s for s in servers if not server_verified(s) and (s.get("planned_source_server_id") or s.get("source_server_id")) not in planned]
    if lost or unplanned_bad:
        count = len(lost) + len(unplanned_bad)
        return WAVE_PARTIAL, f"{count} of {plural(len(planned) or len(servers), 'server')} not recovered"
    return WAVE_SUCCEEDED, ""


def preview_servers(start, match, names):
    """Check mode: the servers drs_start_recovery would start, each with the target it would launch into."""
    pairs = {p.get("source_server_id"): p for p in (match or {}).get("pairs") or []}
    targets = (start or {}).get("targets") or {}  # failback: the original instance each server would launch into
    out = []
    for sid in (start or {}).get("started") or []:
        pair = pairs.get(sid) or {}
        out.append({"source_server_id": sid, "planned_source_server_id": sid, "name": (names or {}).get(sid) or sid, "status": WOULD_START,
                    "target_instance_id": pair.get("target_instance_id") or targets.get(sid), "expected_private_ip": pair.get("target_private_ip")})
    return out


def wave_record(wave, mode, region, wait=None, match=None, start=None, error="", error_remediation="", names=None, planned_ids=None,
                extra_problems=None, timeout_s=None, started_at=None, ended_at=None, settled=None, preview=False, **extra):
    """The record of one wave (failover, drill or failback) from the results of its steps.

    ``wave`` is the planned wave (name, number, source_server_ids, critical); ``wait`` the drs_job_wait result; ``match``
    the wave's pairing result, ``start`` the drs_start_recovery result; ``settled`` servers AWS shows recovered by an
    earlier pass (failback: settled_server entries). ``extra`` keys (matched_at, cleanup,
    reprotected) are kept as they are.
    """
    wave = wave or {}
    wait = wait or {}
    jobs = wait.get("jobs") or []
    raw_servers = list(wait.get("servers") or []) + list(settled or [])
    if names is None:
        pairs = list((match or {}).get("pairs") or []) + list((match or {}).get("invalid_pairs") or [])
        names = {p.get("source_server_id"): p.get("source_name") for p in pairs}
    servers = wave_servers(raw_servers, names, jobs, wave.get("critical"), planned_ids)
    timed_out = timeout_s if wait and wait.get("done") is False else None
    status, reason = wave_status(wave.get("source_server_ids"), servers, wave.get("critical"), error, timed_out)
    if preview:
        servers = preview_servers(start, match, names)
        planned = list(wave.get("source_server_ids") or [])
        status, reason = ((WAVE_FAILED, str(error)) if error else
                          (WAVE_PREVIEW, f"would start {len(servers)} of {plural(len(planned), 'planned server')}"))
    problems = wave_problems(match, start, raw_servers, error, error_remediation) + list(extra_problems or [])
    record = {"name": wave.get("name"), "number": wave.get("number"), "mode": mode, "region": region,
              "wall_started_at": started_at, "wall_ended_at": ended_at, "planned": list(wave.get("source_server_ids") or []),
              "status": status, "reason": reason, "jobs": jobs, "servers": servers, "problems": problems}
    record.update({k: v for k, v in extra.items() if v is not None})
    return record


# --- the run ------------------------------------------------------------------------------------------------------------


def run_start(waves, incident_time=None):
    """The moment RTO counts from: the declared incident time, else the first DRS job the run created."""
    declared = parse_time(incident_time)
    if declared:
        return declared
    moments = [parse_time(j.get("created_at")) for w in waves for j in dicts(w.get("jobs"))]
    moments += [parse_time(s.get("job_created_at")) for w in waves for s in dicts(w.get("servers"))]
    moments = [m for m in moments if m]
    return min(moments) if moments else None


def verified_at(servers):
    """The launch time of the last verified server, None when none was verified."""
    ends = [parse_time(s.get("launched_at")) for s in servers if server_verified(s)]
    ends = [e for e in ends if e]
    return max(ends) if ends else None


def run_record(waves, settings=None, run_id="", playbook="", planned_waves=None, cleanup=None, wall_started_at=None, wall_ended_at=None):
    """The run record: settings, every planned wave (skipped when it never ran), RTO per server, wave and run (elapsed)."""
    settings = settings or {}
    by_name = {w.get("name"): w for w in waves or [] if w}
    out_waves = []
    for planned in planned_waves or []:
        skipped = {"name": planned.get("name"), "number": planned.get("number"), "status": WAVE_SKIPPED, "reason": SKIPPED_REASON,
                   "servers": [], "problems": [], "jobs": [], "planned": planned.get("source_server_ids", [])}
        wave = dict(by_name.get(planned.get("name")) or skipped)
        wave["servers"] = [dict(s) for s in dicts(wave.get("servers"))]
        if cleanup and wave.get("name") in cleanup:
            wave["cleanup"] = cleanup[wave["name"]]
        out_waves.append(wave)
    incident = parse_time(settings.get("incident_time"))
    start = run_start(out_waves, incident)
    for wave in out_waves:
        servers = wave["servers"]
        for server in servers:
            server["rto_s"] = seconds_between(start, server.get("launched_at")) if server_verified(server) else None
        starts = [parse_time(j.get("created_at")) for j in dicts(wave.get("jobs"))]
        starts = [s for s in starts if s]
        ends = [parse_time(s.get("launched_at")) for s in servers if s.get("launched_at")]
        ends = [e for e in ends if e]
        wave["started_at"] = format_time(min(starts)) if starts else None
        wave["ended_at"] = format_time(max(ends)) if ends else None
        wave["duration_s"] = seconds_between(min(starts), max(ends)) if starts and ends else None
        wave["rto_s"] = seconds_between(start, verified_at(servers))
    servers = [s for w in out_waves for s in w["servers"]]
    planned_count = sum(len(w.get("planned") or []) for w in out_waves)
    end = verified_at(servers)
    rto = seconds_between(start, end)
    target = int(number(settings.get("rto_target_minutes")) or 0)
    summary = {
        "waves": len(out_waves),
        "waves_succeeded": sum(1 for w in out_waves if w.get("status") == WAVE_SUCCEEDED),
        "waves_failed": sum(1 for w in out_waves if w.get("status") == WAVE_FAILED),
        "planned": planned_count,
        "servers": planned_count,
        "launched": sum(1 for s in servers if server_state(s) == LAUNCHED),
        "would_start": sum(1 for s in servers if server_state(s) == WOULD_START),
        "failed": sum(1 for s in servers if server_state(s) in SERVER_FAILED),
        "verified": sum(1 for s in servers if server_verified(s)),
        "identity_verified": sum(1 for s in servers if s.get("identity_preserved") is True),
        "ip_verified": sum(1 for s in servers if s.get("ip_preserved") is True),
        "problems": sum(len(w.get("problems") or []) for w in out_waves),
        "unmatched": sum(1 for w in out_waves for p in w.get("problems") or [] if p.get("kind") in PAIRING_KINDS),
        "rto_s": rto,
        "rto_started_at": format_time(start),
        "rto_ended_at": format_time(end),
        "rto_from": "incident_time" if incident else "first_job",
        "rto_target_s": target * 60 if target else None,
        "rto_met": (rto is not None and rto <= target * 60) if target else None,
    }
    job_starts = [w["started_at"] for w in out_waves if w.get("started_at")]
    ends = [w["ended_at"] for w in out_waves if w.get("ended_at")]
    return {
        "run_id": run_id, "playbook": playbook, "mode": settings.get("mode"), "region": settings.get("region"),
        "origin_region": settings.get("origin_region"), "plan": settings.get("name"), "failure_policy": settings.get("failure_policy"),
        "rto_target_minutes": target or None, "incident_time": format_time(incident),
        "time_scale": number(settings.get("time_scale")) or None,
        "started_at": format_time(start) if start else (min(job_starts) if job_starts else None),
        "ended_at": max(ends) if ends else None,
        "wall_started_at": wall_started_at, "wall_ended_at": wall_ended_at, "waves": out_waves, "summary": summary,
    }


# --- judging a record: the view the verdict and the report share ----------------------------------------------------------


def analyse(record):
    """Every wave and server of a (possibly hand-written, partial or junk) run record with its judged state, counts, RTO."""
    record = record if isinstance(record, dict) else {}
    summary = record.get("summary") if isinstance(record.get("summary"), dict) else {}
    raw_waves = dicts(record.get("waves"))
    start = run_start(raw_waves, record.get("incident_time"))
    waves = []
    for index, raw in enumerate(raw_waves):
        servers = []
        jobs = {str(j.get("job_id")): j for j in dicts(raw.get("jobs"))}
        for server in dicts(raw.get("servers")):
            state = server_state(server)
            identity = flag(server.get("identity_preserved"))
            ip_ok = flag(server.get("ip_preserved"))
            bad = state in SERVER_FAILED or identity is False or ip_ok is False
            job = jobs.get(str(server.get("job_id"))) or {}
            end = parse_time(server.get("launched_at"))
            ok = state == LAUNCHED and not bad
            servers.append({"raw": server, "state": state, "identity": identity, "ip": ip_ok, "bad": bad, "ok": ok,
                            "critical": flag(server.get("critical")) is True,
                            "start": parse_time(server.get("job_created_at")) or parse_time(job.get("created_at")),
                            "end": end, "job_end": parse_time(job.get("ended_at")), "duration": number(server.get("duration_s")),
                            "rto": seconds_between(start, end) if ok else None})
        started_ids = {str(s["raw"].get(key)) for s in servers for key in ("source_server_id", "planned_source_server_id")}
        not_started = [str(p) for p in raw.get("planned") or [] if str(p) not in started_ids] if isinstance(raw.get("planned"), list) else []
        wave_end = max((s["end"] for s in servers if s["ok"] and s["end"]), default=None)
        index_name = raw.get("number") if raw.get("number") not in (None, "") else index + 1
        waves.append({
            "raw": raw, "index": index, "name": str(raw.get("name") or f"wave {index_name}"),
            "status": str(raw.get("status") or "").strip().lower(), "reason": str(raw.get("reason") or "").strip(),
            "servers": servers, "not_started": not_started, "planned": len(servers) + len(not_started),
            "problems": dicts(raw.get("problems")), "cleanup": raw.get("cleanup") if isinstance(raw.get("cleanup"), list) else [],
            "reprotected": dicts(raw.get("reprotected")),
            "start": parse_time(raw.get("started_at")), "end": parse_time(raw.get("ended_at")), "duration": number(raw.get("duration_s")),
            "rto": seconds_between(start, wave_end),
        })
    all_servers = [s for w in waves for s in w["servers"]]
    end = max((s["end"] for s in all_servers if s["ok"] and s["end"]), default=None)
    rto_s = seconds_between(start, end)
    target_min = number(record.get("rto_target_minutes"))
    target_s = target_min * 60 if target_min and target_min > 0 else number(summary.get("rto_target_s"))
    target_s = target_s if target_s and target_s > 0 else None
    rto_met = None if target_s is None or rto_s is None else rto_s <= target_s
    counts = {
        "planned": sum(w["planned"] for w in waves),
        "launched": sum(1 for s in all_servers if s["state"] == LAUNCHED),
        "recovered": sum(1 for s in all_servers if s["ok"]),
        "identity_expected": sum(1 for s in all_servers if s["identity"] is not None),
        "identity_verified": sum(1 for s in all_servers if s["identity"] is True),
        "ip_expected": sum(1 for s in all_servers if s["ip"] is not None),
        "ip_verified": sum(1 for s in all_servers if s["ip"] is True),
        "failed": sum(1 for s in all_servers if s["bad"]),
        "waiting": sum(1 for s in all_servers if s["state"] in SERVER_WAITING),
        "unmatched": sum(1 for w in waves for p in w["problems"] if str(p.get("kind")) in PAIRING_KINDS),
        "not_started": sum(len(w["not_started"]) for w in waves),
        "problems": sum(len(w["problems"]) for w in waves),
    }
    result = {"record": record, "waves": waves, "counts": counts, "start": start, "end": end, "rto_s": rto_s,
              "rto_target_s": target_s, "rto_met": rto_met}
    result["verdict"] = _verdict(waves, counts, rto_s, target_s, rto_met)
    return result


def _label(server):
    return str(server.get("name") or server.get("source_server_id") or "unnamed server")


def _preview_verdict(waves, counts):
    """Check mode: what each wave would do; clean when every planned server would start and nothing stands in the way."""
    reasons, blocking = [], []
    for wave in waves:
        if wave["status"] == WAVE_PREVIEW:
            reasons.append(f"{wave['name']} {wave['reason']}")
        else:
            blocking.append(f"{wave['name']} {wave['status'] or 'has no status'}" + (f": {wave['reason']}" if wave["reason"] else ""))
    missing = [f"{({str(p.get('source_server_id')): p.get('name') for p in w['problems']}).get(sid) or sid} ({w['name']})"
               for w in waves if w["status"] != WAVE_SKIPPED for sid in w["not_started"]]
    if missing:
        blocking.append(f"{plural(len(missing), 'planned server')} would not start: {names_text(missing)}")
    errors = sum(1 for w in waves for p in w["problems"] if str(p.get("severity") or "error").lower() == "error")
    if errors:
        blocking.append(f"{plural(errors, 'problem')} of severity error to fix first (see the problems)")
    clean = not blocking
    head = ("check mode, nothing was changed: the preview is clean" if clean
            else "check mode, nothing was changed: the real run would not recover everything")
    return {"verdict": PREVIEW, "clean": clean, "reasons": [head] + blocking + reasons, "rto_met": None, "rto_s": None, "rto_target_s": None}


def _verdict(waves, counts, rto_s, target_s, rto_met):
    if any(w["status"] == WAVE_PREVIEW for w in waves):
        return _preview_verdict(waves, counts)
    fail, partial = [], []
    if not waves:
        fail.append("the run record has no waves: nothing was recovered")
    for wave in waves:
        why = f": {wave['reason']}" if wave["reason"] else ""
        if wave["status"] == WAVE_FAILED:
            fail.append(f"{wave['name']} failed{why}")
        elif wave["status"] == WAVE_SKIPPED:
            fail.append(f"{wave['name']} did not run{why or ' (skipped)'}")
        elif wave["status"] == WAVE_PARTIAL:
            partial.append(f"{wave['name']} finished partially{why}")
        elif wave["status"] != WAVE_SUCCEEDED:
            partial.append(f"{wave['name']} has no final status ({wave['status'] or 'none recorded'})")
    critical = [(w, s) for w in waves for s in w["servers"] if s["critical"] and not s["ok"]]
    for wave, server in critical[:MAX_NAMES_IN_REASON]:
        error = server["raw"].get("error")
        fail.append(f"critical server {_label(server['raw'])} ({server['raw'].get('source_server_id') or '-'}) in {wave['name']} "
                    f"is {server['state'].replace('_', ' ')}" + (f": {error}" if error else ""))
    if len(critical) > MAX_NAMES_IN_REASON:
        fail.append(f"{len(critical) - MAX_NAMES_IN_REASON} more critical servers were not recovered (see the report)")
    others = [f"{_label(s['raw'])} ({w['name']}, {s['state'].replace('_', ' ')})"
              for w in waves for s in w["servers"] if not s["critical"] and not s["ok"]]
    if others:
        partial.append(f"{plural(len(others), 'non-critical server')} not recovered as planned: {names_text(others)}")
    missing = []
    for wave in waves:
        if wave["status"] != WAVE_SKIPPED:
            names = {str(p.get("source_server_id")): p.get("name") for p in wave["problems"] if p.get("name")}
            missing += [f"{names.get(sid) or sid} ({wave['name']})" for sid in wave["not_started"]]
    if missing:
        partial.append(f"{plural(len(missing), 'planned server')} never started: {names_text(missing)}")
    nowhere = [f"{p.get('name') or p.get('source_server_id')} ({wave['name']})" for wave in waves for p in wave["problems"]
               if p.get("kind") == "nowhere"]
    if nowhere:
        fail.insert(0, f"{plural(len(nowhere), 'server')} running nowhere (neither the original nor the DR instance): "
                       f"{names_text(nowhere)}; the way back is in each problem")
    kinds = {}
    for wave in waves:
        for item in wave["problems"]:
            if str(item.get("severity") or "error").lower() == "error":
                kind = str(item.get("kind") or "other")
                kinds[kind] = kinds.get(kind, 0) + 1
    if kinds:
        total = sum(kinds.values())
        partial.append(f"{plural(total, 'problem')} of severity error (" + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")")
    left = cleanup_failures(waves)
    if left:
        fail.append(f"the drill clean-up did not put back {plural(len(left), 'recovery instance')}: {names_text(left)}; "
                    "drill instances or volumes remain, the command that puts each back is in the report's clean-up table")
    if rto_met is False:
        fail.append(f"RTO {mmss(rto_s)} missed the target {mmss(target_s)} by {mmss(rto_s - target_s)}")
    elif target_s is not None and rto_s is None and waves:
        partial.append(f"RTO could not be measured against the target {mmss(target_s)} (no launch times recorded)")
    if fail:
        verdict, reasons = FAIL, fail + partial
    elif partial:
        verdict, reasons = PARTIAL, partial
    else:
        verdict = PASS
        reasons = [f"all {plural(len(waves), 'wave')} succeeded; {counts['launched']} of {counts['planned']} planned servers "
                   f"launched ({counts['identity_verified']} identity and {counts['ip_verified']} IP verified)"]
        if rto_met:
            reasons.append(f"RTO {mmss(rto_s)} within the target {mmss(target_s)}")
    return {"verdict": verdict, "reasons": reasons, "rto_met": rto_met, "rto_s": rto_s, "rto_target_s": target_s}


def verdict(record):
    """PASS, FAIL or PARTIAL for a run record, with the reasons and the run RTO against its target.

    FAIL: no waves, a wave failed or was skipped, a critical server was not recovered, or the RTO target was missed.
    PARTIAL: no FAIL, but a wave was partial, a non-critical server failed or mismatched, a planned server never started,
    a problem of severity error was recorded, or the RTO could not be measured against a target.
    PASS otherwise.
    """
    return analyse(record)["verdict"]


def job_should_fail(judged, accept_partial=False):
    """Whether the job must fail for a verdict: FAIL always, PARTIAL unless the operator accepted partial recoveries."""
    name = (judged or {}).get("verdict")
    if name == PREVIEW:
        return not (judged or {}).get("clean")
    return name == FAIL or (name == PARTIAL and not accept_partial) or name not in (PASS, PARTIAL, FAIL)
