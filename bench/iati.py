"""Time the IATI export of a whole synthetic programme: built, validated, kept.

    python bench/iati.py                         # the database of DATABASE_URL
    python bench/iati.py --activities 100000     # first generate that many (seed 1)

Runs `manage.py export_iati` (the same build and validation as the feed's first poll
after a write) in a child process and reports its wall time and its peak resident
memory, against the targets of issue 16: under 60 s and under 300 MB for 100,000
activities. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0
TARGET_MEGABYTES = 300.0


def manage(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=0, help="Generate this many first.")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    if options.activities:
        manage("migrate", "-v0")
        manage("load_reference")
        manage(
            "generate_synthetic",
            "--activities",
            str(options.activities),
            "--seed",
            str(options.seed),
            "--allow-mixed",
        )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "activities.xml"
        started = time.monotonic()
        said = manage("export_iati", "--out", str(out))
        seconds = time.monotonic() - started
        size = out.stat().st_size
    # The export's own peak (the command reports it), not that of the generation before.
    found = re.search(r"peak memory (\d+) MB", said)
    megabytes = float(found.group(1)) if found else float("nan")
    result = {
        "database": os.environ.get("DATABASE_URL", "sqlite (default)"),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(megabytes, 1),
        "file_mb": round(size / 1024 / 1024, 1),
        "targets": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_MEGABYTES},
    }
    print(json.dumps(result, indent=2))
    print(said.strip())
    return 0 if seconds <= TARGET_SECONDS and megabytes <= TARGET_MEGABYTES else 1


if __name__ == "__main__":
    sys.exit(main())
