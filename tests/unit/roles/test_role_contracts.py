"""What the roles promise their callers, checked on the files themselves (issue 13 items 4 and 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
ROLES = sorted(p.parent.parent for p in ROOT.glob("roles/*/meta/argument_specs.yml"))
LOCALHOST_FACTS = re.compile(r"hostvars\s*(\[\s*['\"]localhost['\"]\s*\]|\.localhost\b)")


def _yaml(path: Path):
    return yaml.safe_load(path.read_text()) if path.exists() else None


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_a_required_option_has_no_default(role):
    # A default makes "required: true" a lie: the requirement never fires and the role runs on the default.
    defaults = _yaml(role / "defaults" / "main.yml") or {}
    specs = _yaml(role / "meta" / "argument_specs.yml")["argument_specs"]
    lying = [f"{entry}: {name}" for entry, spec in specs.items() for name, option in (spec.get("options") or {}).items()
             if option.get("required") and name in defaults]
    assert lying == []


def test_no_role_and_no_wave_play_reads_localhost_facts():
    # Inputs flow down: each wave host carries its dr_wave_context (plan role, wave_hosts entry point).
    files = [p for p in ROOT.glob("roles/**/*.yml")] + [ROOT / "playbooks/parts/waves.yml"]
    readers = [str(p.relative_to(ROOT)) for p in files if LOCALHOST_FACTS.search(p.read_text())]
    assert readers == []


def test_failover_drill_and_failback_share_one_wave_play():
    for playbook in ("failover", "drill", "failback"):
        plays = _yaml(ROOT / "playbooks" / f"{playbook}.yml")
        imported = [p.get("ansible.builtin.import_playbook") for p in plays]
        assert "parts/waves.yml" in imported, playbook
        assert all("hosts" not in p for p in plays), f"{playbook}.yml has a play of its own"


def test_the_matching_options_are_passed_in_one_place():
    # Readiness, the plan-wide match and a wave's own match use the plan role's match entry point, so they cannot
    # disagree on the options (threshold, margin, strip lists, max lag).
    callers = sorted(str(p.relative_to(ROOT)) for p in list(ROOT.glob("roles/**/*.yml")) + list(ROOT.glob("playbooks/**/*.yml"))
               if "drs_instance_match:" in p.read_text() and "mode: failback" not in p.read_text())
    assert callers == ["roles/pair/tasks/main.yml", "roles/plan/tasks/match.yml"], callers  # pair proposes with fuzzy on


def test_every_wave_ends_in_one_place():
    # Failover, drill and failback waves end alike (record file, result line, wave-failed SNS, stop under
    # failure_policy stop): one role owns it, so a change to the failure policy is one edit.
    files = list(ROOT.glob("roles/**/*.yml")) + list(ROOT.glob("playbooks/**/*.yml"))
    enders = sorted(str(p.relative_to(ROOT)) for p in files
                    if "meta: end_play" in p.read_text() or "tasks_from: wave_failed" in p.read_text())
    assert enders == ["roles/wave_end/tasks/main.yml"], enders
    for role in ("failover_wave", "failback_wave"):
        assert "elastic_dr.orchestrator.wave_end" in (ROOT / "roles" / role / "tasks" / "main.yml").read_text(), role
