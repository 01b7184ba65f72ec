#!/usr/bin/env python3
"""Build the execution environment's build context offline: `make ee-context`.

1. `ansible-galaxy collection build` of this checkout -> build/ee/elastic_dr-orchestrator.tar.gz
2. `ansible-builder create -f execution-environment.yml -c build/ee/context` (writes the Containerfile and copies the
   requirements and the tarball; pulling the base image and installing from Galaxy happen later, in `podman build`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "build" / "ee"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("elastic_dr-orchestrator*.tar.gz"):
        old.unlink()
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(OUT), str(ROOT)],
                   check=True, stdout=subprocess.DEVNULL)
    (built,) = [p for p in OUT.glob("elastic_dr-orchestrator-*.tar.gz")]
    built.rename(OUT / "elastic_dr-orchestrator.tar.gz")
    context = OUT / "context"
    shutil.rmtree(context, ignore_errors=True)
    subprocess.run([str(BIN / "ansible-builder"), "create", "-f", str(ROOT / "execution-environment.yml"), "-c", str(context),
                    "--output-filename", "Containerfile"], check=True, cwd=ROOT)
    print(f"build context: {context} (then: podman build -t <image> {context})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
