"""Time the IATI export of a whole synthetic programme: built, validated, kept.

    python bench/iati.py                         # the database of DATABASE_URL
    python bench/iati.py --activities 100000     # first generate that many (seed 1)

Runs `manage.py export_iati` (the same build and validation as the feed's first poll
after a write) in a child process and reports its wall time and its peak resident
memory, against the targets of issue 16: under 60 s and under 300 MB for 100,000
activities. Exit status 1 when a target is missed or the file is invalid.

`measure(env)` is what bench/run.py calls (`make bench`, `make bench-smoke`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0
TARGET_MEGABYTES = 300.0


def manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )


def measure(env: dict[str, str] | None = None) -> dict[str, Any]:
    """`export_iati` of every published activity of the database of `env`'s DATABASE_URL:
    {"seconds", "cpu_seconds", "peak_rss_mb", "file_mb", "activities", "projects",
    "valid", "problems", "targets", "met"}. `valid` is False when the command refused
    the file (it writes nothing then); `met` says whether both targets were met by a
    valid file."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "activities.xml"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        done = manage("export_iati", "--out", str(out), env=env)
        seconds = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        size = out.stat().st_size if out.exists() else 0
    said = done.stdout
    # The export's own peak (the command reports it), not that of this process.
    found = re.search(r"peak memory (\d+) MB", said)
    counted = re.search(r"(\d+) iati-activity elements \((\d+) projects\)", said)
    valid = done.returncode == 0 and counted is not None
    megabytes = float(found.group(1)) if found else None
    met = (
        valid
        and megabytes is not None
        and seconds <= TARGET_SECONDS
        and megabytes <= TARGET_MEGABYTES
    )
    return {
        "seconds": round(seconds, 1),
        # The export's own processor time (not the database's): what a loaded machine
        # does not change much, unlike the wall time.
        "cpu_seconds": round(
            after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1
        ),
        "peak_rss_mb": megabytes,
        "file_mb": round(size / 1024 / 1024, 1),
        "activities": int(counted.group(1)) if counted else None,
        "projects": int(counted.group(2)) if counted else None,
        "valid": valid,
        "problems": [] if valid else done.stderr.strip().splitlines()[-10:],
        "targets": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_MEGABYTES},
        "met": met,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=0, help="Generate this many first.")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    if options.activities:
        for args in (
            ("migrate", "-v0"),
            ("load_reference",),
            (
                "generate_synthetic",
                "--activities",
                str(options.activities),
                "--seed",
                str(options.seed),
                "--allow-mixed",
            ),
        ):
            manage(*args).check_returncode()
    result = {
        "database": os.environ.get("DATABASE_URL", "sqlite (default)"),
        **measure(),
    }
    print(json.dumps(result, indent=2))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
