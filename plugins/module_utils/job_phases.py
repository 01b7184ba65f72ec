# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where each server of a running DRS job is (snapshot, conversion, launch) from the job log, and when the wave
should be done (pure; drs_job_wait prints it in its progress line)."""

from datetime import timedelta

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.records import format_time
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.records import parse_time

# The job log events (DRS_API.md: DescribeJobLogItems) that move a server into a phase.
PHASE_OF_EVENT = {
    "SNAPSHOT_START": "snapshot", "USING_PREVIOUS_SNAPSHOT": "snapshot", "SNAPSHOT_END": "snapshot",
    "CONVERSION_START": "conversion", "CONVERSION_END": "conversion",
    "LAUNCH_START": "launch",
}
PHASES = ("queued", "snapshot", "conversion", "launch")


def phases(log):
    """{source server ID: its latest phase} from a job's log items (servers with no event yet are absent)."""
    out = {}
    for item in sorted(log or [], key=lambda i: str(i.get("logDateTime") or "")):
        sid = (item.get("eventData") or {}).get("sourceServerID")
        phase = PHASE_OF_EVENT.get(item.get("event"))
        if sid and phase:
            out[sid] = phase
    return out


def phase_text(entries):
    """'2 snapshot, 1 conversion, 1 launch' for the servers still in progress (in phase order)."""
    counts = {}
    for entry in entries:
        if entry.get("status") in ("pending", "in_progress"):
            phase = entry.get("phase") or "queued"
            counts[phase] = counts.get(phase, 0) + 1
    return ", ".join(f"{counts[p]} {p}" for p in PHASES if counts.get(p))


def eta(entries, now):
    """(seconds, ISO time) until the last server in progress should be launched, or (None, None) before any has.

    Each server in progress is expected to take as long as the median server of these jobs that already launched
    (from its job's creation to its launch), counted from its own job's creation.
    """
    durations = sorted(e["duration_s"] for e in entries if e.get("status") == "launched" and e.get("duration_s") is not None)
    waiting = [e for e in entries if e.get("status") in ("pending", "in_progress")]
    moment = parse_time(now)
    if not durations or not waiting or moment is None:
        return None, None
    median = durations[len(durations) // 2]
    ends = []
    for entry in waiting:
        started = parse_time(entry.get("job_created_at"))
        if started is None:
            return None, None
        ends.append(max(0.0, median - (moment - started).total_seconds()))
    left = round(max(ends), 1)
    return left, format_time(moment + timedelta(seconds=left))
