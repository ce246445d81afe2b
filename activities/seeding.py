"""Loading reference data (UN M49, audiences, languages) and the 2020 report seed.

Both loaders are idempotent: they look records up by natural keys (M49 and ISO codes,
slugs, symbols, `Activity.reference`, figure codes), write only what differs, and so a
second run changes nothing, not even the audit history.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import translation

from . import rollups, services
from .models import (
    Activity,
    ActivityKind,
    ActivityPostponement,
    Audience,
    BeneficiaryGroup,
    Country,
    DatePrecision,
    FigureRole,
    Hub,
    Kind,
    Language,
    Mandate,
    Mentor,
    Modality,
    ModalityOption,
    Partner,
    PeriodEvent,
    PeriodSnapshot,
    Region,
    ReportedFigure,
    ReportingPeriod,
    SnapshotFigure,
    SourceDocument,
    Theme,
)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
M49_FIXTURE = FIXTURES / "m49.json"
REFERENCE_FIXTURE = FIXTURES / "reference.json"
REPORT_SEED = FIXTURES / "report-2020.json"
REPORT_FIGURES = FIXTURES / "report-figures.csv"
WORLD = "001"

M = TypeVar("M", bound=models.Model)


def upsert(model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """Create, or update only the fields that differ; save nothing when nothing does."""
    obj = model._default_manager.filter(**lookup).first()  # `objects`, for every model here
    if obj is None:
        return model._default_manager.create(**lookup, **values)
    # A code given for a foreign key to a code (an activity's kind) is compared with the
    # code the row holds, not with the related row.
    changed = [
        name
        for name, value in values.items()
        if (obj.serializable_value(name) if isinstance(value, str) else getattr(obj, name)) != value
    ]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
    return obj


def set_m2m(manager, objects: Iterable[models.Model]) -> None:
    wanted = {obj.pk for obj in objects}
    if set(manager.values_list("pk", flat=True)) != wanted:
        manager.set(wanted)


def parse_period(text: str) -> tuple[datetime.date, datetime.date, str]:
    """'2020', '2020-02', '2018/2020', '2020-07-27/2020-07-29' -> (start, end, precision)."""
    first, _, last = text.partition("/")
    last = last or first
    precision = {4: DatePrecision.YEAR, 7: DatePrecision.MONTH, 10: DatePrecision.DAY}[len(first)]
    return _period_start(first), _period_end(last), precision


def _period_start(text: str) -> datetime.date:
    parts = [int(p) for p in text.split("-")] + [1, 1]
    return datetime.date(parts[0], parts[1], parts[2])


def _period_end(text: str) -> datetime.date:
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 1:
        return datetime.date(parts[0], 12, 31)
    if len(parts) == 2:
        next_month = datetime.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return next_month - datetime.timedelta(days=1)
    return datetime.date(*parts)


# --- Reference data --------------------------------------------------------------------


@transaction.atomic
def load_reference() -> dict[str, int]:
    """Load the M49 regions and countries, audiences and languages."""
    m49 = json.loads(M49_FIXTURE.read_text(encoding="utf-8"))
    by_code = {row["code"]: row for row in m49["regions"]}

    def path_of(code: str) -> list[str]:
        chain = []
        while code:
            chain.append(code)
            code = by_code[code]["parent"]
        return list(reversed(chain))

    regions: dict[str, Region] = {}
    # Parents before children: sort by depth.
    for row in sorted(m49["regions"], key=lambda r: len(path_of(r["code"]))):
        chain = path_of(row["code"])
        regions[row["code"]] = upsert(
            Region,
            {"code": row["code"]},
            {
                "name": row["name"],
                "level": len(chain) - 1,
                "parent": regions.get(row["parent"]) if row["parent"] else None,
                "path": "/" + "/".join(chain) + "/",
            },
        )
    for code, region in regions.items():
        chain = path_of(code)
        upsert(
            Region,
            {"pk": region.pk},
            {
                "m49_region": regions[chain[1]] if len(chain) > 1 else None,
                "m49_subregion": regions[chain[2]] if len(chain) > 2 else None,
            },
        )
    for row in m49["countries"]:
        chain = path_of(row["region"])
        upsert(
            Country,
            {"iso3": row["iso3"]},
            {
                "iso2": row["iso2"],
                "m49_code": row["m49_code"],
                "name": row["name"],
                "names": row["names"],
                "region": regions[row["region"]],
                "m49_region": regions[chain[1]] if len(chain) > 1 else None,
                "m49_subregion": regions[chain[2]] if len(chain) > 2 else None,
                "path": "/" + "/".join(chain) + f"/{row['iso3']}/",
                "latitude": row["latitude"],
                "longitude": row["longitude"],
            },
        )
    reference = json.loads(REFERENCE_FIXTURE.read_text(encoding="utf-8"))
    for code, name in reference["languages"]:
        upsert(Language, {"code": code}, {"name": name})
    for slug, name in reference["audiences"]:
        upsert(Audience, {"slug": slug}, {"name": name})
    ensure_built_in_codes()
    # The M49 tree placed countries anew: every activity's cells are rolled up again.
    rollups.rebuild()
    return {
        "regions": Region.objects.count(),
        "countries": Country.objects.count(),
        "languages": Language.objects.count(),
        "audiences": Audience.objects.count(),
        "kinds": Kind.objects.count(),
        "modalities": ModalityOption.objects.count(),
    }


def ensure_built_in_codes() -> None:
    """The built-in kinds and modalities (models/kinds.py), where missing. Migration
    0013 made them; a database emptied since (a flushed test database) gets them back.
    Rows that exist are left as an administrator left them (labels, order, active)."""
    with translation.override("en"):
        for model, codes in ((Kind, ActivityKind), (ModalityOption, Modality)):
            for position, (code, label) in enumerate(codes.choices, start=1):
                model.objects.get_or_create(
                    code=code, defaults={"label": str(label), "position": position * 10}
                )


# --- The 2020 report -------------------------------------------------------------------


def read_report_figures(*, corrected: bool = True) -> list[dict[str, str]]:
    """The rows of report-figures.csv; with `corrected`, the seed's corrections applied
    (`figure_corrections` in report-2020.json: where the CSV departs from the report)."""
    with REPORT_FIGURES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if corrected:
        seed = json.loads(REPORT_SEED.read_text(encoding="utf-8"))
        apply_corrections(rows, seed.get("figure_corrections", []))
    return rows


def apply_corrections(rows: list[dict[str, str]], corrections: list[dict[str, str]]) -> None:
    """Replace each corrected CSV cell, which must still hold the value the correction
    names (or already the corrected one): a CSV changed since stops the seed."""
    by_id = {row["id"]: row for row in rows}
    for correction in corrections:
        row = by_id[correction["figure"]]
        column = correction["column"]
        if row[column] not in (correction["csv"], correction["corrected"]):
            raise ValueError(
                f"{correction['figure']}.{column} is {row[column]!r} in the CSV, not "
                f"{correction['csv']!r}: review the correction in {REPORT_SEED.name}"
            )
        row[column] = correction["corrected"]


def resolve_geography(text: str) -> tuple[list[Country], list[Region]]:
    """'El Salvador; Guatemala' or 'South-eastern Asia' or 'global' -> countries, regions."""
    countries: list[Country] = []
    regions: list[Region] = []
    for name in [part.strip() for part in text.split(";") if part.strip()]:
        if name == "global":
            regions.append(Region.objects.get(code=WORLD))
        elif country := Country.objects.filter(name=name).first():
            countries.append(country)
        else:
            regions.append(Region.objects.get(name=name))
    return countries, regions


def _by_slug(model, slugs: Iterable[str]) -> list:
    slugs = list(slugs)
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=slugs)}
    missing = set(slugs) - set(found)
    if missing:
        raise ValueError(f"unknown {model.__name__} slugs: {sorted(missing)}")
    return [found[slug] for slug in slugs]


def _partners(names: Iterable[str]) -> list[Partner]:
    return [
        Partner.objects.filter(models.Q(name=name) | models.Q(short_name=name)).get()
        for name in names
    ]


@transaction.atomic
def load_report_seed() -> dict[str, int]:
    """Load the 2020 report: entities, activities with their beneficiaries, all figures."""
    seed = json.loads(REPORT_SEED.read_text(encoding="utf-8"))
    doc = seed["source_document"]
    source = upsert(
        SourceDocument,
        {"key": doc["key"]},
        {
            "title": doc["title"],
            "symbol": doc["symbol"],
            "issued": datetime.date.fromisoformat(doc["issued"]),
            "file_name": doc["file_name"],
            "note": doc["note"],
        },
    )
    themes: dict[str, Theme] = {}
    for row in seed["themes"]:
        themes[row["slug"]] = upsert(
            Theme,
            {"slug": row["slug"]},
            {
                "name": row["name"],
                "parent": themes[row["parent"]] if row.get("parent") else None,
                "description": row.get("description", ""),
                "source_paragraph": row["paragraph"],
            },
        )
    for row in seed["partners"]:
        upsert(
            Partner,
            {"name": row["name"]},
            {
                "short_name": row.get("short_name", ""),
                "kind": row["kind"],
                "description": row.get("description", ""),
                "country": Country.objects.get(iso3=row["country"]) if row.get("country") else None,
                "name_is_descriptive": row.get("descriptive", False),
                "source_paragraph": row["paragraph"],
            },
        )
    for row in seed["mandates"]:
        upsert(
            Mandate,
            {"symbol": row["symbol"]},
            {
                "body": row["body"],
                "year": row["year"],
                "title": row["title"],
                "summary": row["summary"],
                "source_paragraph": row["paragraph"],
            },
        )
    hubs = _load_hubs(seed)
    mentors: dict[str, Mentor] = {}
    for row in seed["mentors"]:
        hub_country = Country.objects.get(iso3=row["hub_country"])
        # The report names no mentor: one unnamed record per hub, found by its hub.
        mentor = upsert(
            Mentor,
            {"hub_country": hub_country, "name": ""},
            {
                "hub": hubs[row["hub"]],
                "note": seed["mentor_note"],
                "source_paragraph": row["paragraph"],
            },
        )
        set_m2m(mentor.themes, [themes[slug] for slug in row["themes"]])
        mentors[row["key"]] = mentor

    activities: dict[str, Activity] = {}
    for row in seed["activities"]:
        activities[row["reference"]] = _load_activity(row, source, themes)

    figures = read_report_figures()
    for csv_row in figures:
        _load_figure(csv_row, seed["figures"][csv_row["id"]], source, themes, activities, mentors)
    _load_reported_period(seed["reported_period"], source)
    return {
        "activities": Activity.objects.filter(reference__startswith="report-2020/").count(),
        "beneficiary_rows": BeneficiaryGroup.objects.filter(
            activity__reference__startswith="report-2020/"
        ).count(),
        "figures": ReportedFigure.objects.count(),
        "snapshot_figures": SnapshotFigure.objects.filter(snapshot__period__project=None).count(),
        "partners": Partner.objects.count(),
        "mandates": Mandate.objects.count(),
        "mentors": Mentor.objects.count(),
        "hubs": Hub.objects.count(),
        "themes": Theme.objects.count(),
    }


def _load_hubs(seed: dict[str, Any]) -> dict[str, Hub]:
    """The report's regional hubs, by code: their country and the paragraph, and no
    coverage, no city and no name (the report gives none). A coverage recorded since by
    staff is kept: the seed sets only what the report says."""
    hubs: dict[str, Hub] = {}
    for row in seed["hubs"]:
        values: dict[str, Any] = {
            "location": Country.objects.get(iso3=row["location"]),
            "description": seed["hub_description"],
            "source_paragraph": row["paragraph"],
        }
        if not Hub.objects.filter(code=row["code"]).exists():
            # Said once: staff who record the coverage rewrite the note with it.
            values["coverage_note"] = seed["hub_coverage_note"]
        hubs[row["code"]] = upsert(Hub, {"code": row["code"]}, values)
    return hubs


def _load_activity(row: dict[str, Any], source: SourceDocument, themes) -> Activity:
    start, end, precision = parse_period(row["period"])
    venue = row.get("venue") or {}
    activity = upsert(
        Activity,
        {"reference": row["reference"]},
        {
            "kind": row["kind"],
            "title": row["title"],
            "description": row.get("description", ""),
            "start_date": start,
            "end_date": end,
            "date_precision": precision,
            "modality": row.get("modality", Activity.Modality.NOT_RECORDED),
            "delivery": row.get("delivery", Activity.Delivery.DELIVERED),
            "venue_country": Country.objects.get(iso3=venue["country"])
            if venue.get("country")
            else None,
            "venue_city": venue.get("city", ""),
            "reported_countries_count": row.get("reported_countries_count"),
            "status": Activity.Status.PUBLISHED,
            "source_document": source,
            "source_paragraph": row["paragraph"],
            "source_note": row.get("note", ""),
        },
    )
    set_m2m(activity.countries, Country.objects.filter(iso3__in=row.get("countries", [])))
    set_m2m(activity.regions, Region.objects.filter(code__in=row.get("regions", [])))
    set_m2m(activity.languages, Language.objects.filter(code__in=row.get("languages", [])))
    set_m2m(activity.audiences, _by_slug(Audience, row.get("audiences", [])))
    set_m2m(activity.themes, [themes[slug] for slug in row.get("themes", [])])
    set_m2m(activity.partners, _partners(row.get("partners", [])))
    set_m2m(activity.mandates, Mandate.objects.filter(symbol__in=row.get("mandates", [])))

    wanted = [
        {
            "audience_id": _by_slug(Audience, [b["audience"]])[0].pk if b["audience"] else None,
            "country_id": None,
            "female": b.get("female", 0),
            "male": b.get("male", 0),
            "not_recorded": b.get("not_recorded", 0),
            "total": b.get("female", 0) + b.get("male", 0) + b.get("not_recorded", 0),
            "qualifier": b["qualifier"],
            "note": b.get("note", ""),
        }
        for b in row.get("beneficiaries", [])
    ]
    existing = (
        list(activity.beneficiaries.order_by("id").values(*wanted[0].keys())) if wanted else []
    )
    if existing != wanted:
        activity.beneficiaries.all().delete()
        BeneficiaryGroup.objects.bulk_create(
            [BeneficiaryGroup(activity=activity, **values) for values in wanted]
        )
    _load_postponements(activity, row.get("postponements", []))
    services.refresh_attribution(activity=activity)
    return activity


def _load_postponements(activity: Activity, moves: list[dict[str, Any]]) -> None:
    """The report's postponements of an activity, each from the dates it was set for to
    the ones it was moved to (written again only when they differ)."""
    fields = list(ActivityPostponement.MOVE_FIELDS)
    wanted = []
    for move in moves:
        from_start, from_end, from_precision = parse_period(move["from"])
        to_start, to_end, to_precision = parse_period(move["to"])
        decided = move.get("decided_on")
        wanted.append(
            {
                "from_start": from_start,
                "from_end": from_end,
                "from_precision": from_precision,
                "to_start": to_start,
                "to_end": to_end,
                "to_precision": to_precision,
                "decided_on": datetime.date.fromisoformat(decided) if decided else None,
                "decision": move.get("decision", ""),
                "reason": move.get("reason", ""),
                "source_paragraph": move["paragraph"],
            }
        )
    existing = list(activity.postponements.order_by("from_start", "id").values(*fields))
    if existing != wanted:
        activity.postponements.all().delete()
        ActivityPostponement.objects.bulk_create(
            [ActivityPostponement(activity=activity, **values) for values in wanted]
        )


def _load_figure(csv_row, extra, source, themes, activities, mentors) -> ReportedFigure:
    countries, regions = resolve_geography(csv_row["geography"])
    start = end = None
    precision = ""
    if csv_row["period"]:
        start, end, precision = parse_period(csv_row["period"])
    figure = upsert(
        ReportedFigure,
        {"code": csv_row["id"]},
        {
            "role": extra["role"],
            "category": csv_row["kind"],
            "subject": csv_row["subject"],
            "value": int(csv_row["value"]) if csv_row["value"] else None,
            "qualifier": csv_row["qualifier"],
            "unit": csv_row["unit"],
            "audience_text": csv_row["audience"],
            "countries_count": int(csv_row["countries_count"])
            if csv_row["countries_count"]
            else None,
            "geography_as_reported": extra.get("geography_as_reported", ""),
            "geography_note": extra.get("geography_note", ""),
            "start_date": start,
            "end_date": end,
            "date_precision": precision,
            "period_text": csv_row["period"],
            "source_document": source,
            "source_paragraph": csv_row["paragraph"],
            "note": csv_row["notes"],
        },
    )
    set_m2m(figure.countries, countries)
    set_m2m(figure.regions, regions)
    set_m2m(
        figure.languages,
        Language.objects.filter(name__in=[n.strip() for n in csv_row["languages"].split(";")]),
    )
    # The backing activities carry the partners; the CSV's one partner cell for F16
    # ("Ministries of education and ... of El Salvador; Guatemala and Honduras") cannot be
    # split on ';', so figure partners are taken from the activities when there are any.
    backing = [activities[ref] for ref in extra.get("activities", [])]
    partners: Iterable[Partner]
    if backing:
        partners = Partner.objects.filter(activities__in=backing).distinct()
    else:
        partners = _partners(n.strip() for n in csv_row["partners"].split(";") if n.strip())
    set_m2m(figure.partners, partners)
    set_m2m(figure.audiences, _by_slug(Audience, extra.get("audiences", [])))
    set_m2m(figure.themes, [themes[slug] for slug in extra.get("themes", [])])
    set_m2m(figure.activities, backing)
    set_m2m(figure.mentors, [mentors[key] for key in extra.get("mentors", [])])
    return figure


def report_reference(source: SourceDocument, fallback: str) -> str:
    """The report a period was closed for: its symbol, or (our copy prints none) the
    fixture's description of it; never a guessed symbol."""
    return source.symbol or fallback


