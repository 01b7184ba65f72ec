"""The local DRS + EC2 lab (see lab/README.md)."""

import os
from pathlib import Path

# moto loads ~1,300 public AMIs per Region by default and scans them for every instance it runs;
# the lab needs only three (Linux x86_64, Linux arm64, Windows x86_64). Set before moto is imported.
os.environ.setdefault("MOTO_AMIS_PATH", str(Path(__file__).with_name("amis.json")))

