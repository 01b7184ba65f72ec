"""docs/troubleshooting.md quotes every remediation the plugins can emit (keyed by those sentences)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from remediation_catalog import ROOT, catalog  # noqa: E402

DOC = ROOT / "docs" / "troubleshooting.md"


def _doc_text() -> str:
    return re.sub(r"\s+", " ", DOC.read_text().replace("\\|", "|"))


def test_the_catalog_finds_the_remediations_of_every_module():
    where = {w.split(":")[0] for entry in catalog().values() for w in entry["where"]}
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "plugins" / "modules").glob("*.py")
               if "remediation=" in p.read_text() and not p.name.endswith("_info.py")}
    assert modules - where == set(), "a module emits remediations the catalog cannot read"
    assert len(catalog()) >= 60


def test_every_remediation_is_in_the_troubleshooting_table():
    text = _doc_text()
    missing = {shown: sorted(entry["where"]) for shown, entry in catalog().items() if not entry["pattern"].search(text)}
    assert not missing, "Add a row to docs/troubleshooting.md for:\n" + "\n".join(f"  {k}  ({', '.join(v)})" for k, v in missing.items())


def test_the_check_would_notice_a_changed_sentence():
    entry = catalog()["Give each source server exactly one target."]
    assert entry["pattern"].search(_doc_text())
    assert not entry["pattern"].search(_doc_text().replace("Give each source server exactly one target.", "Give one target."))
