"""Read paths shared by the pages and the API, with their joins already applied.

Every function starts from `Activity.objects.visible_to(user)`, so that a page, an
export and the API show the same records to the same user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    BooleanField,
    Count,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from . import counting
from .models import (
    Activity,
    ActivitySession,
    BeneficiaryGroup,
    Country,
    Donor,
    FigureRole,
    Hub,
    Mandate,
    Mentor,
    Partner,
    Region,
    ReportedFigure,
    SessionAttendance,
    Theme,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations

    from .counting import AnyUser

    # An activity annotated by `with_participants`.
    ActivityWithParticipants = WithAnnotations[Activity, "Participants"]

# --- Public pages ----------------------------------------------------------------------


def _people_sum(field: str) -> Subquery:
    rows = (
        BeneficiaryGroup.objects.filter(activity_id=OuterRef("pk"))
        .order_by()
        .values("activity_id")
        .annotate(people=Sum(field))
        .values("people")
    )
    return Subquery(rows, output_field=IntegerField())


class Participants(TypedDict):
    """The annotations of `with_participants`: people counts are None when the activity
    has no beneficiary row."""

    participants_total: int | None
    participants_female: int | None
    participants_male: int | None
    participants_not_recorded: int | None
    participants_qualifier: str
    participants_named: bool


def with_participants(activities: QuerySet[Activity]) -> QuerySet[ActivityWithParticipants]:
    """Annotate each activity with its own participations: `participants_total` (None
    when it has no beneficiary row), `participants_female`, `_male`, `_not_recorded` and
    `participants_qualifier` ("exact", "at_least", "about": rule 6 of counting.py,
    evaluated in SQL). One activity's own rows are never double counted: they are its
    groups, each person in one of them."""
    # The weakest qualifier as a rank, read per activity from its own rows (an index-only
    # scan): an EXISTS on the qualifier let PostgreSQL hash every "about" row of the table.
    weakest = Subquery(
        BeneficiaryGroup.objects.filter(activity_id=OuterRef("pk"))
        .order_by()
        .values("activity_id")
        .annotate(rank=Max(counting.rank()))
        .values("rank"),
        output_field=IntegerField(),
    )
    return activities.alias(qualifier_rank=weakest).annotate(
        participants_total=_people_sum("total"),
        participants_female=_people_sum("female"),
        participants_male=_people_sum("male"),
        participants_not_recorded=_people_sum("not_recorded"),
        participants_qualifier=counting.qualifier_from_rank_expression("qualifier_rank"),
        # Its participations rest on named people (tallies derived from attendance):
        # small ones are hidden from those who may not see people (people/suppression.py).
        # A scalar subquery, not EXISTS: PostgreSQL may turn an EXISTS in the select list
        # into a hashed subplan, which reads every beneficiary row of the table for a page
        # of 20 (150 of a list's 230 ms at a million rows); this one is an index-only
        # probe per listed activity.
        participants_named=Coalesce(
            Subquery(
                BeneficiaryGroup.objects.filter(
                    activity_id=OuterRef("pk"), from_attendance=True
                ).values(named=Value(True))[:1],
                output_field=BooleanField(),
            ),
            Value(False),
        ),
    )


def activity_list(user: AnyUser) -> QuerySet[ActivityWithParticipants]:
    """Activities for the list page and its exports: places, themes and partners in
    four prefetch queries, whatever the page size; kind and modality joined (their
    labels)."""
    return with_participants(
        Activity.objects.visible_to(user)
        .select_related("source_document", "kind", "modality")
        .prefetch_related("countries", "regions", "themes", "partners")
    )


# Sort orders of the activity list: the key in the URL, its label, and the ordering.
ACTIVITY_SORTS: dict[str, tuple[StrOrPromise, list[str | OrderBy]]] = {
    "newest": (_("Newest first"), ["-start_date", "title", "pk"]),
    "oldest": (_("Oldest first"), ["start_date", "title", "pk"]),
    "title": (_("Title A–Z"), ["title", "pk"]),
    "people": (
        _("Most participations"),
        [Coalesce("participants_total", Value(-1)).desc(), "-start_date", "pk"],
    ),
}


def region_scoped_activities(
    activities: QuerySet[Activity],
) -> QuerySet[ActivityWithParticipants]:
    """Activities the source places in regions without naming countries (shown on the
    map beside the countries: they are never spread onto countries)."""
    return with_participants(
        activities.filter(countries__isnull=True)
        .prefetch_related("regions")
        .order_by("-start_date", "title")
    )


def activity_detail(user: AnyUser, pk: int) -> Activity | None:
    """One activity with everything its page shows, or None when the user may not see
    it (a draft for an anonymous visitor looks exactly like a missing record)."""
    return (
        Activity.objects.visible_to(user)
        .select_related("source_document", "scope_region", "venue_country", "kind", "modality")
        .prefetch_related(
            "postponements",
            Prefetch(
                "sessions", queryset=ActivitySession.objects.select_related("language", "modality")
            ),
            "countries",
            "regions",
            "themes__parent",
            "partners",
            "mandates",
            "donors",
            "projects",
            "languages",
            "audiences",
            Prefetch("mentors", queryset=Mentor.objects.select_related("hub_country")),
            Prefetch(
                "beneficiaries",
                queryset=BeneficiaryGroup.objects.select_related(
                    "audience", "country", "place_country", "place_region"
                ),
            ),
            Prefetch("figures", queryset=ReportedFigure.objects.order_by("code")),
        )
        .filter(pk=pk)
        .first()
    )


def session_presence(activity: Activity) -> dict[int, int]:
    """{session id: how many persons were present}, in one query. Rests on named people:
    only for those who may see the activity's people (people/privacy.py)."""
    return dict(
        SessionAttendance.objects.filter(session__activity=activity)
        .order_by()
        .values("session_id")
        .annotate(present=Count("pk"))
        .values_list("session_id", "present")
    )


