"""Lab behaviour tests: plain boto3 over real HTTP against `python -m lab serve`.

One lab process per test session (time frozen: tests move the clock themselves); every test
starts from a fresh seed of its estate, and fails if any DRS response broke the botocore model.
"""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from lab.process import Lab

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "lab/estates/demo.yml")
TWO_ACCOUNTS = str(ROOT / "lab/estates/two_accounts.yml")
NO_RETRY = Config(retries={"total_max_attempts": 1})


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


class Clients:
    """boto3 clients bound to the lab for one account's credentials."""

    def __init__(self, lab: Lab, region: str = "us-west-2", credentials: dict | None = None, config: Config | None = None):
        self.lab = lab
        self.region = region
        creds = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        self.session = boto3.session.Session(region_name=region, **creds)
        self.config = config

    def __call__(self, service: str, region: str | None = None, config: Config | None = None):
        return self.session.client(service, region_name=region or self.region, endpoint_url=self.lab.url,
                                   config=config or self.config)


@pytest.fixture
def aws(lab):
    return Clients(lab)


@pytest.fixture
def truth(lab):
    return lab.truth()


def pytest_configure(config):
    config.addinivalue_line("markers", "estate(path): seed this estate instead of the demo estate")
