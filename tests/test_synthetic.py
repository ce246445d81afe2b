"""`manage.py generate_synthetic`: a synthetic programme that is never mixed into real data,
is the same for the same seed, keeps the derived places right and every invariant."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from activities import services, synthetic
from activities.models import (
    Activity,
    BeneficiaryGroup,
    Mandate,
    Mentor,
    Partner,
    ReportedFigure,
    Theme,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_real_activities():
    """The seeded test database, without its real activities (rolled back after)."""
    Activity.objects.all().delete()


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_synthetic", *args, stdout=out)
    return out.getvalue()


def fingerprint() -> list[tuple]:
    """Everything a synthetic activity says, by natural keys only (never by ids)."""
    activities = Activity.objects.filter(is_synthetic=True).order_by("reference")
    rows_by_activity: dict[str, list[tuple]] = {}
    for row in (
        BeneficiaryGroup.objects.filter(activity__is_synthetic=True)
        .order_by("activity__reference", "id")
        .values_list(
            "activity__reference",
            "audience__slug",
            "country__iso3",
            "female",
            "male",
            "not_recorded",
            "total",
            "qualifier",
            "note",
            "place_country__iso3",
            "place_region__code",
        )
    ):
        rows_by_activity.setdefault(row[0], []).append(row[1:])
    result = []
    for activity in activities.prefetch_related(
        "countries", "regions", "themes", "partners", "mentors__hub_country", "languages"
    ):
        result.append(
            (
                activity.reference,
                activity.kind,
                activity.title,
                activity.start_date,
                activity.end_date,
                activity.date_precision,
                activity.modality,
                activity.delivery,
                activity.status,
                activity.reported_countries_count,
                activity.scope_region.code if activity.scope_region else None,
                sorted(c.iso3 for c in activity.countries.all()),
                sorted(r.code for r in activity.regions.all()),
                sorted(t.slug for t in activity.themes.all()),
                sorted(p.name for p in activity.partners.all()),
                sorted(m.hub_country.iso3 for m in activity.mentors.all()),
                sorted(lang.code for lang in activity.languages.all()),
                rows_by_activity.get(activity.reference, []),
            )
        )
    return result


def test_it_refuses_a_database_that_holds_real_activities():
    real = Activity.objects.filter(is_synthetic=False).count()
    assert real > 0  # the 2020 report seed
    with pytest.raises(CommandError, match=f"holds {real} real"):
        generate("--activities", "5")
    assert not Activity.objects.filter(is_synthetic=True).exists()


def test_it_mixes_into_real_data_only_when_told_to():
    real = Activity.objects.filter(is_synthetic=False).count()
    generate("--activities", "20", "--seed", "4", "--allow-mixed")
    assert Activity.objects.filter(is_synthetic=False).count() == real
    assert Activity.objects.filter(is_synthetic=True).count() == 20


def test_it_marks_every_record_and_numbers_it_by_seed(no_real_activities):
    output = generate("--activities", "120", "--seed", "5")
    assert output.startswith("120 activities, ")
    activities = Activity.objects.all()
    assert activities.count() == 120
    assert set(activities.values_list("is_synthetic", flat=True)) == {True}
    assert set(activities.values_list("reference", flat=True)) == {
        f"synthetic/5/{n}" for n in range(1, 121)
    }


def test_a_seed_cannot_be_written_twice_into_one_database(no_real_activities):
    generate("--activities", "3", "--seed", "6")
    with pytest.raises(CommandError, match="already holds synthetic activities of seed 6"):
        generate("--activities", "3", "--seed", "6")
    generate("--activities", "3", "--seed", "7")
    assert Activity.objects.count() == 6


def test_an_unknown_database_alias_is_refused():
    with pytest.raises(CommandError, match="Unknown database alias 'nowhere'"):
        generate("--activities", "3", "--database", "nowhere")


def test_the_same_seed_gives_the_same_programme(no_real_activities):
    generate("--activities", "80", "--seed", "9")
    first = fingerprint()
    Activity.objects.all().delete()
    generate("--activities", "80", "--seed", "9")
    assert fingerprint() == first
    Activity.objects.all().delete()
    generate("--activities", "80", "--seed", "10")
    assert fingerprint() != first
    assert len(first) == 80


def test_derived_places_equal_what_refresh_attribution_computes(no_real_activities):
    synthetic.generate(activities=300, seed=11)
    activities = Activity.objects.order_by("pk")

    def places():
        return (
            list(activities.values_list("pk", "scope_region_id")),
            list(
                BeneficiaryGroup.objects.order_by("pk").values_list(
                    "pk", "place_country_id", "place_region_id"
                )
            ),
        )

    generated = places()
    for activity in activities:
        services.refresh_attribution(activity=activity)
    assert places() == generated
    # Not vacuous: every case of the rule is present.
    rows = BeneficiaryGroup.objects.all()
    assert rows.filter(country__isnull=False, place_country=F("country")).exists()
    assert rows.filter(country__isnull=True, place_country__isnull=False).exists()
    assert rows.filter(country__isnull=True, place_region__isnull=False).exists()
    assert rows.filter(place_region__code="001").exists()  # a World-scoped activity


def test_every_invariant_holds(no_real_activities):
    synthetic.generate(activities=200, seed=12)
    for activity in Activity.objects.prefetch_related("countries", "regions", "beneficiaries"):
        activity.full_clean()
        countries = set(activity.countries.all())
        assert countries or activity.regions.exists(), activity.reference
        for row in activity.beneficiaries.all():
            assert row.female + row.male + row.not_recorded == row.total
            assert row.country is None or row.country in countries, activity.reference
    for row in BeneficiaryGroup.objects.order_by("pk")[:200]:
        row.full_clean()


def test_its_shape_follows_the_seed(no_real_activities):
    synthetic.generate(activities=1000, seed=13)
    activities = Activity.objects.all()
    multi_country = (
        activities.annotate(n=Count("countries", distinct=True)).filter(n__gt=1).count() / 1000
    )
    assert 0.07 < multi_country < 0.25
    region_scoped = activities.filter(countries__isnull=True).count() / 1000
    assert 0.07 < region_scoped < 0.25
    assert activities.filter(regions__code="001").exists()
    assert activities.filter(reported_countries_count__gte=2).exists()
    assert set(activities.values_list("date_precision", flat=True)) == {"year", "month", "day"}
    assert set(activities.values_list("status", flat=True)) == {"draft", "published"}
    assert activities.filter(kind="training").count() > activities.filter(kind="course").count()
    assert activities.filter(partners__isnull=False).exists()
    assert activities.filter(mentors__isnull=False).exists()
    rows = BeneficiaryGroup.objects.all()
    assert 7 < rows.count() / 1000 < 13
    assert set(rows.values_list("qualifier", flat=True)) == {"exact", "more_than", "about"}
    assert rows.filter(country__isnull=True).exists()
    assert rows.filter(country__isnull=False).exists()
    assert rows.filter(not_recorded=0).exists()  # a full sex split
    assert rows.filter(female=0, male=0).exists()  # sex not recorded
    assert rows.filter(female__gt=0, not_recorded__gt=0).exists()  # partly recorded


def test_an_empty_database_borrows_the_seeds_vocabulary_but_not_its_records(
    no_real_activities,
):
    ReportedFigure.objects.all().delete()
    Mentor.objects.all().delete()
    Theme.objects.filter(parent__isnull=False).delete()
    Theme.objects.all().delete()
    Partner.objects.all().delete()
    Mandate.objects.all().delete()
    generate("--activities", "30", "--seed", "14")
    assert Theme.objects.count() == 23
    assert Partner.objects.count() == 22
    assert Mentor.objects.count() == 5
    assert not ReportedFigure.objects.exists()
    assert Activity.objects.filter(is_synthetic=True, themes__isnull=False).exists()