def snapshot_rows(figures: Iterable[ReportedFigure]) -> list[dict[str, Any]]:
    """The SnapshotFigure values of the report's figures: every delivery figure, and the
    umbrella totals kept apart by their role; exactly as the report gives them (value
    and qualifier), with no target (the report sets none)."""
    rows = []
    for figure in figures:
        if figure.role not in (FigureRole.DELIVERY, FigureRole.UMBRELLA):
            continue
        rows.append(
            {
                "key": figure.code,
                "label": figure.subject,
                "value": figure.value,
                "qualifier": figure.qualifier,
                "target": None,
                "detail": {
                    "figure": figure.code,
                    "role": figure.role,
                    "unit": figure.unit,
                    "period": figure.period_text,
                    "paragraph": figure.source_paragraph,
                    "geography_as_reported": figure.geography_as_reported,
                },
            }
        )
    return rows


def _load_reported_period(row: dict[str, Any], source: SourceDocument) -> ReportingPeriod:
    """The programme-wide period 2020, closed for the report with its snapshot.

    Written once: when the period already has a snapshot, nothing is touched (a snapshot
    never changes, and a manager may have reopened the period since).
    """
    start = datetime.date.fromisoformat(row["start"])
    end = datetime.date.fromisoformat(row["end"])
    period = ReportingPeriod.objects.filter(
        project__isnull=True, start_date=start, end_date=end
    ).first()
    if period is not None and period.snapshots.exists():
        return period
    report = report_reference(source, row["report_without_symbol"])
    closed_at = datetime.datetime.fromisoformat(row["closed_at"])
    if period is None:
        period = ReportingPeriod.objects.create(
            project=None, label=row["label"], start_date=start, end_date=end
        )
    period.is_closed = True
    period.report = report
    period.save(update_fields=["is_closed", "report"])
    PeriodEvent.objects.create(
        period=period,
        action=PeriodEvent.Action.CLOSE,
        at=closed_at,
        by=None,  # the seed, not a person
        report=report,
        note=row["event_note"],
    )
    snapshot = PeriodSnapshot.objects.create(
        period=period,
        taken_at=closed_at,
        taken_by=None,
        report=report,
        data_version=None,  # read from the report, not from the data
        note=row["snapshot_note"],
    )
    figures = ReportedFigure.objects.filter(source_document=source).order_by("code")
    SnapshotFigure.objects.bulk_create(
        [SnapshotFigure(snapshot=snapshot, **values) for values in snapshot_rows(figures)]
    )
    return period


def analyze_tables() -> None:
    """Refresh the planner's statistics after a load (PostgreSQL; SQLite needs none).

    A cluster with autovacuum off never analyses a freshly loaded table, and the
    counting queries then misjudge, say, the 60 countries under Africa as one row.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
