"""What the export reads, in chunks: plain records, never a whole table in memory.

`activity_records(ids)` reads the activities whose ids it is given `CHUNK` at a time, in
a fixed number of queries per chunk (the activities, each many-to-many link, the
participations by country), and yields one ActivityRecord each. The small directories
(places, themes, partners, donors, projects) are read once into `Directory`.

Nothing personal is read: no participant, no attendance, no user.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min, Q, Sum

from ..models import (
    Activity,
    BeneficiaryGroup,
    Country,
    Donor,
    Funding,
    Kind,
    Partner,
    Project,
    Region,
    SourceDocument,
    Theme,
)

CHUNK = 2000


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Org:
    name: str
    type: str | None = None


@dataclass
class Directory:
    """The small tables, by id: read once per export."""

    countries: dict[int, Place]
    regions: dict[int, Place]
    themes: dict[int, tuple[str, str | None]]  # slug, parent slug
    partners: dict[int, Partner]
    donors: dict[int, Donor]
    projects: dict[int, str]  # code
    sources: dict[int, SourceDocument]
    kinds: dict[str, Kind]  # by code

    @classmethod
    def load(cls) -> Directory:
        themes = {theme.pk: theme for theme in Theme.objects.select_related("parent")}
        return cls(
            countries={
                country.pk: Place(country.iso2, country.name, dict(country.names or {}))
                for country in Country.objects.only("iso2", "name", "names")
            },
            regions={
                region.pk: Place(region.code, region.name)
                for region in Region.objects.only("code", "name")
            },
            themes={
                pk: (theme.slug, theme.parent.slug if theme.parent else None)
                for pk, theme in themes.items()
            },
            partners={partner.pk: partner for partner in Partner.objects.all()},
            donors={donor.pk: donor for donor in Donor.objects.all()},
            projects=dict(Project.objects.values_list("pk", "code")),
            sources={source.pk: source for source in SourceDocument.objects.all()},
            kinds={kind.code: kind for kind in Kind.objects.all()},
        )


@dataclass
class ActivityRecord:
    pk: int
    reference: str | None
    kind: str
    title: str
    description: str
    start_date: datetime.date
    end_date: datetime.date
    date_precision: str
    period_label: str
    delivery: str
    updated_at: datetime.datetime
    source_document_id: int | None
    source_paragraph: str
    countries: list[int] = field(default_factory=list)
    regions: list[int] = field(default_factory=list)
    themes: list[int] = field(default_factory=list)
    partners: list[int] = field(default_factory=list)
    donors: list[int] = field(default_factory=list)
    projects: list[int] = field(default_factory=list)
    # Participations by the country a beneficiary row names (None: rows naming none).
    participations_by_country: dict[int | None, int] = field(default_factory=dict)


ACTIVITY_FIELDS = (
    "pk",
    "reference",
    "kind",
    "title",
    "description",
    "start_date",
    "end_date",
    "date_precision",
    "delivery",
    "updated_at",
    "source_document_id",
    "source_paragraph",
)
LINKS = ("countries", "regions", "themes", "partners", "donors", "projects")


def activity_records(ids: Sequence[int]) -> Iterator[ActivityRecord]:
    """The activities of `ids` (ascending), in that order, CHUNK at a time (8 queries a
    chunk)."""
    from ..models.precision import format_period

    for offset in range(0, len(ids), CHUNK):
        chunk = list(ids[offset : offset + CHUNK])
        wanted = set(chunk)
        rows = Activity.objects.filter(_chunk_q("pk", chunk)).order_by().values(*ACTIVITY_FIELDS)
        records: dict[int, ActivityRecord] = {}
        for row in rows:
            if row["pk"] in wanted:
                records[row["pk"]] = ActivityRecord(
                    **row,
                    period_label=format_period(
                        row["start_date"], row["end_date"], row["date_precision"]
                    ),
                )
        for name in LINKS:
            through = Activity._meta.get_field(name).remote_field.through  # type: ignore[union-attr]
            target = next(
                f.attname
                for f in through._meta.fields
                if f.is_relation and f.related_model is not Activity
            )
            pairs = (
                through.objects.filter(_chunk_q("activity_id", chunk))
                .order_by(target)
                .values_list("activity_id", target)
            )
            for activity_id, target_id in pairs:
                if activity_id in records:
                    getattr(records[activity_id], name).append(target_id)
        sums = (
            BeneficiaryGroup.objects.filter(_chunk_q("activity_id", chunk))
            .order_by()
            .values("activity_id", "country_id")
            .annotate(participations=Sum("total"))
        )
        for row in sums:
            if row["activity_id"] in records:
                shares = records[row["activity_id"]].participations_by_country
                shares[row["country_id"]] = int(row["participations"] or 0)
        for pk in chunk:
            if pk in records:
                yield records[pk]


def _chunk_q(field: str, chunk: Sequence[int]) -> Q:
    """The rows of a chunk's activities (ids ascending). A dense chunk (a whole
    programme's export: nearly every id in its range) is asked by its range, one short
    condition, rather than by the list of its ids (binding 2,000 parameters a statement
    costs more than the statement); the few rows of other activities in the range are
    skipped by the caller. A sparse chunk (a filtered export) is asked by its ids."""
    first, last = chunk[0], chunk[-1]
    if last - first < 2 * len(chunk):
        return Q(**{f"{field}__gte": first, f"{field}__lte": last})
    return Q(**{f"{field}__in": chunk})


@dataclass
class ProjectRecord:
    project: Project
    fundings: list[Funding]
    countries: list[int]
    regions: list[int]
    themes: list[int]
    # Of its published activities: the span of their dates, their places and themes
    # (what a project without dates, places or themes of its own is described by).
    activity_span: tuple[datetime.date, datetime.date] | None
    activity_countries: list[int]
    activity_regions: list[int]
    activity_themes: list[int]


def project_records(projects: Iterable[Project]) -> list[ProjectRecord]:
    """The projects with their funding (donors, disbursements), places and themes, and
    the span, places and themes of their published activities; a fixed number of
    queries whatever the number of projects."""
    projects = list(projects)
    ids = [project.pk for project in projects]
    fundings: dict[int, list[Funding]] = defaultdict(list)
    for funding in (
        Funding.objects.filter(project_id__in=ids)
        .select_related("donor")
        .prefetch_related("disbursements")
        .order_by("project_id", "donor__name", "currency")
    ):
        fundings[funding.project_id].append(funding)
    own = {name: _links(Project, name, ids) for name in ("countries", "regions", "themes")}
    published = Activity.objects.published().filter(projects__in=ids)
    spans: dict[int, Any] = {
        row["projects"]: row
        for row in published.order_by()
        .values("projects")
        .annotate(first=Min("start_date"), last=Max("end_date"))
    }
    through = Activity.projects.through
    linked = through.objects.filter(project_id__in=ids, activity__status="published")
    of_activities: dict[str, dict[int, list[int]]] = {}
    for name in ("countries", "regions", "themes"):
        target = Activity._meta.get_field(name).remote_field.through  # type: ignore[union-attr]
        column = next(
            f.attname
            for f in target._meta.fields
            if f.is_relation and f.related_model is not Activity
        )
        pairs = (
            target.objects.filter(activity_id__in=linked.values("activity_id"))
            .values_list("activity_id", column)
            .order_by()
        )
        by_activity: dict[int, set[int]] = defaultdict(set)
        for activity_id, target_id in pairs:
            by_activity[activity_id].add(target_id)
        per_project: dict[int, set[int]] = defaultdict(set)
        for project_id, activity_id in linked.values_list("project_id", "activity_id"):
            per_project[project_id] |= by_activity.get(activity_id, set())
        of_activities[name] = {pk: sorted(values) for pk, values in per_project.items()}
    return [
        ProjectRecord(
            project=project,
            fundings=fundings.get(project.pk, []),
            countries=own["countries"].get(project.pk, []),
            regions=own["regions"].get(project.pk, []),
            themes=own["themes"].get(project.pk, []),
            activity_span=(
                (spans[project.pk]["first"], spans[project.pk]["last"])
                if project.pk in spans
                else None
            ),
            activity_countries=of_activities["countries"].get(project.pk, []),
            activity_regions=of_activities["regions"].get(project.pk, []),
            activity_themes=of_activities["themes"].get(project.pk, []),
        )
        for project in projects
    ]


def _links(model: Any, name: str, ids: Sequence[int]) -> dict[int, list[int]]:
    through = model._meta.get_field(name).remote_field.through
    own, target = (
        next(f.attname for f in through._meta.fields if f.is_relation and f.related_model is m)
        for m in (model, model._meta.get_field(name).related_model)
    )
    links: dict[int, list[int]] = defaultdict(list)
    for owner, target_id in (
        through.objects.filter(**{f"{own}__in": ids}).order_by(target).values_list(own, target)
    ):
        links[owner].append(target_id)
    return links


def total_committed(fundings: Iterable[Funding]) -> dict[str, Decimal]:
    """The committed amounts by currency (fundings without an amount left out)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for funding in fundings:
        if funding.committed_amount is not None:
            totals[funding.currency] += funding.committed_amount
    return dict(totals)
