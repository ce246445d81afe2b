"""Regenerate fixtures/m49.json from the UNSD table shipped in hdx-python-country.

Run through `make countries`, which installs the package with --no-deps into a
throwaway venv and runs this script with that venv's python. Nothing is hand-typed:
every code and name below comes from the package's CSV.

Decisions, recorded here and in the fixture:
- Rows without an M49 code or an ISO alpha-3 code are dropped (Sark, Kosovo, the
  Channel Islands row, the Azores, Canary and Galapagos Islands, Netherlands Antilles).
- Taiwan is dropped: UNSD's M49 list does not include it as a separate area (its
  "M49 English" name is empty in the table), so the count is UNSD's 248.
- The Channel Islands (830) are kept as an intermediate region under Northern Europe,
  holding Guernsey and Jersey, as in M49.
- Antarctica has no region below World in M49, so it hangs directly under 001.
"""

from __future__ import annotations

import csv
import json
import sys
from importlib import metadata
from pathlib import Path

import hdx.location

CSV_NAME = "Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"
LANGUAGES = {"fr": "French", "es": "Spanish", "ru": "Russian", "zh": "Chinese", "ar": "Arabic"}


def code3(value: str) -> str:
    return value.strip().zfill(3) if value.strip() else ""


def main(out_path: str) -> None:
    csv_path = Path(hdx.location.__file__).parent / CSV_NAME
    with csv_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    regions: dict[str, dict] = {"001": {"code": "001", "name": "World", "parent": None}}
    countries = []
    dropped = []
    for row in rows:
        m49, iso3 = code3(row["m49 numerical code"]), row["ISO 3166-1 Alpha 3-Codes"].strip()
        if not m49 or not iso3 or not row["M49 English"].strip():
            dropped.append(row["Preferred Term"])
            continue
        parent = "001"
        for code_col, name_col in (
            ("Region Code", "Region Name"),
            ("Sub-region Code", "Sub-region Name"),
            ("Intermediate Region Code", "Intermediate Region Name"),
        ):
            code = code3(row[code_col])
            if not code:
                continue
            regions.setdefault(
                code, {"code": code, "name": row[name_col].strip(), "parent": parent}
            )
            parent = code
        latitude = row["Latitude"].strip()
        longitude = row["Longitude"].strip()
        countries.append(
            {
                "iso2": row["ISO 3166-1 Alpha 2-Codes"].strip(),
                "iso3": iso3,
                "m49_code": m49,
                "name": row["M49 English"].strip(),
                "names": {"en": row["M49 English"].strip()}
                | {code: row[f"M49 {name}"].strip() for code, name in LANGUAGES.items()},
                "region": parent,
                "latitude": float(latitude) if latitude else None,
                "longitude": float(longitude) if longitude else None,
            }
        )
    countries.sort(key=lambda c: c["iso3"])
    fixture = {
        "source": "UNSD M49 table in the hdx-python-country package (MIT), file "
        f"hdx/location/{CSV_NAME}",
        "package": "hdx-python-country",
        "version": metadata.version("hdx-python-country"),
        "dropped": sorted(dropped),
        "regions": sorted(regions.values(), key=lambda r: r["code"]),
        "countries": countries,
    }
    Path(out_path).write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n")
    print(f"{len(countries)} countries, {len(regions)} regions -> {out_path}")


if __name__ == "__main__":
    main(sys.argv[1])