def counted_places(activity: Activity) -> list[dict[str, str]]:
    """Where an activity's participations are counted, as its record page says it:
    each place its rows are attributed to (counting's rule, kept on each row as
    place_country or place_region by services.refresh_attribution), once, countries
    first. [{"kind": "country"|"region", "code", "name"}]; reads the rows prefetched by
    activity_detail (no query)."""
    places: dict[tuple[str, str], dict[str, str]] = {}
    for row in activity.beneficiaries.all():
        if row.place_country is not None:
            country = row.place_country
            places.setdefault(
                ("country", country.iso2),
                {"kind": "country", "code": country.iso2, "name": country.display_name},
            )
        elif row.place_region is not None:
            region = row.place_region
            places.setdefault(
                ("region", region.code),
                {"kind": "region", "code": region.code, "name": region.display_name},
            )
    return sorted(places.values(), key=lambda place: place["kind"] != "country")


def activity_years() -> list[int]:
    """The calendar years published records counted by default start in, latest first
    (the year picker)."""
    # The years of what took place (counting rule 10): a year holding only a planned
    # meeting has nothing to show by default.
    dates = Activity.objects.published().delivered_as().dates("start_date", "year", order="DESC")
    return [date.year for date in dates]


def beneficiary_paragraphs(activities: QuerySet[Activity]) -> list[str]:
    """The report paragraphs of the activities that give a number of participants,
    shortest first ("9" before "18"): the provenance of a headline total."""
    paragraphs = (
        activities.filter(beneficiaries__isnull=False)
        .exclude(source_paragraph="")
        .values_list("source_paragraph", flat=True)
    )
    return sorted(set(paragraphs), key=lambda text: (len(text), text))


