"""`ansible-test sanity` offline, on the collection as shipped (see ../shared/reference/TOOLCHAIN.md §4).

ansible-test needs the collection physically at .../ansible_collections/elastic_dr/orchestrator (a copy, not a
symlink), amazon.aws as a sibling, and it downloads get-pip from a host that is unreachable here: a stand-in that
uses ensurepip is written to its cache first. Only shipped content is copied (no lab/, bench/, scripts/).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["galaxy.yml", "meta", "plugins", "roles", "playbooks", "docs", "README.md", "CHANGELOG.md", "changelogs",
           "tests/sanity", "tests/unit/plugins", "tests/unit/conftest.py"]
GET_PIP = """import subprocess, sys
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade", "--quiet"] + args)
"""


def site_packages() -> Path:
    import ansible_test  # noqa: F401  (ships with ansible-core)

    return Path(sys.modules["ansible_test"].__file__).resolve().parent.parent


def main() -> int:
    started = time.monotonic()
    site = site_packages()
    # Outside the repository: inside it, ansible-test would list files with git and skip the ignored build/.
    base = Path(tempfile.gettempdir()) / "elastic_dr_sanity"
    tree = base / "ansible_collections"
    dest = tree / "elastic_dr" / "orchestrator"
    shutil.rmtree(base, ignore_errors=True)
    dest.mkdir(parents=True)
    for item in SHIPPED:
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.is_file():
            (dest / item).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / item)
    (tree / "amazon").mkdir()
    (tree / "amazon" / "aws").symlink_to(site / "ansible_collections" / "amazon" / "aws")
    requirements = (site / "ansible_test" / "_internal" / "python_requirements.py").read_text()
    version = re.search(r"pip='?([0-9.]+)", requirements) or re.search(r"get_pip_([0-9_]+)", requirements)
    pip_version = (version.group(1) if version else "24.2").replace(".", "_")
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / f"get_pip_{pip_version}.py").write_text(GET_PIP)
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    rc = subprocess.call([str(Path(sys.executable).parent / "ansible-test"), "sanity", "--venv", "--python", "3.11", "--color", "no"],
                         cwd=dest, env=env)
    print(f"ansible-test sanity: exit {rc} in {time.monotonic() - started:.0f} s")
    return rc


if __name__ == "__main__":
    sys.exit(main())
