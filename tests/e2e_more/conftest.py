"""More end-to-end checks: plan files, cross-account, the report, molecule scenarios of the roles."""

from __future__ import annotations

import pytest

from lab.process import Lab
from more_helpers import DEMO


@pytest.fixture(scope="session")
def more_lab(tmp_path_factory):
    lab = Lab(DEMO, time_scale=2000, strict=True, log_path=str(tmp_path_factory.mktemp("more_lab") / "lab.log"))
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture
def demo_lab(more_lab):
    more_lab.reset(estate=DEMO, time_scale=2000)
    more_lab.faults()
    yield more_lab
    assert more_lab.violations() == []
