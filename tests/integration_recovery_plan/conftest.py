"""drs_recovery_plan against the lab's Recovery Plan API."""

from __future__ import annotations

import pytest

from lab.testing import fresh_lab, suite_lab


@pytest.fixture(scope="session")
def plan_lab(tmp_path_factory):
    yield from suite_lab(tmp_path_factory, "plan_lab")


@pytest.fixture
def lab(plan_lab):
    yield from fresh_lab(plan_lab)
