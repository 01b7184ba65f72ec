# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that judge a run record (PASS, FAIL or PARTIAL) and render it as one self-contained HTML page (role report).

Both filters take the run record built by ``dr_run_record`` (plugins/filter/dr_record.py). The judging (states, counts,
RTO, verdict) is plugins/module_utils/records.py; this file only draws. Both are defensive about missing keys, so a
hand-written, partial or empty record still gives a verdict and a page.
"""

from datetime import timezone
from html import escape

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import records
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.records import (  # the vocabulary, owned by records
    DEFAULT_REMEDIATION, FALLBACK_REMEDIATION, LAUNCHED, SERVER_WAITING as WAIT_STATES)

MAX_ROWS_PER_WAVE = 200

# Plot geometry of the timeline (SVG user units = CSS pixels; the SVG is drawn at its natural size).
LABEL_W = 180
PLOT_W = 1000
RIGHT_PAD = 24
AXIS_H = 30
BAND_PAD = 6
NICE_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400)

_t = records.parse_time
_num = records.number
_bool = records.flag
_mmss = records.mmss


def _e(value):
    """Escaped text of a value from the record ('' for None)."""
    return "" if value is None else escape(str(value), quote=True)


def _list(value):
    return list(value) if isinstance(value, (list, tuple)) else []


def _clock(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "\u2014"


def _server_label(server):
    return str(server.get("name") or server.get("source_server_id") or "unnamed server")


def _analyse(record):
    return records.analyse(record)


def dr_run_verdict(record):
    """PASS, FAIL or PARTIAL for a run record, with the reasons and the run RTO (elapsed) against its target (records.verdict)."""
    return records.verdict(record)


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
.rto-achieved{stroke:#0969da;stroke-width:2}
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
    # 0:00 is where RTO counts from (the declared incident time or the first DRS job): the last verified bar ends at the
    # headline RTO by construction.
    t0 = analysis["start"] or (min(known) if known else None)
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
    achieved = analysis["rto_s"]
    if achieved is not None:
        x = sx(achieved)
        overlay.append(f'<line class="rto-achieved" x1="{x:.1f}" y1="{AXIS_H - 4}" x2="{x:.1f}" y2="{height - AXIS_H + 4}">'
                       f'<title>RTO achieved {_mmss(achieved)}: the last server verified</title></line>')
    if target and target > domain:
        overlay.append(f'<text class="rto-text" x="{LABEL_W + PLOT_W:.1f}" y="{AXIS_H + 12}" text-anchor="end">'
                       f'RTO target {_mmss(target)} (off the chart) \u2192</text>')
    elif target:
        x = sx(target)
        overlay.append(f'<line class="rto-line" x1="{x:.1f}" y1="{AXIS_H - 4}" x2="{x:.1f}" y2="{height - AXIS_H + 4}">'
                       f'<title>RTO target {_mmss(target)}</title></line>'
                       f'<text class="rto-text" x="{x - 4:.1f}" y="{AXIS_H + 12}" text-anchor="end">RTO target {_mmss(target)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'data-rto-s="{"" if achieved is None else achieved}" '
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
    since = "the declared incident" if record.get("incident_time") else "the first DRS job"
    facts = [("Playbook", record.get("playbook") or "\u2014"), ("Mode", record.get("mode") or "\u2014"), ("Region", regions),
             ("Started", _clock(_t(record.get("started_at")))), ("Ended", _clock(_t(record.get("ended_at")))), ("RTO", rto_text),
             ("RTO counts", f"from {since} to the last server verified")]
    if record.get("wall_started_at") or record.get("wall_ended_at"):
        facts.append(("Run (controller clock)", f"{_clock(_t(record.get('wall_started_at')))} \u2192 {_clock(_t(record.get('wall_ended_at')))}"))
    if _num(record.get("time_scale")) and _num(record.get("time_scale")) != 1:
        facts.append(("Clock", f"lab clock x{_num(record.get('time_scale')):g}: one real second of orchestration counts "
                               f"{_num(record.get('time_scale')):g} simulated seconds"))
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
              + ('<span><i class="sw" style="background:#0969da;height:3px"></i>RTO achieved</span>' if analysis["rto_s"] is not None else "")
              + "<span>bar = job created \u2192 instance launched; hover a bar for details; \u2605 = critical</span></div>")
    cleanup_rows = _cleanup_rows(waves)
    sections = [
        banner, f'<section class="tiles">{tiles}</section>',
        "<h2>Timeline</h2>", legend, f'<div class="chart">{_timeline(analysis)}</div>',
        "<h2>Waves</h2>", _table(("Wave", "Status", "Launched / planned", "Not recovered", "Started", "Duration", "RTO (to its last server verified)",
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
