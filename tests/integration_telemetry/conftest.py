"""Run telemetry (CloudWatch, SNS, DynamoDB) against moto through the lab."""

from __future__ import annotations

import pytest

from lab.testing import fresh_lab, suite_lab


@pytest.fixture(scope="session")
def telemetry_lab(tmp_path_factory):
    yield from suite_lab(tmp_path_factory, "telemetry_lab")


@pytest.fixture
def lab(telemetry_lab):
    yield from fresh_lab(telemetry_lab)
