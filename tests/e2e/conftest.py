"""End-to-end: the collection's playbooks, unchanged, through ansible-playbook against the lab."""

from __future__ import annotations

import pytest

from lab.testing import fresh_lab, suite_lab


@pytest.fixture(scope="session")
def e2e_lab(tmp_path_factory):
    yield from suite_lab(tmp_path_factory, "lab")


@pytest.fixture
def lab(e2e_lab):
    yield from fresh_lab(e2e_lab)
