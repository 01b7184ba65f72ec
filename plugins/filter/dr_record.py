# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that shape module results into the run record (roles failover_wave, failback_wave, report)."""

from datetime import datetime


def _t(text):
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def dr_wave_servers(servers, names=None, jobs=None, critical=None, planned_ids=None):
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


# Problem kinds that mean a server had no usable pair.
PAIRING_KINDS = ("unmatched", "ambiguous", "invalid", "blocked", "proposal")


def _problem(kind, severity, sid, name, message, remediation):
    return {"kind": kind, "severity": severity, "source_server_id": sid, "name": name, "message": message, "remediation": remediation}


def dr_wave_problems(match, start=None, servers=None, error="", error_remediation=""):
    """Every problem of a wave, each with its remediation: unmatched, ambiguous, invalid, refused, failed, mismatched."""
    match = match or {}
    problems = []
    for kind, key in (("unmatched", "unmatched_sources"), ("ambiguous", "ambiguous"), ("blocked", "blocked")):
        for item in match.get(key) or []:
            problems.append(_problem(kind, "error", item.get("source_server_id"), item.get("source_name"), item.get("reason"), item.get("remediation")))
    for item in match.get("proposals") or []:
        problems.append(_problem("proposal", "error", item.get("source_server_id"), item.get("source_name"),
                                 f"Only a fuzzy proposal ({item.get('target_instance_id')} {item.get('target_name')!s}, score {item.get('score')}) "
                                 "pairs this server, and it was not accepted.", item.get("remediation")))
    for item in match.get("invalid_pairs") or []:
        failed = [c for c in item.get("checks") or [] if not c.get("passed") and c.get("severity") == "error"]
        problems.append(_problem("invalid", "error", item.get("source_server_id"), item.get("source_name"),
                                 "; ".join(c.get("message", "") for c in failed) or "pair failed validation", item.get("remediation")))
    for item in match.get("errors") or []:
        problems.append(_problem("override", "error", None, None, item.get("message"), item.get("remediation")))
    for item in (start or {}).get("refused") or []:
        problems.append(_problem("refused", "error", item.get("source_server_id"), None, item.get("reason"), item.get("remediation")))
    for server in servers or []:
        status = server.get("status")
        if status in ("failed", "identity_mismatch", "ip_mismatch"):
            problems.append(_problem("failed" if status == "failed" else "mismatch", "error", server.get("source_server_id"),
                                     server.get("name"), server.get("error"), server.get("remediation")))
        elif status in ("pending", "in_progress"):
            problems.append(_problem("timeout", "error", server.get("source_server_id"), server.get("name"),
                                     f"still {server.get('launch_status')} when the wave stopped waiting",
                                     "Run again with the same run ID to keep waiting; nothing is started twice."))
    if error:
        problems.append(_problem("wave", "error", None, None, error, error_remediation or "See the task output above."))
    return problems


def dr_reprotect_problems(result):
    """Problems of a drs_reprotect result: one per instance not re-protected, or the task's message when it failed outright."""
    result = result or {}
    if not result or result.get("skipped"):
        return []
    again = " Then run the failback again with the same dr_run_id: it re-protects and cleans up, and launches nothing twice."
    problems = [_problem("reprotect", "error", item.get("source_server_id"), item.get("recovery_instance_id"), item.get("error"),
                         (item.get("remediation") or "See the task output.") + again)
                for item in result.get("instances") or [] if item.get("error")]
    if result.get("failed") and not problems:
        problems.append(_problem("reprotect", "error", None, None, result.get("msg") or "re-protection failed",
                                 (result.get("remediation") or "See the task output.") + again))
    return problems


