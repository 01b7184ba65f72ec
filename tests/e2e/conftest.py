"""End-to-end: the collection's playbooks, unchanged, through ansible-playbook against the lab."""

from __future__ import annotations

import pytest

from e2e_helpers import DEMO
from lab.process import Lab


@pytest.fixture(scope="session")
def e2e_lab(tmp_path_factory):
    lab = Lab(DEMO, time_scale=2000, strict=True, log_path=str(tmp_path_factory.mktemp("lab") / "lab.log"))
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture
def lab(e2e_lab):
    e2e_lab.reset(estate=DEMO, time_scale=2000)
    yield e2e_lab
    assert e2e_lab.violations() == []
