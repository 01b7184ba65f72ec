# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters over the run's records (roles failover_wave, failback_wave, report, plan, readiness).

Thin adapters: the shapes and rules (wave status, problems, RTO, verdict) live in plugins/module_utils/records.py.
"""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import records

# Kept for importers of this module (the problem kinds that mean a server had no usable pair).
PAIRING_KINDS = records.PAIRING_KINDS


def dr_wave_record(wave, **kwargs):
    """The record of one wave from its steps' results (see records.wave_record)."""
    return records.wave_record(wave, **kwargs)


def dr_wave_servers(servers, names=None, jobs=None, critical=None, planned_ids=None):
    return records.wave_servers(servers, names, jobs, critical, planned_ids)


def dr_wave_problems(match, start=None, servers=None, error="", error_remediation=""):
    return records.wave_problems(match, start, servers, error, error_remediation)


def dr_reprotect_problems(result):
    return records.reprotect_problems(result)


def dr_failback_reversal(precheck=None, reverse=None, servers=None, names=None, run_id="", stop_originals=False, region="", where=None):
    return records.failback_reversal(precheck, reverse, servers, names, run_id, stop_originals, region, where)


def dr_drill_cleanup_by_wave(waves, done=None, failure="", region=""):
    return records.drill_cleanup_by_wave(waves, done, failure, region)


def dr_settled_in_origin(where):
    return records.settled_in_origin(where)


def dr_problem_line(item):
    return records.problem_line(item)


def dr_run_record(waves, settings=None, run_id="", playbook="", planned_waves=None, cleanup=None, wall_started_at=None, wall_ended_at=None):
    return records.run_record(waves, settings, run_id, playbook, planned_waves, cleanup, wall_started_at, wall_ended_at)


def dr_pair_warnings(match):
    return records.pair_warnings(match)


def dr_job_should_fail(verdict, accept_partial=False):
    """Whether the job fails for this verdict: FAIL always, PARTIAL unless ``accept_partial``."""
    return records.job_should_fail(verdict, accept_partial)


def dr_redacted(value):
    """``value`` with every secret (external_id, secret keys, session tokens) replaced by ``********``."""
    return records.redacted(value)


def dr_time(value):
    """An ISO-8601 time as 2026-11-23T01:25:08.000Z (UTC), or '' when it is empty or not a time."""
    return records.format_time(value) or ""


def dr_readiness_lines(results, warnings=False):
    """Readable lines per wave from looped drs_instance_match results (or dr_wave_match slices): ready count, then each problem and its fix
    (and, with ``warnings``, each warning of a valid pair)."""
    lines = []
    for result in results or []:
        wave = result.get("wave") or (result.get("__readiness_wave") or result.get("item") or {}).get("name", "wave")
        summary = result.get("summary") or {}
        problems = records.wave_problems(result)
        cautions = records.pair_warnings(result) if warnings else []
        lines.append(f"{wave}: {summary.get('paired', 0)}/{summary.get('sources', 0)} servers ready to launch into their own instance"
                     + (f", {records.plural(len(problems), 'problem')}" if problems else "")
                     + (f", {records.plural(len(cautions), 'warning')}" if cautions else ""))
        lines += [records.problem_line(p) for p in problems + cautions]
    return lines


class FilterModule:
    def filters(self):
        return {"dr_wave_record": dr_wave_record, "dr_wave_servers": dr_wave_servers, "dr_wave_problems": dr_wave_problems,
                "dr_reprotect_problems": dr_reprotect_problems, "dr_failback_reversal": dr_failback_reversal,
                "dr_problem_line": dr_problem_line, "dr_settled_in_origin": dr_settled_in_origin,
                "dr_drill_cleanup_by_wave": dr_drill_cleanup_by_wave, "dr_run_record": dr_run_record,
                "dr_readiness_lines": dr_readiness_lines,
                "dr_pair_warnings": dr_pair_warnings, "dr_job_should_fail": dr_job_should_fail,
                "dr_time": dr_time, "dr_redacted": dr_redacted}