def dr_run_record(waves, settings=None, run_id="", playbook="", planned_waves=None, cleanup=None, wall_started_at=None, wall_ended_at=None):
    """The run record: settings, every planned wave (skipped when it never ran), RTO per server, wave and run."""
    settings = settings or {}
    by_name = {w.get("name"): w for w in waves or [] if w}
    out_waves = []
    for planned in planned_waves or []:
        skipped = {"name": planned.get("name"), "number": planned.get("number"), "status": "skipped",
                   "reason": "an earlier wave failed (failure_policy=stop)", "servers": [], "problems": [], "jobs": [],
                   "planned": planned.get("source_server_ids", [])}
        wave = dict(by_name.get(planned.get("name")) or skipped)
        durations = [s.get("duration_s") for s in wave.get("servers") or [] if s.get("duration_s") is not None]
        wave["rto_s"] = max(durations) if durations else None
        starts = [_t(j.get("created_at")) for j in wave.get("jobs") or [] if j.get("created_at")]
        ends = [_t(s.get("launched_at")) for s in wave.get("servers") or [] if s.get("launched_at")]
        wave["started_at"] = min(starts).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if starts else None
        wave["ended_at"] = max(ends).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if ends else None
        wave["duration_s"] = round((max(ends) - min(starts)).total_seconds(), 1) if starts and ends else None
        if cleanup and wave.get("name") in cleanup:
            wave["cleanup"] = cleanup[wave["name"]]
        out_waves.append(wave)
    servers = [s for w in out_waves for s in w.get("servers") or []]
    planned_count = sum(len(w.get("planned") or []) for w in out_waves)
    starts = [w["started_at"] for w in out_waves if w.get("started_at")]
    ends = [w["ended_at"] for w in out_waves if w.get("ended_at")]
    run_rto = round(sum(w["duration_s"] for w in out_waves if w.get("duration_s") is not None), 1) if ends else None
    target = int(settings.get("rto_target_minutes") or 0)
    summary = {
        "waves": len(out_waves),
        "waves_succeeded": sum(1 for w in out_waves if w.get("status") == "succeeded"),
        "waves_failed": sum(1 for w in out_waves if w.get("status") == "failed"),
        "planned": planned_count,
        "servers": planned_count,
        "launched": sum(1 for s in servers if s.get("status") == "launched"),
        "failed": sum(1 for s in servers if s.get("status") in ("failed", "identity_mismatch", "ip_mismatch")),
        "identity_verified": sum(1 for s in servers if s.get("identity_preserved") is True),
        "ip_verified": sum(1 for s in servers if s.get("ip_preserved") is True),
        "problems": sum(len(w.get("problems") or []) for w in out_waves),
        "unmatched": sum(1 for w in out_waves for p in w.get("problems") or [] if p.get("kind") in PAIRING_KINDS),
        "rto_s": run_rto,
        "rto_target_s": target * 60 if target else None,
        "rto_met": (run_rto is not None and run_rto <= target * 60) if target else None,
    }
    return {
        "run_id": run_id, "playbook": playbook, "mode": settings.get("mode"), "region": settings.get("region"),
        "origin_region": settings.get("origin_region"), "plan": settings.get("name"), "failure_policy": settings.get("failure_policy"),
        "rto_target_minutes": target or None, "started_at": min(starts) if starts else None, "ended_at": max(ends) if ends else None,
        "wall_started_at": wall_started_at, "wall_ended_at": wall_ended_at, "waves": out_waves, "summary": summary,
    }


def dr_pair_warnings(match):
    """Warnings of valid pairs (failed warning checks: a pair not reviewed, a running target that is its own recovery instance)."""
    return [_problem("warning", "warning", p.get("source_server_id"), p.get("source_name"), c.get("message"), c.get("remediation"))
            for p in (match or {}).get("pairs") or [] for c in p.get("checks") or [] if not c.get("passed") and c.get("severity") == "warning"]


def dr_readiness_lines(results, warnings=False):
    """Readable lines per wave from looped drs_instance_match results (or dr_wave_match slices): ready count, then each problem and its fix
    (and, with ``warnings``, each warning of a valid pair)."""
    lines = []
    for result in results or []:
        wave = result.get("wave") or (result.get("__readiness_wave") or result.get("item") or {}).get("name", "wave")
        summary = result.get("summary") or {}
        problems = dr_wave_problems(result)
        cautions = dr_pair_warnings(result) if warnings else []
        lines.append(f"{wave}: {summary.get('paired', 0)}/{summary.get('sources', 0)} servers ready to launch into their own instance"
                     + (f", {len(problems)} problem{'s' if len(problems) > 1 else ''}" if problems else "")
                     + (f", {len(cautions)} warning{'s' if len(cautions) > 1 else ''}" if cautions else ""))
        for p in problems + cautions:
            who = p.get("name") or p.get("source_server_id") or "-"
            lines.append(f"  [{p['kind']}] {who} ({p.get('source_server_id') or '-'}): {p.get('message')} -> {p.get('remediation')}")
    return lines


class FilterModule:
    def filters(self):
        return {"dr_wave_servers": dr_wave_servers, "dr_wave_problems": dr_wave_problems, "dr_reprotect_problems": dr_reprotect_problems,
                "dr_run_record": dr_run_record, "dr_readiness_lines": dr_readiness_lines}
