# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that turn discovered source servers, or a failover's run record, into waves (used by the plan role), and
share a plan-wide match among the waves."""

import os

from ansible.errors import AnsibleFilterError


def _wave_key(value):
    text = str(value).strip()
    return (0, int(text), text) if text.lstrip("-").isdigit() else (1, 0, text)


def dr_servers_with_tags(servers, tags):
    """IDs of the source servers (drs_source_server_info entries) carrying all of ``tags``."""
    wanted = {str(k): str(v) for k, v in (tags or {}).items()}
    return [s["source_server_id"] for s in servers or []
            if all(str((s.get("tags") or {}).get(k)) == v for k, v in wanted.items())]


def dr_waves_from_tags(servers, tag="dr:wave", critical=None):
    """Waves from a tag's values, in numeric order when the values are numbers (2 before 10)."""
    groups = {}
    for server in servers or []:
        value = (server.get("tags") or {}).get(tag)
        if value is not None and str(value).strip():
            groups.setdefault(str(value).strip(), []).append(server["source_server_id"])
    waves = []
    for number, value in enumerate(sorted(groups, key=_wave_key), start=1):
        name = f"wave_{int(value):02d}" if value.lstrip("-").isdigit() else f"wave_{value}"
        waves.append({"name": name, "number": number, "tag_value": value, "source_server_ids": sorted(groups[value]),
                      "critical": list(critical or [])})
    return waves


def dr_failback_waves(record, source="the run record"):
    """Failback waves from a failover's run record: per failover wave, in its order, the servers it launched.

    Each wave carries ``expected_recovery_instances`` ({source server: recovery instance ID at failover}) so the
    failback can check DRS still shows the same instance. Servers failover never launched are not planned: there is
    nothing of theirs to fail back. Drill records and failback records are refused.
    """
    if not isinstance(record, dict) or not isinstance(record.get("waves"), list):
        raise AnsibleFilterError(f"{source} is not a run record (no waves): pass the run ID of a failover "
                                 "(reports/<run_id>/run.json), or omit dr_failover_run_id to plan from dr:wave tags.")
    playbook, mode = record.get("playbook"), record.get("mode")
    if playbook != "failover" or mode != "recovery":
        raise AnsibleFilterError(f"{source} records a {playbook} run in {mode} mode, not a failover in recovery mode: "
                                 "a failback follows a real failover; pass that run's ID as dr_failover_run_id.")
    waves = []
    for wave in sorted(record["waves"], key=lambda w: w.get("number") or 0):
        launched = [s for s in wave.get("servers") or [] if s.get("status") == "launched" and s.get("recovery_instance_id")]
        if not launched:
            continue
        waves.append({
            "name": wave["name"],
            "number": len(waves) + 1,
            "source_server_ids": sorted(s["source_server_id"] for s in launched),
            "critical": sorted(s["source_server_id"] for s in launched if s.get("critical")),
            "expected_recovery_instances": {s["source_server_id"]: s["recovery_instance_id"] for s in launched},
            "expected_private_ips": {s["recovery_instance_id"]: s["private_ip"] for s in launched if s.get("private_ip")},
            "names": {s["source_server_id"]: s["name"] for s in launched if s.get("name")},
        })
    return waves


def dr_recovery_instance_problems(recovery_instances, expected):
    """Problems where DRS no longer shows the recovery instance the failover recorded for a server.

    ``recovery_instances``: drs_recovery_instance_info entries; ``expected``: {source server: recovery instance ID}.
    """
    found = {}
    for ri in recovery_instances or []:
        found.setdefault(ri.get("source_server_id"), []).append(ri.get("recovery_instance_id"))
    problems = []
    for sid, rid in sorted((expected or {}).items()):
        current = found.get(sid) or []
        if rid in current:
            continue
        message = (f"The failover recorded recovery instance {rid} for {sid}; DRS now shows "
                   + (", ".join(current) if current else "none") + ".")
        problems.append({"kind": "record_mismatch", "severity": "error", "source_server_id": sid, "name": None,
                         "message": message,
                         "remediation": (f"Find out what happened to {rid} since the failover (terminated, launched again, "
                                         "another run?) before failing back; run without dr_failover_run_id to fail back "
                                         "what DRS shows now.")})
    return problems


# What the waves use of a pair: drs_launch_into_config, drs_start_recovery, drs_job_wait (expected) and the wave record.
PAIR_KEYS = ("source_server_id", "source_name", "target_instance_id", "target_name", "target_private_ip", "method", "score",
             "stored_target_instance_id", "launch_config_in_place")
# The per-server lists of a drs_instance_match result (every entry keyed by source_server_id).
SERVER_LISTS = ("invalid_pairs", "unmatched_sources", "ambiguous", "blocked", "proposals")


def dr_match_compact(match):
    """A drs_instance_match result small enough to keep for a whole plan: valid pairs keep PAIR_KEYS and their failed
    (warning) checks.

    Anything that is not a usable result (a failed or skipped task, an AWS error) becomes ``{}``: the waves then match
    their own servers when they start, as without a plan-wide match.
    """
    match = match or {}
    if match.get("failed") or match.get("skipped") or "pairs" not in match or match.get("errors"):
        return {}
    out = {k: match.get(k) or [] for k in SERVER_LISTS + ("duplicates", "errors")}
    out["pairs"] = [dict({k: p.get(k) for k in PAIR_KEYS}, checks=[c for c in p.get("checks") or [] if not c.get("passed")]) for p in match["pairs"]]
    out["summary"] = dict(match.get("summary") or {})
    return out


