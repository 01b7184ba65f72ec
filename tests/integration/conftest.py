"""Integration targets (ansible-test layout) run through ansible-playbook against the lab.

One lab process per pytest session (per xdist worker), frozen clock, strict contract checks. Every test
starts from a fresh seed of the demo estate (or of the estate named by ``@pytest.mark.estate``) and fails if
any DRS response broke the botocore model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lab.ansible_env import collections_path  # noqa: E402
from lab.process import Lab  # noqa: E402

HERE = Path(__file__).resolve().parent
DEMO = str(ROOT / "lab/estates/demo.yml")
TWO_ACCOUNTS = str(ROOT / "lab/estates/two_accounts.yml")
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
TAIL_STDOUT = 8000
TAIL_STDERR = 4000


def ansible_env(lab: Lab, **extra: str) -> dict:
    return {
        **os.environ,
        **lab.env(),
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        **extra,
    }


def run_playbook(lab: Lab, path: str | os.PathLike, *args: str, check: bool = True, timeout: float = 300,
                 **extra_vars) -> subprocess.CompletedProcess:
    """ansible-playbook ``path`` against ``lab`` with ``lab_url`` and ``extra_vars`` as one -e JSON document.

    ``path`` is relative to tests/integration unless absolute; ``args`` go to ansible-playbook as they are
    (``-v``, ``--diff``). With ``check`` (the default) a non-zero exit fails the test showing the command and
    the tail of stdout and stderr.
    """
    playbook = Path(path) if Path(path).is_absolute() else HERE / path
    cmd = [ANSIBLE_PLAYBOOK, str(playbook), "-i", "localhost,", "-e", json.dumps({"lab_url": lab.url, **extra_vars}), *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=ansible_env(lab), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)}\nexited {proc.returncode}\n--- stdout (tail) ---\n{proc.stdout[-TAIL_STDOUT:]}\n"
                    f"--- stderr (tail) ---\n{proc.stderr[-TAIL_STDERR:]}", pytrace=False)
    return proc


@pytest.fixture(scope="session")
def integration_lab(tmp_path_factory):
    collections_path()
    log = tmp_path_factory.mktemp("integration_lab") / "lab.log"
    lab = Lab(DEMO, time_scale=0, strict=True, log_path=str(log))
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture
def lab(integration_lab, request):
    """The lab, reset to the demo estate (or the estate named by @pytest.mark.estate), faults cleared."""
    marker = request.node.get_closest_marker("estate")
    integration_lab.reset(estate=marker.args[0] if marker else DEMO, time_scale=0)
    integration_lab.faults()
    yield integration_lab
    integration_lab.faults()
    violations = integration_lab.violations()
    assert violations == [], f"DRS responses broke the botocore model: {violations}"


@pytest.fixture(name="run_playbook")
def run_playbook_fixture():
    """``run_playbook`` for test modules (importing it from a conftest is ambiguous when test trees are combined)."""
    return run_playbook


def pytest_configure(config):
    config.addinivalue_line("markers", "estate(path): seed this estate instead of the demo estate")
