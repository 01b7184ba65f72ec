"""More end-to-end checks: plan files, cross-account, the report, molecule scenarios of the roles."""

from __future__ import annotations

import pytest

from lab.testing import fresh_lab, suite_lab


@pytest.fixture(scope="session")
def more_lab(tmp_path_factory):
    yield from suite_lab(tmp_path_factory, "more_lab")


@pytest.fixture
def demo_lab(more_lab):
    yield from fresh_lab(more_lab)
