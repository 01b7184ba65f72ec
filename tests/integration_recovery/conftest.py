"""Recovery-module integration tests: ansible-playbook against one lab per xdist worker, reset per test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for p in (ROOT, HERE):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from lab.process import Lab  # noqa: E402
from recovery_helpers import collections_path, write_estate  # noqa: E402


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    collections_path()
    log = tmp_path_factory.mktemp("lab") / "lab.log"
    lab = Lab(None, time_scale=0, strict=True, log_path=str(log))
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def estates(tmp_path_factory):
    directory = tmp_path_factory.mktemp("estates")
    return lambda servers, waves=1: write_estate(directory, servers, waves)


@pytest.fixture
def lab(lab_server, estates):
    """The worker's lab. Call ``lab.fresh(servers, time_scale)`` first: it reseeds a generated estate of that
    size (1 wave) and returns lab.truth(). After the test, no DRS response may have broken the botocore model."""

    def fresh(servers: int, time_scale: float = 0):
        lab_server.reset(estate=estates(servers), time_scale=time_scale, seed=0)
        return lab_server.truth()

    lab_server.fresh = fresh
    yield lab_server
    violations = lab_server.violations()
    lab_server.faults()
    assert violations == [], f"DRS responses broke the botocore model: {violations}"
