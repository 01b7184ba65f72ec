"""Lab lifecycles shared by the test suites' conftest fixtures (one lab per suite, reset before each test)."""

from __future__ import annotations

from lab.ansible_env import ROOT
from lab.process import Lab

DEMO = str(ROOT / "lab" / "estates" / "demo.yml")
FAST_SCALE = 2000


def suite_lab(tmp_path_factory, name: str, estate: str = DEMO):
    """Generator for a session fixture: one strict lab for the suite, stopped at the end."""
    lab = Lab(estate, time_scale=FAST_SCALE, strict=True, log_path=str(tmp_path_factory.mktemp(name) / "lab.log"))
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


def fresh_lab(lab: Lab, estate: str = DEMO):
    """Generator for a per-test fixture: the estate re-seeded, no faults; no contract violations afterwards."""
    lab.reset(estate=estate, time_scale=FAST_SCALE)
    lab.faults()
    yield lab
    assert lab.violations() == []
