"""Every invariant is enforced by the database itself, not only by forms."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from activities.models import (
    Activity,
    BeneficiaryGroup,
    Country,
    Mandate,
    Region,
    ReportedFigure,
)

pytestmark = pytest.mark.django_db

YEAR_2020 = {
    "start_date": datetime.date(2020, 1, 1),
    "end_date": datetime.date(2020, 12, 31),
    "date_precision": "year",
}


def make_activity(**overrides) -> Activity:
    return Activity.objects.create(**({"title": "Test training"} | YEAR_2020 | overrides))


def assert_rejected(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_it_rejects_a_sex_split_that_does_not_add_up():
    activity = make_activity()
    assert_rejected(
        lambda: BeneficiaryGroup.objects.create(
            activity=activity, female=10, male=5, not_recorded=0, total=20
        )
    )


def test_it_accepts_a_sex_split_that_adds_up():
    activity = make_activity()
    row = BeneficiaryGroup.objects.create(
        activity=activity, female=10, male=5, not_recorded=5, total=20
    )
    assert row.pk


def test_it_rejects_negative_counts():
    activity = make_activity()
    assert_rejected(
        lambda: BeneficiaryGroup.objects.create(
            activity=activity, female=-5, male=10, not_recorded=0, total=5
        )
    )


def test_it_rejects_an_unknown_qualifier():
    activity = make_activity()
    assert_rejected(
        lambda: BeneficiaryGroup.objects.create(
            activity=activity, not_recorded=5, total=5, qualifier="roughly"
        )
    )


def test_it_rejects_a_row_attributed_to_a_country_and_a_region_at_once():
    activity = make_activity()
    assert_rejected(
        lambda: BeneficiaryGroup.objects.create(
            activity=activity,
            not_recorded=5,
            total=5,
            place_country=Country.objects.get(iso2="SV"),
            place_region=Region.objects.get(code="013"),
        )
    )


def test_it_rejects_an_activity_that_ends_before_it_starts():
    assert_rejected(
        lambda: make_activity(
            start_date=datetime.date(2020, 5, 2), end_date=datetime.date(2020, 5, 1)
        )
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("status", "secret"),
        ("date_precision", "week"),
        ("reported_countries_count", 0),
    ],
)
def test_it_rejects_unknown_choices_on_activities(field, value):
    assert_rejected(lambda: make_activity(**{field: value}))


@pytest.mark.parametrize("field, value", [("kind", "picnic"), ("modality", "telepathy")])
def test_it_rejects_a_kind_or_modality_that_is_no_row_of_its_table(field, value):
    # A foreign key to the code, which both databases check at commit (deferred): the
    # test's transaction never commits, so the check is asked for before it rolls back.
    with pytest.raises(IntegrityError), transaction.atomic():
        make_activity(**{field: value})
        connection.check_constraints(table_names=["activities_activity"])


def test_it_rejects_a_malformed_region_code():
    assert_rejected(
        lambda: Region.objects.create(
            code="13", name="Bad", level=1, parent=Region.objects.get(code="001"), path="/x/"
        )
    )


def test_it_rejects_a_region_other_than_world_without_a_parent():
    assert_rejected(lambda: Region.objects.create(code="999", name="Orphan", level=2, path="/9/"))


def test_it_rejects_a_lowercase_iso_code():
    region = Region.objects.get(code="013")
    assert_rejected(
        lambda: Country.objects.create(
            iso2="zz", iso3="ZZZ", m49_code="998", name="Nowhere", region=region, path="/z/"
        )
    )


def test_it_rejects_a_figure_value_without_a_qualifier():
    assert_rejected(
        lambda: ReportedFigure.objects.create(
            code="X1",
            role="context",
            category="context",
            subject="s",
            value=5,
            qualifier="",
            source_paragraph="1",
        )
    )


def test_it_rejects_a_figure_with_an_unknown_role():
    assert_rejected(
        lambda: ReportedFigure.objects.create(
            code="X2", role="rumour", category="c", subject="s", source_paragraph="1"
        )
    )


def test_it_rejects_an_implausible_mandate_year():
    assert_rejected(
        lambda: Mandate.objects.create(body="GA", symbol="A/RES/1/1", year=1800, title="t")
    )
