"""Lab behaviour tests: plain boto3 over real HTTP against `python -m lab serve`.

One lab process per test session (time frozen: tests move the clock themselves); every test
starts from a fresh seed of its estate, and fails if any DRS response broke the botocore model.
"""

from __future__ import annotations

import os
import pytest

from lab.process import Lab
from lab_helpers import DEMO, Clients

@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    log = tmp_path_factory.mktemp("lab") / "lab.log"
    lab = Lab(DEMO, time_scale=0, strict=True, log_path=str(log))
    lab.start()
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    yield lab
    lab.stop()


@pytest.fixture
def lab(lab_server, request):
    """The lab, reset to the demo estate (or the estate named by @pytest.mark.estate)."""
    marker = request.node.get_closest_marker("estate")
    lab_server.reset(estate=marker.args[0] if marker else DEMO, time_scale=0)
    yield lab_server
    violations = lab_server.violations()
    assert violations == [], f"DRS responses broke the botocore model: {violations}"


@pytest.fixture
def aws(lab):
    return Clients(lab)


@pytest.fixture
def truth(lab):
    return lab.truth()


def pytest_configure(config):
    config.addinivalue_line("markers", "estate(path): seed this estate instead of the demo estate")
