"""AWX / Automation Controller: the EE build context, the controller-as-code playbook, drills under ansible-runner."""

from __future__ import annotations

import pytest

from lab.testing import fresh_lab, suite_lab


@pytest.fixture(scope="session")
def awx_lab(tmp_path_factory):
    yield from suite_lab(tmp_path_factory, "awx_lab")


@pytest.fixture
def lab(awx_lab):
    yield from fresh_lab(awx_lab)
