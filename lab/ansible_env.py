"""The environment that runs this checkout's collection with Ansible against a lab (tests, benches, the demo).

Ansible finds `elastic_dr.orchestrator` through ANSIBLE_COLLECTIONS_PATH=build/collections, where
ansible_collections/elastic_dr/orchestrator is a symlink to the repository root (created on first use).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS = ROOT / "build" / "collections"
BIN = Path(sys.executable).parent


def collections_path() -> str:
    """build/collections/ansible_collections/elastic_dr/orchestrator -> this checkout; returns build/collections."""
    link = COLLECTIONS / "ansible_collections" / "elastic_dr" / "orchestrator"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        try:
            link.symlink_to(ROOT)
        except FileExistsError:
            pass
    return str(COLLECTIONS)


def ansible_env(lab=None, **extra: str) -> dict:
    """os.environ + the lab's endpoint and dummy credentials + our collection path, plain output, the venv first on PATH."""
    return {**os.environ, **(lab.env() if lab is not None else {}), "ANSIBLE_COLLECTIONS_PATH": collections_path(),
            "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", ""), **extra}