def dr_wave_match(wave, match):
    """The part of a plan-wide drs_instance_match result (see dr_match_compact) that concerns one wave, with the module's keys.

    ``complete`` is true when every server of the wave has a valid pair: the wave can launch with these pairs (its
    configure and start tasks check the targets again). Otherwise the wave matches again when it starts, so a fix
    made while earlier waves ran is picked up.
    """
    match = match or {}
    ids = list(dict.fromkeys((wave or {}).get("source_server_ids") or []))
    wanted = set(ids)
    pairs = [p for p in match.get("pairs") or [] if p.get("source_server_id") in wanted]
    lists = {k: [e for e in match.get(k) or [] if e.get("source_server_id") in wanted] for k in SERVER_LISTS}
    invalid, unmatched, ambiguous = lists["invalid_pairs"], lists["unmatched_sources"], lists["ambiguous"]
    candidates = {c.get("target_instance_id") for a in ambiguous for c in a.get("candidates") or []}
    duplicates = [d for d in match.get("duplicates") or [] if (wanted | candidates) & set(d.get("ids") or [])]
    methods = [p.get("method") for p in pairs]
    summary = {"sources": len(ids), "paired": len(pairs), "invalid": len(invalid), "unmatched_sources": len(unmatched),
               "ambiguous": len(ambiguous), "blocked": len(lists["blocked"]), "proposals": len(lists["proposals"]),
               "match_rate": round(len(pairs) / len(ids), 4) if ids else 0.0}
    summary.update({m: methods.count(m) for m in ("exact", "fuzzy", "override", "stored", "origin")})
    complete = "pairs" in match and not match.get("errors") and {p.get("source_server_id") for p in pairs} == wanted
    return {"wave": (wave or {}).get("name"), "pairs": pairs, "invalid_pairs": invalid, "unmatched_sources": unmatched,
            "unmatched_targets": [], "ambiguous": ambiguous, "blocked": lists["blocked"], "proposals": lists["proposals"],
            "duplicates": duplicates, "errors": [], "summary": summary, "complete": bool(complete)}


def dr_accepted_pairs(content, source="the approved-pairs file"):
    """The pairs an operator accepted in a proposals file written by the pair playbook (``accept: true``), as
    ``[{source_server_id, target_instance_id}]``."""
    if not isinstance(content, dict) or not isinstance(content.get("proposals"), list):
        raise AnsibleFilterError(f"{source} has no 'proposals' list: pass the proposals.yml a pair run wrote "
                                 "(reports/<run_id>/proposals.yml), with accept: true on the pairs you checked.")
    accepted = []
    for position, item in enumerate(content["proposals"]):
        if not isinstance(item, dict) or not item.get("source_server_id") or not item.get("target_instance_id"):
            raise AnsibleFilterError(f"{source}: proposals[{position}] needs source_server_id and target_instance_id.")
        accept = item.get("accept", False)
        if not isinstance(accept, bool):
            raise AnsibleFilterError(f"{source}: proposals[{position}].accept must be true or false, got {accept!r}.")
        if accept:
            accepted.append({"source_server_id": str(item["source_server_id"]), "target_instance_id": str(item["target_instance_id"])})
    return accepted


def dr_plan_problems(waves, known_ids=None, source="the plan"):
    """What makes a plan unsafe to run, each as a sentence naming the key and ``source``: a wave name used twice, a
    server in two waves, a server DRS does not know (when ``known_ids`` is given)."""
    problems = []
    seen_waves, seen_servers = {}, {}
    for index, wave in enumerate(waves or []):
        name = str(wave.get("name"))
        if name in seen_waves:
            problems.append(f"{source}: waves[{index}] and waves[{seen_waves[name]}] are both named {name!r}; wave names must be unique "
                            "(one would be silently dropped).")
        seen_waves.setdefault(name, index)
        for sid in wave.get("source_server_ids") or []:
            if sid in seen_servers and seen_servers[sid] != name:
                problems.append(f"{source}: source server {sid} is in wave {seen_servers[sid]!r} and in wave {name!r}; put it in one wave.")
            seen_servers.setdefault(sid, name)
    if known_ids is not None:
        known = set(known_ids)
        missing = [sid for sid in seen_servers if sid not in known]
        if missing:
            problems.append(f"{source}: DRS has no source server {', '.join(missing[:10])}"
                            + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
                            + " in this Region (FAILOVER direction); check the IDs (drs_source_server_info) and the Region.")
    return problems


def dr_input_file_candidates(path, playbook_dir=""):
    """Where a relative input file (plan file, approved pairs) is looked for, in order: the current directory (the job's
    project directory under AWX and ansible-runner), the shell's $PWD, the playbook's directory and its parent (a
    project with playbooks/ under its root). An absolute path is only itself; ~ is expanded."""
    path = os.path.expanduser(str(path or "").strip())
    if not path:
        return []
    if os.path.isabs(path):
        return [path]
    bases = [os.getcwd(), os.environ.get("PWD") or "", str(playbook_dir or ""), os.path.dirname(str(playbook_dir or ""))]
    out = []
    for base in bases:
        candidate = os.path.normpath(os.path.join(base, path)) if base else ""
        if candidate and candidate not in out:
            out.append(candidate)
    return out


class FilterModule:
    def filters(self):
        return {"dr_servers_with_tags": dr_servers_with_tags, "dr_waves_from_tags": dr_waves_from_tags,
                "dr_failback_waves": dr_failback_waves, "dr_recovery_instance_problems": dr_recovery_instance_problems,
                "dr_match_compact": dr_match_compact, "dr_wave_match": dr_wave_match,
                "dr_accepted_pairs": dr_accepted_pairs, "dr_input_file_candidates": dr_input_file_candidates,
                "dr_plan_problems": dr_plan_problems}