def umbrella_figures() -> QuerySet[ReportedFigure]:
    """Programme-wide totals the report gives: shown apart, never added to any count."""
    return (
        ReportedFigure.objects.filter(role=FigureRole.UMBRELLA)
        .select_related("source_document")
        .order_by("code")
    )


def place_activities(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """The activity table of a region or country page: latest first, with their places
    and their own participations."""
    return with_participants(
        activities.select_related("kind").prefetch_related("countries", "regions")
    ).order_by("-start_date", "title")


def region_ancestors(path: str) -> list[Region]:
    """The regions on a path, from World down (the breadcrumbs of a place)."""
    codes = counting.region_codes_on(path)
    by_code = {region.code: region for region in Region.objects.filter(code__in=codes)}
    return [by_code[code] for code in codes if code in by_code]


class CountryOfRegion(TypedDict):
    """A country under a region, as `countries_of_region` lists it."""

    iso2: str
    name: str
    region__name: str


def countries_of_region(region: Region) -> list[CountryOfRegion]:
    """The countries under a region, by name: {"iso2", "name", "region__name"}."""
    return list(
        counting.countries_under(region).order_by("name").values("iso2", "name", "region__name")
    )


def country_figures(country: Country) -> QuerySet[ReportedFigure]:
    """The figures the report gives for a country, deliveries left out (those are
    counted through the activity records that back them)."""
    return (
        ReportedFigure.objects.filter(countries=country)
        .exclude(role=FigureRole.DELIVERY)
        .select_related("source_document")
        .order_by("code")
    )


def mentors_based_in(country: Country) -> QuerySet[Mentor]:
    return (
        Mentor.objects.filter(hub_country=country)
        .select_related("hub_country")
        .prefetch_related("regions_covered")
    )


def map_countries() -> QuerySet[Country, tuple[str, str, str, float | None, float | None, str]]:
    """Every country as (iso2, m49_code, name, latitude, longitude, path), for the world
    map."""
    return Country.objects.values_list("iso2", "m49_code", "name", "latitude", "longitude", "path")


def region_names_and_paths() -> dict[str, tuple[str, str]]:
    """Every M49 region as {code: (name, path)}, for the map's zoom views and circles."""
    return {
        code: (name, path)
        for code, name, path in Region.objects.values_list("code", "name", "path")
    }


def scope_region_codes(activities: QuerySet[Activity]) -> list[str]:
    """The codes of the regions these activities are scoped to (`Activity.regions`),
    each once: where region-wide delivery took place, for the map's zoom views."""
    return list(
        Region.objects.filter(activities__in=activities.order_by().values("pk"))
        .order_by("code")
        .values_list("code", flat=True)
        .distinct()
    )


def region_tree() -> QuerySet[Region, tuple[str, str, int]]:
    """The M49 tree in path order as (code, name, level): World, Africa, Northern Africa..."""
    return Region.objects.order_by("path").values_list("code", "name", "level")


def country_names() -> QuerySet[Country, tuple[str, str, dict[str, str]]]:
    """(iso2, name, names) of every country, by name: `names` in the six UN languages."""
    return Country.objects.order_by("name").values_list("iso2", "name", "names")


def theme_tree() -> list[tuple[str, str, bool]]:
    """Themes as (slug, name, is_topic), each top theme followed by its topics, by name."""
    themes = list(Theme.objects.order_by("name").values_list("pk", "slug", "name", "parent_id"))
    tree: list[tuple[str, str, bool]] = []
    for pk, slug, name, parent_id in themes:
        if parent_id is None:
            tree.append((slug, name, False))
            tree += [(s, n, True) for _, s, n, p in themes if p == pk]
    return tree


def mentor_list() -> QuerySet[Mentor]:
    return Mentor.objects.select_related("hub_country", "hub__location").prefetch_related(
        "regions_covered", "themes"
    )


def hub_list() -> QuerySet[Hub]:
    """Hubs with their country, coverage (prefetched) and number of mentors."""
    return (
        Hub.objects.select_related("location")
        .prefetch_related(
            Prefetch("countries", queryset=Country.objects.order_by("name")),
            Prefetch("regions", queryset=Region.objects.order_by("path")),
        )
        .annotate(mentors_count=Count("mentors", distinct=True))
        .order_by("code")  # Meta.ordering is not applied to a GROUP BY query
    )


def hub_mentors(hub: Hub) -> QuerySet[Mentor]:
    return hub.mentors.select_related("hub_country").prefetch_related("regions_covered", "themes")


def hub_officers_count(hub: Hub) -> int:
    """How many officers' scopes name the hub (never who they are: staff names stay off
    public pages)."""
    return hub.officer_scopes.count()


def partner_list() -> QuerySet[Partner]:
    return Partner.objects.select_related("country")


def mandate_list(user: AnyUser) -> QuerySet[Mandate]:
    """Mandates, each with the activities (visible to the user) that serve it."""
    return Mandate.objects.prefetch_related(
        Prefetch(
            "activities",
            queryset=Activity.objects.visible_to(user).order_by("-start_date", "title"),
            to_attr="visible_activities",
        )
    )


def figure_list(user: AnyUser) -> QuerySet[ReportedFigure]:
    """Reported figures with their places and the activity records (visible to the
    user) that back them, and the value a closed period froze for each
    (figures_as_reported)."""
    from . import figures_as_reported

    figures = ReportedFigure.objects.select_related("source_document")
    return figures_as_reported.annotate(figures).prefetch_related(
        "countries",
        "regions",
        Prefetch(
            "activities",
            queryset=Activity.objects.visible_to(user).order_by("-start_date", "title"),
            to_attr="visible_activities",
        ),
    )


# --- API -------------------------------------------------------------------------------
# One function per resource of /api/v1/, each fetching in a fixed number of queries
# whatever the page size (tests/test_api_query_counts.py pins them).


def api_activities(*, user: AnyUser) -> QuerySet[ActivityWithParticipants]:
    """Activities `user` may see, with every nested list the API serves."""
    return with_participants(
        Activity.objects.visible_to(user)
        .select_related("source_document", "scope_region", "venue_country")
        .prefetch_related(
            "postponements",
            Prefetch(
                "sessions", queryset=ActivitySession.objects.select_related("language", "modality")
            ),
            "countries",
            "regions",
            "themes",
            "audiences",
            "languages",
            "partners",
            Prefetch("mentors", queryset=Mentor.objects.select_related("hub_country")),
            "mandates",
            "donors",
            "projects",
            Prefetch(
                "beneficiaries",
                queryset=BeneficiaryGroup.objects.select_related(
                    "audience", "country", "place_country", "place_region"
                ).order_by("id"),
            ),
            Prefetch("figures", queryset=ReportedFigure.objects.order_by("code")),
        )
    )


def api_countries() -> QuerySet[Country]:
    return Country.objects.select_related("region", "m49_region", "m49_subregion")


def api_regions() -> QuerySet[Region]:
    return Region.objects.select_related("parent")


def api_themes() -> QuerySet[Theme]:
    return Theme.objects.select_related("parent")


def api_donors() -> QuerySet[Donor]:
    return Donor.objects.select_related("country")


def api_figures(*, user: AnyUser) -> QuerySet[ReportedFigure]:
    """Reported figures with all their tags, the activities `user` may see and the value
    a closed period froze for each (figures_as_reported)."""
    from . import figures_as_reported

    figures = ReportedFigure.objects.select_related("source_document")
    return figures_as_reported.annotate(figures).prefetch_related(
        "countries",
        "regions",
        "themes",
        "audiences",
        "languages",
        "partners",
        Prefetch("mentors", queryset=Mentor.objects.select_related("hub_country")),
        Prefetch(
            "activities",
            queryset=Activity.objects.visible_to(user).order_by("-start_date", "title", "pk"),
            to_attr="visible_activities",
        ),
    )
