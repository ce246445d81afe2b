"""`manage.py generate_synthetic`: a synthetic programme that is never mixed into real data,
is the same for the same seed, keeps the derived places right and every invariant."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from activities import counting, services, synthetic
from activities.models import (
    Activity,
    Attendance,
    BeneficiaryGroup,
    Mandate,
    Mentor,
    Participant,
    Partner,
    ReportedFigure,
    Theme,
)
from activities.people import names, tallies

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
        countries, regions = list(activity.countries.all()), list(activity.regions.all())
        assert countries or regions, activity.reference
        for row in activity.beneficiaries.all():
            assert row.female + row.male + row.not_recorded == row.total
            # A typed row names one of the activity's countries; a row derived from
            # attendance may also name a country under its scope regions (the rule).
            assert row.country is None or counting.row_country_fits(
                row.country, countries=countries, regions=regions
            ), activity.reference
            if not row.from_attendance:
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
    # Typed tallies: about 12 rows per activity that has them (10 per activity, 84 % of
    # activities counting people), where the activity has no attendance.
    rows = BeneficiaryGroup.objects.filter(from_attendance=False)
    typed = activities.filter(beneficiaries__from_attendance=False).distinct().count()
    assert not rows.filter(activity__attendance__isnull=False).exists()
    assert 9 < rows.count() / typed < 15
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


def test_synthetic_persons_and_attendance_are_marked_and_shaped(no_real_activities):
    written = synthetic.generate(activities=600, seed=15)
    persons = Participant.objects.all()
    attendance = Attendance.objects.all()
    assert written["participants"] == persons.count() > 0
    assert written["attendance"] == attendance.count() > 0
    assert set(persons.values_list("is_synthetic", flat=True)) == {True}
    assert set(attendance.values_list("activity__is_synthetic", flat=True)) == {True}
    assert not attendance.filter(participant__is_synthetic=False).exists()
    for person in persons[:100]:
        person.full_clean()
        assert person.name_key == names.name_key(person.given_name, person.family_name)
    assert not persons.exclude(institution__startswith="Synthetic institution").exists()
    assert not persons.exclude(email="").exclude(email__endswith="@synthetic.invalid").exists()
    # The shape of the benchmark: about 40 % of activities with attendance, about
    # 25 persons each, persons at several activities, some scores, some absences.
    with_attendance = Activity.objects.filter(attendance__isnull=False).distinct().count()
    assert 0.3 < with_attendance / 600 < 0.5
    assert 18 < attendance.count() / with_attendance < 32
    # Persons come back (about 4 activities each at 100,000 activities; fewer here, where
    # a country's pool is small and a person is at an activity once).
    assert attendance.count() > 1.3 * persons.count()
    scored = attendance.filter(pre_score__isnull=False, post_score__isnull=False).count()
    assert 0.2 < scored / attendance.count() < 0.4
    assert 0.02 < attendance.filter(attended=False).count() / attendance.count() < 0.09
    assert set(persons.values_list("sex", flat=True)) == {"female", "male", "not_recorded"}
    assert persons.filter(country__isnull=True).exists()
    assert persons.filter(audience__isnull=True).exists()
    # Mostly from the activity's own countries, some from elsewhere.
    own = attendance.filter(activity__countries=F("participant__country")).count()
    elsewhere = attendance.filter(participant__country__isnull=False).exclude(
        activity__countries=F("participant__country")
    )
    assert own > 2 * elsewhere.count() > 0


def test_synthetic_tallies_are_those_sync_tallies_derives(no_real_activities):
    synthetic.generate(activities=400, seed=16)
    activities = Activity.objects.filter(attendance__isnull=False).distinct().order_by("pk")
    assert activities.count() > 100
    # Every activity with attendance has only derived rows, and none without it.
    assert not BeneficiaryGroup.objects.filter(
        activity__in=activities, from_attendance=False
    ).exists()
    assert (
        not BeneficiaryGroup.objects.filter(from_attendance=True)
        .exclude(activity__in=activities)
        .exists()
    )

    def rows() -> dict[int, list[tuple]]:
        found: dict[int, list[tuple]] = {}
        for row in BeneficiaryGroup.objects.filter(activity__in=activities).values_list(
            "activity_id",
            "audience_id",
            "country_id",
            "female",
            "male",
            "not_recorded",
            "total",
            "qualifier",
            "from_attendance",
            "place_country_id",
            "place_region_id",
        ):
            found.setdefault(row[0], []).append(row[1:])
        return {pk: sorted(values, key=str) for pk, values in found.items()}

    generated = rows()
    for activity in activities:
        tallies.sync_tallies(activity=activity, by=None)
    assert rows() == generated
    # Not vacuous: rows naming a person's country, rows without one, a country under
    # a scope region, and an absent person left out.
    derived = BeneficiaryGroup.objects.filter(from_attendance=True)
    assert derived.filter(country__isnull=False).exists()
    assert derived.filter(country__isnull=True).exists()
    assert derived.filter(country__isnull=False, activity__countries__isnull=True).exists()
    assert Attendance.objects.filter(attended=False).exists()


def test_synthetic_projects_have_ten_indicators_with_targets_and_answer(no_real_activities):
    from django.contrib.auth.models import AnonymousUser

    from activities.models import Indicator, Project
    from activities.results import compute
    from activities.synthetic.projects import PROJECTS, YEARS

    written = synthetic.generate(activities=200, seed=16, attendance_share=0.3)
    projects = Project.objects.filter(is_synthetic=True)
    assert written["projects"] == projects.count() == PROJECTS
    assert written["project_links"] == 200
    assert not projects.exclude(code__startswith="synthetic-16-").exists()
    project = projects.get(code="synthetic-16-1")
    assert project.activities.count() == 10
    assert Indicator.objects.filter(project=project).count() == 10
    results = compute.project_results(project, user=AnonymousUser())
    assert all(not result.error for result in results)
    assert {label for r in results for _, _, label in r.periods()} == {str(y) for y in YEARS}
