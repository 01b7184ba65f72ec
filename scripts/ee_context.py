#!/usr/bin/env python3
"""Write the execution environment's build context offline: `make ee-context`.

The same as the one documented command, `ansible-builder create -f execution-environment.yml -c build/ee/context`
(the definition copies the collection's source itself), plus the check ansible-builder does not make: every file the
Containerfile copies is in the context. ansible-builder only prints "No matches for ..." for a missing
additional_build_files source and still reports "Complete!"; here that fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONTEXT = ROOT / "build" / "ee" / "context"


def missing_copy_sources(context: Path, filename: str = "Containerfile") -> list[str]:
    """COPY sources of the Containerfile that are not in the build context (COPY --from=<stage> excluded)."""
    containerfile = (context / filename).read_text()
    sources = [line.split()[-2] for line in containerfile.splitlines() if re.match(r"COPY\s", line) and "--from=" not in line]
    return [src for src in sources if not (context / src).exists()]


def main() -> int:
    shutil.rmtree(CONTEXT, ignore_errors=True)
    proc = subprocess.run([str(BIN / "ansible-builder"), "create", "-f", str(ROOT / "execution-environment.yml"), "-c", str(CONTEXT),
                           "--output-filename", "Containerfile"], cwd=ROOT, capture_output=True, text=True)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    missing = missing_copy_sources(CONTEXT) if proc.returncode == 0 else []
    if proc.returncode or missing or "No matches for" in proc.stdout + proc.stderr:
        print(f"The build context is incomplete: the Containerfile copies {', '.join(missing) or 'files'} that are not in {CONTEXT}. "
              "Run this from the root of a checkout of the collection (execution-environment.yml names files relative to it).",
              file=sys.stderr)
        return 1
    print(f"build context: {CONTEXT} (then: podman build -t <image> {CONTEXT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
