"""Unit-test set-up: the repository (collection) root on sys.path, for `from plugins.module_utils import ...`."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _alias_checkout_as_collection():
    """module_utils import each other as ansible_collections.elastic_dr.orchestrator...: alias this checkout to that name."""
    import importlib
    import types

    importlib.import_module("ansible_collections")  # the namespace package of ansible-core
    for name, path in (("ansible_collections.elastic_dr", []), ("ansible_collections.elastic_dr.orchestrator", [str(ROOT)])):
        if name not in sys.modules:
            sys.modules[name] = types.ModuleType(name)
            sys.modules[name].__path__ = path


_alias_checkout_as_collection()
