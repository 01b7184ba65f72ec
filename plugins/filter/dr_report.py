# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that judge a run record (PASS, FAIL or PARTIAL) and render it as one self-contained HTML page (role report).

Both filters take the run record built by ``dr_run_record`` (plugins/filter/dr_record.py) and are defensive about
missing keys, so a hand-written, partial or empty record still gives a verdict and a page.
"""

import math
from datetime import datetime, timezone
from html import escape

LAUNCHED = "launched"
BAD_STATES = ("failed", "identity_mismatch", "ip_mismatch")
WAIT_STATES = ("in_progress", "pending")
UNMATCHED_KINDS = ("unmatched", "ambiguous", "invalid", "blocked", "proposal")
MAX_ROWS_PER_WAVE = 200
MAX_NAMES_IN_REASON = 5

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

# Plot geometry of the timeline (SVG user units = CSS pixels; the SVG is drawn at its natural size).
LABEL_W = 180
PLOT_W = 1000
RIGHT_PAD = 24
AXIS_H = 30
BAND_PAD = 6
NICE_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


# ---------------------------------------------------------------------------------------------------------------------
# Small, defensive helpers


def _e(value):
    """Escaped text of a value from the record ('' for None)."""
    return "" if value is None else escape(str(value), quote=True)


def _t(value):
    """An aware datetime from an ISO string ("...Z" allowed) or a datetime; None when absent or unreadable."""
    if isinstance(value, datetime):
        parsed = value
    elif value:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _num(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no"):
        return False
    return None


def _list(value):
    return list(value) if isinstance(value, (list, tuple)) else []


def _dicts(value):
    return [item for item in _list(value) if isinstance(item, dict)]


def _mmss(seconds):
    """m:ss (minutes are not wrapped into hours: 75:00); '—' for None."""
    if seconds is None:
        return "\u2014"
    sign = "-" if seconds < 0 else ""
    whole = int(round(abs(seconds)))
    return f"{sign}{whole // 60}:{whole % 60:02d}"


def _clock(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "\u2014"


def _state(server):
    status = str(server.get("status") or "").strip().lower()
    if status in (LAUNCHED,) + BAD_STATES + WAIT_STATES:
        return status
    launch = str(server.get("launch_status") or "").upper()
    return {"LAUNCHED": LAUNCHED, "FAILED": "failed", "PENDING": "pending"}.get(launch, "in_progress" if launch else "pending")


def _server_label(server):
    return str(server.get("name") or server.get("source_server_id") or "unnamed server")


def _names(items):
    shown = ", ".join(items[:MAX_NAMES_IN_REASON])
    rest = len(items) - MAX_NAMES_IN_REASON
    return shown + (f" and {rest} more" if rest > 0 else "")


# ---------------------------------------------------------------------------------------------------------------------
# Analysis shared by the verdict and the page


def _analyse(record):
    record = record if isinstance(record, dict) else {}
    summary = record.get("summary") if isinstance(record.get("summary"), dict) else {}
    waves = []
    for index, raw in enumerate(_dicts(record.get("waves"))):
        servers = []
        jobs = {str(j.get("job_id")): j for j in _dicts(raw.get("jobs"))}
        for server in _dicts(raw.get("servers")):
            state = _state(server)
            identity = _bool(server.get("identity_preserved"))
            ip_ok = _bool(server.get("ip_preserved"))
            bad = state in BAD_STATES or identity is False or ip_ok is False
            job = jobs.get(str(server.get("job_id"))) or {}
            servers.append({"raw": server, "state": state, "identity": identity, "ip": ip_ok, "bad": bad,
                            "ok": state == LAUNCHED and not bad, "critical": _bool(server.get("critical")) is True,
                            "start": _t(server.get("job_created_at")) or _t(job.get("created_at")),
                            "end": _t(server.get("launched_at")), "job_end": _t(job.get("ended_at")),
                            "duration": _num(server.get("duration_s"))})
        started_ids = {str(s["raw"].get(key)) for s in servers for key in ("source_server_id", "planned_source_server_id")}
        not_started = [str(p) for p in _list(raw.get("planned")) if str(p) not in started_ids]
        durations = [s["duration"] for s in servers if s["duration"] is not None]
        rto = _num(raw.get("rto_s"))
        number = raw.get("number")
        waves.append({
            "raw": raw, "index": index, "name": str(raw.get("name") or f"wave {number if number not in (None, '') else index + 1}"),
            "status": str(raw.get("status") or "").strip().lower(), "reason": str(raw.get("reason") or "").strip(),
            "servers": servers, "not_started": not_started, "planned": len(servers) + len(not_started),
            "problems": _dicts(raw.get("problems")), "cleanup": _list(raw.get("cleanup")),
            "reprotected": _dicts(raw.get("reprotected")),
            "start": _t(raw.get("started_at")), "end": _t(raw.get("ended_at")), "duration": _num(raw.get("duration_s")),
            "rto": rto if rto is not None else (max(durations) if durations else None),
        })
    all_servers = [s for w in waves for s in w["servers"]]

    rto_s = _num(summary.get("rto_s"))
    if rto_s is None:
        wave_durations = [w["duration"] for w in waves if w["duration"] is not None]
        if wave_durations:
            rto_s = round(sum(wave_durations), 1)
        elif _t(record.get("started_at")) and _t(record.get("ended_at")):
            rto_s = round((_t(record.get("ended_at")) - _t(record.get("started_at"))).total_seconds(), 1)
    target_min = _num(record.get("rto_target_minutes"))
    target_s = target_min * 60 if target_min and target_min > 0 else _num(summary.get("rto_target_s"))
    target_s = target_s if target_s and target_s > 0 else None
    rto_met = None if target_s is None or rto_s is None else rto_s <= target_s

    counts = {
        "planned": sum(w["planned"] for w in waves),
        "launched": sum(1 for s in all_servers if s["state"] == LAUNCHED),
        "identity_expected": sum(1 for s in all_servers if s["identity"] is not None),
        "identity_verified": sum(1 for s in all_servers if s["identity"] is True),
        "ip_expected": sum(1 for s in all_servers if s["ip"] is not None),
        "ip_verified": sum(1 for s in all_servers if s["ip"] is True),
        "failed": sum(1 for s in all_servers if s["bad"]),
        "waiting": sum(1 for s in all_servers if s["state"] in WAIT_STATES),
        "unmatched": sum(1 for w in waves for p in w["problems"] if str(p.get("kind")) in UNMATCHED_KINDS),
        "not_started": sum(len(w["not_started"]) for w in waves),
        "problems": sum(len(w["problems"]) for w in waves),
    }
    verdict = _verdict(waves, counts, rto_s, target_s, rto_met)
    return {"record": record, "waves": waves, "counts": counts, "rto_s": rto_s, "rto_target_s": target_s, "rto_met": rto_met,
            "verdict": verdict}


def _verdict(waves, counts, rto_s, target_s, rto_met):
    fail, partial = [], []
    if not waves:
        fail.append("the run record has no waves: nothing was recovered")
    for wave in waves:
        why = f": {wave['reason']}" if wave["reason"] else ""
        if wave["status"] == "failed":
            fail.append(f"{wave['name']} failed{why}")
        elif wave["status"] == "skipped":
            fail.append(f"{wave['name']} did not run{why or ' (skipped)'}")
        elif wave["status"] == "partial":
            partial.append(f"{wave['name']} finished partially{why}")
        elif wave["status"] != "succeeded":
            partial.append(f"{wave['name']} has no final status ({wave['status'] or 'none recorded'})")
    critical = [(w, s) for w in waves for s in w["servers"] if s["critical"] and not s["ok"]]
    for wave, server in critical[:MAX_NAMES_IN_REASON]:
        error = server["raw"].get("error")
        fail.append(f"critical server {_server_label(server['raw'])} ({server['raw'].get('source_server_id') or '-'}) in {wave['name']} "
                    f"is {server['state'].replace('_', ' ')}" + (f": {error}" if error else ""))
    if len(critical) > MAX_NAMES_IN_REASON:
        fail.append(f"{len(critical) - MAX_NAMES_IN_REASON} more critical servers were not recovered (see the report)")
    others = [f"{_server_label(s['raw'])} ({w['name']}, {s['state'].replace('_', ' ')})"
              for w in waves for s in w["servers"] if not s["critical"] and not s["ok"]]
    if others:
        partial.append(f"{len(others)} non-critical server{'s' if len(others) != 1 else ''} not recovered as planned: {_names(others)}")
    missing = []
    for wave in waves:
        if wave["status"] != "skipped":
            names = {str(p.get("source_server_id")): p.get("name") for p in wave["problems"] if p.get("name")}
            missing += [f"{names.get(sid) or sid} ({wave['name']})" for sid in wave["not_started"]]
    if missing:
        partial.append(f"{len(missing)} planned server{'s' if len(missing) != 1 else ''} never started: {_names(missing)}")
    kinds = {}
    for wave in waves:
        for problem in wave["problems"]:
            if str(problem.get("severity") or "error").lower() == "error":
                kind = str(problem.get("kind") or "other")
                kinds[kind] = kinds.get(kind, 0) + 1
    if kinds:
        total = sum(kinds.values())
        partial.append(f"{total} problem{'s' if total != 1 else ''} of severity error ("
                       + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")")
    if rto_met is False:
        fail.append(f"RTO {_mmss(rto_s)} missed the target {_mmss(target_s)} by {_mmss(rto_s - target_s)}")
    elif target_s is not None and rto_s is None and waves:
        partial.append(f"RTO could not be measured against the target {_mmss(target_s)} (no launch times recorded)")
    if fail:
        verdict, reasons = "FAIL", fail + partial
    elif partial:
        verdict, reasons = "PARTIAL", partial
    else:
        verdict = "PASS"
        reasons = [f"all {len(waves)} wave{'s' if len(waves) != 1 else ''} succeeded; {counts['launched']} of {counts['planned']} planned servers "
                   f"launched ({counts['identity_verified']} identity and {counts['ip_verified']} IP verified)"]
        if rto_met:
            reasons.append(f"RTO {_mmss(rto_s)} within the target {_mmss(target_s)}")
    return {"verdict": verdict, "reasons": reasons, "rto_met": rto_met, "rto_s": rto_s, "rto_target_s": target_s}


def dr_run_verdict(record):
    """PASS, FAIL or PARTIAL for a run record, with the reasons and the run RTO against its target.

    FAIL: no waves, a wave failed or was skipped, a critical server was not recovered, or the RTO target was missed.
    PARTIAL: no FAIL, but a wave was partial, a non-critical server failed or mismatched, a planned server never started,
    a problem of severity error was recorded, or the RTO could not be measured against a target.
    PASS otherwise.
    """
    return _analyse(record)["verdict"]


# ---------------------------------------------------------------------------------------------------------------------
# The page

CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;background:#f6f8fa}
main{max-width:1320px;margin:0 auto;padding:16px 20px 40px}
h2{font-size:18px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid #d0d7de}
.banner{display:flex;gap:24px;align-items:flex-start;padding:18px 22px;border-radius:10px;color:#fff}
.banner.v-pass{background:#1a7f37}.banner.v-fail{background:#b42318}.banner.v-partial{background:#f2b100;color:#231a00}
.verdict{font-size:54px;font-weight:800;letter-spacing:2px;line-height:1;min-width:230px}
.banner h1{font-size:22px;margin:0 0 4px}
.banner .facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:6px 0 0}
.banner .facts dt{opacity:.85}.banner .facts dd{margin:0;font-weight:600}
.banner ul{margin:10px 0 0;padding-left:20px;font-size:15px}
.tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin-top:16px}
.tile{background:#fff;border:1px solid #d0d7de;border-left:6px solid #8c959f;border-radius:8px;padding:10px 14px}
.tile .n{font-size:34px;font-weight:800;line-height:1.1}.tile .l{font-weight:600}.tile .s{color:#57606a;font-size:12px}
.tile.good{border-left-color:#1a7f37}.tile.good .n{color:#1a7f37}
.tile.bad{border-left-color:#b42318}.tile.bad .n{color:#b42318}
.tile.warn{border-left-color:#d4a000}.tile.warn .n{color:#9a6700}
.legend{display:flex;gap:18px;font-size:13px;margin:4px 0 6px;color:#57606a}
.sw{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:5px;vertical-align:middle}
.chart{overflow-x:auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:6px}
svg text{font-family:inherit}
.axis text{font-size:11px;fill:#57606a}.grid{stroke:#eaeef2;stroke-width:1}
.band{fill:#ffffff}.band.alt{fill:#f3f5f7}
.stripe.succeeded{fill:#1a7f37}.stripe.failed{fill:#b42318}.stripe.partial{fill:#d4a000}.stripe.other{fill:#8c959f}
.wlabel{font-size:13px;font-weight:700;fill:#1f2328}.wsub{font-size:11px;fill:#57606a}
.srv-bar.launched{fill:#2da44e}.srv-bar.failed{fill:#cf222e}.srv-bar.pending{fill:#8c959f}
.srv-bar.notime{fill-opacity:.45;stroke:#cf222e;stroke-dasharray:2 2}
.sname{font-size:10px;fill:#24292f}.note{font-size:11px;fill:#57606a;font-style:italic}
.rto-line{stroke:#b42318;stroke-width:2;stroke-dasharray:6 4}
.rto-text{font-size:11px;font-weight:700;fill:#b42318;paint-order:stroke;stroke:#fff;stroke-width:3px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #d0d7de;font-size:13px}
th{background:#eaeef2;text-align:left;padding:6px 8px;position:sticky;top:0}
td{padding:5px 8px;border-top:1px solid #eaeef2;vertical-align:top}
tr.bad td{background:#ffebe9}tr.warn td{background:#fff8c5}tr.muted td{color:#57606a;background:#f6f8fa}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.ok{color:#1a7f37;font-weight:800}.no{color:#b42318;font-weight:800}.na{color:#8c959f}
.badge{display:inline-block;padding:0 6px;border-radius:10px;font-size:11px;font-weight:700;background:#eaeef2;color:#1f2328}
.badge.succeeded,.badge.launched{background:#dafbe1;color:#116329}
.badge.failed,.badge.error,.badge.crit{background:#ffebe9;color:#a40e26}
.badge.partial,.badge.warning,.badge.waiting{background:#fff8c5;color:#7d4e00}
.fix{background:#ddf4ff;border-left:3px solid #0969da;padding:2px 6px}
.empty{color:#57606a;font-style:italic;padding:8px 0}
footer{margin-top:28px;color:#57606a;font-size:12px}
@media print{.banner,.tile,.srv-bar{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _tick_step(span):
    for step in NICE_STEPS:
        if span / step <= 10:
            return step
    return NICE_STEPS[-1] * max(1, int(span / NICE_STEPS[-1] / 10) + 1)


def _bar_class(server):
    if server["state"] == LAUNCHED and not server["bad"]:
        return "launched"
    if server["bad"]:
        return "failed"
    return "pending"


def _drawn(servers):
    """At most MAX_ROWS_PER_WAVE servers, the ones that went wrong first, shown in record order."""
    if len(servers) <= MAX_ROWS_PER_WAVE:
        return list(range(len(servers)))
    order = [i for i, s in enumerate(servers) if not s["ok"]] + [i for i, s in enumerate(servers) if s["ok"]]
    return sorted(order[:MAX_ROWS_PER_WAVE])


def _timeline(analysis):
    waves = analysis["waves"]
    record = analysis["record"]
    moments = [_t(record.get("started_at"))]
    ends = [_t(record.get("ended_at"))]
    for wave in waves:
        moments.append(wave["start"])
        ends.append(wave["end"])
        for server in wave["servers"]:
            moments.append(server["start"])
            ends.extend((server["end"], server["job_end"]))
    known = [m for m in moments + ends if m is not None]
    t0 = min(known) if known else None
    t_end = max(known) if known else None
    span = (t_end - t0).total_seconds() if t0 else 0.0
    target = analysis["rto_target_s"]
    # The target line is drawn when it is at most 1.6 times the span away; farther targets get a label at the right edge.
    domain = max(span * 1.04, min((target or 0.0) * 1.04, span * 1.6), 60.0)
    step = _tick_step(domain)

    def sx(seconds):
        return LABEL_W + max(0.0, min(seconds, domain)) / domain * PLOT_W

    def rel(moment):
        return (moment - t0).total_seconds() if moment is not None and t0 is not None else None

    body, y = [], AXIS_H
    for wave in waves:
        servers = wave["servers"]
        rows = _drawn(servers)
        row_h = 16 if len(rows) <= 25 else (8 if len(rows) <= 60 else 4)
        bar_h = row_h - 2 if row_h >= 8 else row_h - 1
        notes = []
        if len(servers) > len(rows):
            notes.append(f"+{len(servers) - len(rows)} more servers not drawn (all are in the tables below)")
        if wave["not_started"]:
            notes.append(f"+{len(wave['not_started'])} planned servers never started (see Problems)")
        if not servers and wave["status"] == "skipped":
            notes.insert(0, "skipped" + (f": {wave['reason']}" if wave["reason"] else ""))
        elif not servers:
            notes.insert(0, "no server was started in this wave")
        inner = len(rows) * row_h + 14 * len(notes)
        band_h = max(44, inner + 2 * BAND_PAD)
        status = wave["status"] if wave["status"] in ("succeeded", "failed", "partial") else "other"
        launched = sum(1 for s in servers if s["state"] == LAUNCHED)
        title = f"{wave['name']}: {wave['status'] or 'no status'}, {launched}/{wave['planned']} launched, duration {_mmss(wave['duration'])}"
        body.append(f'<g class="wave"><title>{_e(title)}</title>'
                    f'<rect class="band{" alt" if wave["index"] % 2 else ""}" x="0" y="{y}" width="{LABEL_W + PLOT_W + RIGHT_PAD}" height="{band_h}"/>'
                    f'<rect class="stripe {status}" x="0" y="{y}" width="5" height="{band_h}"/>'
                    f'<text class="wlabel" x="12" y="{y + 17}">{_e(wave["name"][:22])}</text>'
                    f'<text class="wsub" x="12" y="{y + 31}">{_e((wave["status"] or "no status")[:12])} \u00b7 {launched}/{wave["planned"]} launched</text>'
                    + (f'<text class="wsub" x="12" y="{y + 44}">wave {_mmss(wave["duration"])} \u00b7 RTO {_mmss(wave["rto"])}</text>'
                       if band_h >= 50 else "") + '</g>')
        for row, index in enumerate(rows):
            server = servers[index]
            raw = server["raw"]
            cls = _bar_class(server)
            start = rel(server["start"]) if server["start"] else rel(wave["start"])
            if server["end"] is not None:
                end = rel(server["end"])
            elif cls == "failed":
                end = rel(server["job_end"] or wave["end"])
            else:
                end = rel(wave["end"] or t_end)
            notime = start is None or end is None
            if notime:
                start = start if start is not None else 0.0
                x0, width = sx(start), 6.0
            else:
                x0 = sx(start)
                width = max(2.0, sx(max(end, start)) - x0)
            by = y + BAND_PAD + row * row_h + (row_h - bar_h) / 2
            duration = server["duration"]
            if duration is None and not notime:
                duration = max(0.0, end - start)
            tip = (f"{_server_label(raw)} ({raw.get('source_server_id') or '-'})\u000a"
                   f"instance {raw.get('ec2_instance_id') or raw.get('recovery_instance_id') or 'none'}\u000a"
                   f"{server['state'].replace('_', ' ')}" + (", critical" if server["critical"] else "")
                   + (", no times recorded" if notime else f", {_mmss(duration)} ({duration:.1f} s)")
                   + (f"\u000a{raw.get('error')}" if raw.get("error") else ""))
            body.append(f'<rect class="srv-bar {cls}{" notime" if notime else ""}" x="{x0:.1f}" y="{by:.1f}" width="{width:.1f}" '
                        f'height="{bar_h}" rx="{2 if bar_h >= 6 else 0}"><title>{_e(tip)}</title></rect>')
            if row_h >= 14:
                label = _server_label(raw)[:28] + (" \u2605" if server["critical"] else "")
                if x0 + width + 150 < LABEL_W + PLOT_W:
                    body.append(f'<text class="sname" x="{x0 + width + 4:.1f}" y="{by + bar_h - 3:.1f}">{_e(label)}</text>')
                elif x0 - 150 > LABEL_W:
                    body.append(f'<text class="sname" x="{x0 - 4:.1f}" y="{by + bar_h - 3:.1f}" text-anchor="end">{_e(label)}</text>')
        for n, note in enumerate(notes):
            body.append(f'<text class="note" x="{LABEL_W + 6}" y="{y + BAND_PAD + len(rows) * row_h + 11 + 14 * n}">{_e(note)}</text>')
        y += band_h + 2
    if not waves:
        body.append(f'<text class="note" x="{LABEL_W + 6}" y="{y + 24}">No waves in this run record.</text>')
        y += 40
    height = y + AXIS_H
    width = LABEL_W + PLOT_W + RIGHT_PAD
    axis = []
    tick = 0
    while tick <= domain:
        x = sx(tick)
        axis.append(f'<line class="grid" x1="{x:.1f}" y1="{AXIS_H - 6}" x2="{x:.1f}" y2="{height - AXIS_H + 6}"/>'
                    f'<text x="{x:.1f}" y="{AXIS_H - 10}" text-anchor="middle">{_mmss(tick)}</text>'
                    f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">{_mmss(tick)}</text>')
        tick += step
    axis.append(f'<text x="12" y="{AXIS_H - 10}">elapsed (m:ss)</text>'
                f'<text x="12" y="{height - 8}">0:00 = {_e(t0.astimezone(timezone.utc).strftime("%H:%M:%S UTC")) if t0 else "no times recorded"}</text>')
    overlay = []
    if target and target > domain:
        overlay.append(f'<text class="rto-text" x="{LABEL_W + PLOT_W:.1f}" y="{AXIS_H + 12}" text-anchor="end">'
                       f'RTO target {_mmss(target)} (off the chart) \u2192</text>')
    elif target:
        x = sx(target)
        overlay.append(f'<line class="rto-line" x1="{x:.1f}" y1="{AXIS_H - 4}" x2="{x:.1f}" y2="{height - AXIS_H + 4}">'
                       f'<title>RTO target {_mmss(target)}</title></line>'
                       f'<text class="rto-text" x="{x - 4:.1f}" y="{AXIS_H + 12}" text-anchor="end">RTO target {_mmss(target)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="Timeline: one band per wave, one bar per server from job start to launch">'
            f'<g class="axis">{"".join(axis)}</g>{"".join(body)}{"".join(overlay)}</svg>')


def _check(value):
    if value is True:
        return '<span class="ok" title="verified">\u2713</span>'
    if value is False:
        return '<span class="no" title="NOT preserved">\u2717</span>'
    return '<span class="na" title="no expectation">\u2014</span>'


def _badge(text, cls):
    return f'<span class="badge {cls}">{_e(text)}</span>'


def _table(headers, rows, empty):
    if not rows:
        return f'<p class="empty">{_e(empty)}</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _wave_rows(waves):
    rows = []
    for wave in waves:
        servers = wave["servers"]
        launched = sum(1 for s in servers if s["state"] == LAUNCHED)
        failed = sum(1 for s in servers if s["bad"])
        status = wave["status"] or "none"
        cls = {"failed": "bad", "skipped": "bad", "partial": "warn"}.get(status, "")
        badge_cls = status if status in ("succeeded", "failed", "partial") else ("failed" if status == "skipped" else "")
        rows.append(f'<tr class="{cls}"><td><b>{_e(wave["name"])}</b></td><td>{_badge(status, badge_cls)}</td>'
                    f'<td>{launched} / {wave["planned"]}</td><td>{failed + len(wave["not_started"])}</td>'
                    f'<td class="mono">{_e(_clock(wave["start"]))}</td><td>{_mmss(wave["duration"])}</td>'
                    f'<td>{_mmss(wave["rto"])}</td><td>{len(wave["problems"])}</td><td>{_e(wave["reason"])}</td></tr>')
    return rows


def _server_rows(waves):
    rows = []
    for wave in waves:
        for server in wave["servers"]:
            raw = server["raw"]
            cls = "bad" if server["bad"] else ("warn" if not server["ok"] else "")
            state = server["state"].replace("_", " ")
            state_cls = "launched" if server["ok"] else ("failed" if server["bad"] else "waiting")
            crit = " " + _badge("critical", "crit") if server["critical"] else ""
            actual = _e(raw.get("ec2_instance_id") or "\u2014")
            if raw.get("recovery_instance_id") and raw.get("recovery_instance_id") != raw.get("ec2_instance_id"):
                actual += f'<br><span class="na">{_e(raw.get("recovery_instance_id"))}</span>'
            error = f'<br><span class="no">{_e(raw.get("error"))}</span>' if raw.get("error") else ""
            rows.append(f'<tr class="{cls}"><td>{_e(wave["name"])}</td><td><b>{_e(_server_label(raw))}</b>{crit}</td>'
                        f'<td class="mono">{_e(raw.get("source_server_id") or "")}</td>'
                        f'<td class="mono">{_e(raw.get("target_instance_id") or raw.get("expected_instance_id") or chr(0x2014))}</td>'
                        f'<td class="mono">{actual}</td><td>{_check(server["identity"])}</td>'
                        f'<td class="mono">{_e(raw.get("expected_private_ip") or chr(0x2014))}</td>'
                        f'<td class="mono">{_e(raw.get("private_ip") or chr(0x2014))}</td><td>{_check(server["ip"])}</td>'
                        f'<td>{_badge(state, state_cls)}{error}</td><td>{_mmss(server["duration"])}</td></tr>')
        names = {str(p.get("source_server_id")): p.get("name") for p in wave["problems"] if p.get("source_server_id")}
        for sid in wave["not_started"]:
            rows.append(f'<tr class="muted"><td>{_e(wave["name"])}</td><td><b>{_e(names.get(sid) or sid)}</b></td><td class="mono">{_e(sid)}</td>'
                        f'<td colspan="6">never started' + (" (the wave was skipped)" if wave["status"] == "skipped" else " (see Problems)")
                        + f'</td><td>{_badge("not started", "waiting")}</td><td>\u2014</td></tr>')
    return rows


def _problem_rows(waves):
    rows = []
    for wave in waves:
        names = {str(s["raw"].get("source_server_id")): s["raw"].get("name") for s in wave["servers"]}
        problems = [dict(p, name=p.get("name") or names.get(str(p.get("source_server_id")))) for p in wave["problems"]]
        seen = {str(p.get("source_server_id")) for p in problems if p.get("source_server_id")}
        for server in wave["servers"]:  # a failed server always shows up, even when the record lists no problem for it
            sid = str(server["raw"].get("source_server_id"))
            if not server["ok"] and sid not in seen:
                problems.append({"source_server_id": server["raw"].get("source_server_id"), "name": server["raw"].get("name"),
                                 "kind": "failed" if server["state"] == "failed" else ("timeout" if server["state"] in WAIT_STATES else "mismatch"),
                                 "severity": "error", "message": server["raw"].get("error") or f"server is {server['state'].replace('_', ' ')}",
                                 "remediation": server["raw"].get("remediation")})
        if wave["status"] == "skipped":
            problems.append({"kind": "skipped", "severity": "error", "message": wave["reason"] or "the wave did not run"})
        for problem in problems:
            kind = str(problem.get("kind") or "other")
            severity = str(problem.get("severity") or "error").lower()
            remediation = problem.get("remediation") or DEFAULT_REMEDIATION.get(kind, FALLBACK_REMEDIATION)
            who = problem.get("name") or problem.get("source_server_id") or "\u2014"
            sid = problem.get("source_server_id")
            rows.append(f'<tr class="{"bad" if severity == "error" else "warn"}"><td>{_e(wave["name"])}</td>'
                        f'<td><b>{_e(who)}</b>' + (f'<br><span class="mono na">{_e(sid)}</span>' if sid and sid != who else "")
                        + f'</td><td>{_badge(kind, "")}</td><td>{_badge(severity, "error" if severity == "error" else "warning")}</td>'
                        f'<td>{_e(problem.get("message") or "")}</td><td><div class="fix">{_e(remediation)}</div></td></tr>')
    return rows


def _cleanup_rows(waves):
    rows = []
    for wave in waves:
        for entry in wave["cleanup"]:
            if not isinstance(entry, dict):
                rows.append(f'<tr><td>{_e(wave["name"])}</td><td>\u2014</td><td>{_e(entry)}</td><td></td></tr>')
                continue
            actions = "".join(f"<li>{_e(a)}</li>" for a in _list(entry.get("actions"))) or "<li>none</li>"
            error = entry.get("error")
            outcome = (f'<span class="no">{_e(error)}</span>' + (f'<div class="fix">{_e(entry.get("remediation"))}</div>' if entry.get("remediation") else "")
                       if error else ("done" if _bool(entry.get("changed")) is not False else "nothing to do"))
            rows.append(f'<tr class="{"bad" if error else ""}"><td>{_e(wave["name"])}</td>'
                        f'<td class="mono">{_e(entry.get("recovery_instance_id") or chr(0x2014))}</td>'
                        f'<td><ul style="margin:0;padding-left:18px">{actions}</ul></td><td>{outcome}</td></tr>')
    return rows


def _reprotect_rows(waves):
    rows = []
    for wave in waves:
        for entry in wave["reprotected"]:
            error = entry.get("error")
            lag = _num(entry.get("lag_seconds"))
            outcome = (f'<span class="no">{_e(error)}</span>' + (f'<div class="fix">{_e(entry.get("remediation"))}</div>' if entry.get("remediation") else "")
                       if error else ("re-protected" if _bool(entry.get("changed")) else "already protected"))
            rows.append(f'<tr class="{"bad" if error else ""}"><td>{_e(wave["name"])}</td>'
                        f'<td class="mono">{_e(entry.get("recovery_instance_id") or chr(0x2014))}</td>'
                        f'<td class="mono">{_e(entry.get("source_server_id") or chr(0x2014))}</td>'
                        f'<td>{_e(entry.get("source_region") or chr(0x2014))}</td>'
                        f'<td>{_e(entry.get("replication_state") or chr(0x2014))}</td>'
                        f'<td>{_e(chr(0x2014) if lag is None else f"{lag:g} s")}</td><td>{outcome}</td></tr>')
    return rows


def _tile(number, label, sub, cls):
    return f'<div class="tile {cls}"><div class="n">{number}</div><div class="l">{_e(label)}</div><div class="s">{_e(sub)}</div></div>'


def dr_report_html(record):
    """One self-contained HTML page (inline CSS and SVG, no script, no external asset) for a run record."""
    analysis = _analyse(record)
    record, waves, counts, verdict = analysis["record"], analysis["waves"], analysis["counts"], analysis["verdict"]
    word = verdict["verdict"]
    run_id = record.get("run_id") or "(no run ID)"
    regions = str(record.get("region") or "\u2014") + (f" (origin {record.get('origin_region')})" if record.get("origin_region") else "")
    if analysis["rto_target_s"]:
        met = {True: "met", False: "MISSED", None: "not measured"}[analysis["rto_met"]]
        rto_text = f"{_mmss(analysis['rto_s'])} vs target {_mmss(analysis['rto_target_s'])} \u2014 {met}"
    else:
        rto_text = f"{_mmss(analysis['rto_s'])} (no target set)"
    facts = [("Playbook", record.get("playbook") or "\u2014"), ("Mode", record.get("mode") or "\u2014"), ("Region", regions),
             ("Started", _clock(_t(record.get("started_at")))), ("Ended", _clock(_t(record.get("ended_at")))), ("RTO", rto_text)]
    if record.get("plan"):
        facts.insert(0, ("Plan", record.get("plan")))
    banner = (f'<header class="banner v-{word.lower()}"><div class="verdict">{_e(word)}</div><div>'
              f'<h1>Run {_e(run_id)}</h1><dl class="facts">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl>"
              + "<ul>" + "".join(f"<li>{_e(r)}</li>" for r in verdict["reasons"]) + "</ul></div></header>")
    c = counts
    tiles = "".join((
        _tile(c["planned"], "Servers", f"planned in {len(waves)} wave{'s' if len(waves) != 1 else ''}", ""),
        _tile(c["launched"], "Launched", f"of {c['planned']} planned", "good" if c["planned"] and c["launched"] == c["planned"] else "warn"),
        _tile(c["identity_verified"], "Identity verified", f"of {c['identity_expected']} with an intended instance",
              "good" if c["identity_verified"] == c["identity_expected"] and c["identity_expected"] else ""),
        _tile(c["ip_verified"], "IP verified", f"of {c['ip_expected']} with an intended IP",
              "good" if c["ip_verified"] == c["ip_expected"] and c["ip_expected"] else ""),
        _tile(c["failed"], "Failed", f"failed or mismatched; {c['waiting']} still waiting", "bad" if c["failed"] or c["waiting"] else "good"),
        _tile(c["unmatched"], "Unmatched", f"unmatched, ambiguous or invalid; {c['not_started']} never started",
              "warn" if c["unmatched"] or c["not_started"] else "good"),
    ))
    legend = ('<div class="legend"><span><i class="sw" style="background:#2da44e"></i>launched</span>'
              '<span><i class="sw" style="background:#cf222e"></i>failed / mismatched</span>'
              '<span><i class="sw" style="background:#8c959f"></i>pending / in progress</span>'
              + ('<span><i class="sw" style="background:#b42318;height:3px"></i>RTO target</span>' if analysis["rto_target_s"] else "")
              + "<span>bar = job created \u2192 instance launched; hover a bar for details; \u2605 = critical</span></div>")
    cleanup_rows = _cleanup_rows(waves)
    sections = [
        banner, f'<section class="tiles">{tiles}</section>',
        "<h2>Timeline</h2>", legend, f'<div class="chart">{_timeline(analysis)}</div>',
        "<h2>Waves</h2>", _table(("Wave", "Status", "Launched / planned", "Not recovered", "Started", "Duration", "RTO (slowest server)",
                                  "Problems", "Reason"), _wave_rows(waves), "No waves in this run record."),
        "<h2>Problems and what to do</h2>", _table(("Wave", "Server", "Kind", "Severity", "Message", "Remediation"),
                                                   _problem_rows(waves), "No problems recorded."),
        "<h2>Identity and IP per server</h2>", _table(("Wave", "Server", "Source server", "Intended instance", "Actual instance", "Identity",
                                                       "Intended IP", "Actual IP", "IP", "Status", "Duration"),
                                                      _server_rows(waves), "No servers in this run record."),
    ]
    reprotect_rows = _reprotect_rows(waves)
    if reprotect_rows:
        sections += ["<h2>Re-protection (originals replicating to the recovery Region again)</h2>",
                     _table(("Wave", "Recovery instance (original)", "Source server", "Replicates to", "Replication", "Lag", "Outcome"),
                            reprotect_rows, "")]
    if cleanup_rows:
        sections += ["<h2>Clean-up actions</h2>", _table(("Wave", "Recovery instance", "Actions", "Outcome"), cleanup_rows, "")]
    footer = (f"<footer>elastic_dr.orchestrator run report \u00b7 run {_e(run_id)}"
              + (f" \u00b7 controller time {_e(record.get('wall_started_at'))} \u2192 {_e(record.get('wall_ended_at'))}"
                 if record.get("wall_started_at") else "")
              + (f" \u00b7 failure policy {_e(record.get('failure_policy'))}" if record.get("failure_policy") else "")
              + " \u00b7 times are DRS times in UTC; the run RTO is the sum of the wave durations.</footer>")
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(word)} \u00b7 DR run {_e(run_id)}</title><style>{CSS}</style></head>"
            f"<body><main>{''.join(sections)}{footer}</main></body></html>\n")


class FilterModule:
    def filters(self):
        return {"dr_report_html": dr_report_html, "dr_run_verdict": dr_run_verdict}
