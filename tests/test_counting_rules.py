"""The attribution and qualifier rules of activities/counting.py, on their own."""

import datetime

import pytest

from activities import counting, services
from activities.models import Activity, BeneficiaryGroup, Country, Region


@pytest.mark.parametrize(
    "paths, expected",
    [
        (["/001/019/419/013/SLV/", "/001/019/419/013/GTM/"], "/001/019/419/013/"),
        (["/001/019/419/013/SLV/", "/001/019/419/005/"], "/001/019/419/"),
        (["/001/142/035/", "/001/002/"], "/001/"),
        (["/001/019/419/013/SLV/"], "/001/019/419/013/"),
        ([], None),
    ],
)
def test_smallest_common_region_is_the_longest_shared_region_path(paths, expected):
    assert counting.smallest_common_region(paths) == expected


@pytest.mark.parametrize(
    "qualifiers, expected",
    [
        (["exact", "exact"], "exact"),
        (["exact", "more_than"], "at_least"),
        (["more_than", "about"], "about"),
        ([], "exact"),
    ],
)
def test_qualifiers_combine_to_the_weakest(qualifiers, expected):
    assert counting.combine_qualifiers(qualifiers) == expected


@pytest.mark.django_db
def test_people_of_a_multi_country_activity_belong_to_the_smallest_region_holding_them():
    activity = Activity.objects.create(
        title="t", start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 1, 1)
    )
    activity.countries.set(Country.objects.filter(iso2__in=["SV", "GT", "HN"]))
    unsplit = BeneficiaryGroup.objects.create(activity=activity, not_recorded=90, total=90)
    named = BeneficiaryGroup.objects.create(
        activity=activity, country=Country.objects.get(iso2="HN"), female=3, total=3
    )
    services.refresh_attribution(activity=activity)
    unsplit.refresh_from_db()
    named.refresh_from_db()
    assert (unsplit.place_country, unsplit.place_region.code) == (None, "013")
    assert (named.place_country.iso2, named.place_region) == ("HN", None)
    # Adding Brazil widens the scope to Latin America and the Caribbean.
    activity.countries.add(Country.objects.get(iso2="BR"))
    services.refresh_attribution(activity=activity)
    unsplit.refresh_from_db()
    assert unsplit.place_region.code == "419"
    assert Activity.objects.get(pk=activity.pk).scope_region == Region.objects.get(code="419")


@pytest.mark.parametrize(
    "path, ancestor, expected",
    [
        ("/001/019/419/013/SLV/", "/001/019/419/013/", True),
        ("/001/019/419/013/", "/001/019/419/013/", True),
        ("/001/019/419/", "/001/019/419/013/", False),
        # A prefix of digits is not a prefix of segments: 01 is not 019.
        ("/001/019/", "/001/01", None),
    ],
)
def test_a_place_lies_under_a_region_when_the_regions_path_is_a_prefix(path, ancestor, expected):
    if expected is None:
        with pytest.raises(ValueError):
            counting.lies_under(path, ancestor)
    else:
        assert counting.lies_under(path, ancestor) is expected


@pytest.mark.django_db
def test_a_country_lies_under_itself_only():
    salvador = Country.objects.get(iso2="SV")
    assert list(counting.countries_under(salvador)) == [salvador]
    assert not counting.regions_under(salvador).exists()
    central_america = Region.objects.get(code="013")
    assert set(counting.countries_under(central_america).values_list("iso2", flat=True)) == {
        "BZ",
        "CR",
        "SV",
        "GT",
        "HN",
        "MX",
        "NI",
        "PA",
    }


@pytest.mark.django_db
def test_an_activity_is_where_its_rows_name_a_country_inside_its_region():
    workshop = Activity.objects.create(
        title="West Africa workshop",
        start_date=datetime.date(2020, 3, 2),
        end_date=datetime.date(2020, 3, 4),
    )
    workshop.regions.set([Region.objects.get(code="011")])
    BeneficiaryGroup.objects.create(
        activity=workshop, country=Country.objects.get(iso2="SN"), female=4, male=6, total=10
    )
    in_place = Activity.objects.filter(pk=workshop.pk)
    assert in_place.in_place(Country.objects.get(iso2="SN")).exists()
    assert in_place.in_place(Region.objects.get(code="011")).exists()
    assert in_place.in_place(Region.objects.get(code="002")).exists()
    assert not in_place.in_place(Country.objects.get(iso2="BF")).exists()
    assert not in_place.in_place(Region.objects.get(code="019")).exists()


@pytest.mark.django_db
def test_a_row_may_name_a_listed_country_or_one_inside_a_scope_region():
    senegal, honduras = Country.objects.get(iso2="SN"), Country.objects.get(iso2="HN")
    west_africa = Region.objects.get(code="011")
    assert counting.row_country_fits(senegal, countries=[], regions=[west_africa])
    assert counting.row_country_fits(honduras, countries=[honduras], regions=[west_africa])
    assert not counting.row_country_fits(honduras, countries=[], regions=[west_africa])


def test_people_without_a_row_country_belong_to_the_scope():
    assert counting.attribute(7, (None, 3)) == (7, None)
    assert counting.attribute(None, (None, 3)) == (None, 3)
    assert counting.scope_path(["/001/019/419/013/SLV/"], []) == "/001/019/419/013/SLV/"
    assert counting.scope_path(["/001/019/419/013/SLV/"], ["/001/019/419/013/"]) == (
        "/001/019/419/013/"
    )
    assert counting.scope_path([], []) is None


def test_a_month_holds_only_activities_known_to_lie_within_it():
    assert counting.month_bounds(2020, 12) == (
        datetime.date(2020, 12, 1),
        datetime.date(2020, 12, 31),
    )
    assert counting.month_bounds(2020, 2) == (datetime.date(2020, 2, 1), datetime.date(2020, 2, 29))


@pytest.mark.django_db
def test_the_public_activities_index_holds_exactly_what_an_anonymous_list_counts():
    """The partial index the lists count from (activity_public_ids) is defined on the
    public activities as counting rules 8 and 10 give them: if the rules change, the
    index must change with them, or the database would read every row again."""
    from django.contrib.auth.models import AnonymousUser

    index = next(i for i in Activity._meta.indexes if i.name == "activity_public_ids")
    condition = dict(index.condition.children)
    assert condition == {
        "status": "published",
        "delivery__in": list(counting.COUNTED_BY_DEFAULT),
    }
    from activities.filters import ActivityFilterSet

    visible = counting.countable(Activity.objects.all(), AnonymousUser())
    public = ActivityFilterSet({}, queryset=visible).qs  # the delivery filter's default
    assert public.exists()
    assert set(public.values_list("pk", flat=True)) == set(
        Activity.objects.filter(index.condition).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_the_matched_ids_know_their_drafts_as_the_count_does():
    """The engine keeps each matched id with whether it is a draft (stats/matched.py):
    its answer says a draft is counted exactly when counting.includes_drafts would."""
    from activities.stats.matched import includes_drafts, matched_once

    published = Activity.objects.filter(status=Activity.Status.PUBLISHED)
    some = list(published.order_by("pk")[:3].values_list("pk", flat=True))
    Activity.objects.filter(pk=some[0]).update(status=Activity.Status.DRAFT)
    for activities in (
        Activity.objects.all(),
        Activity.objects.filter(pk__in=some),
        Activity.objects.filter(pk__in=some[1:]),
    ):
        expected = counting.includes_drafts(activities)
        with matched_once(activities) as matched:
            assert includes_drafts(matched) is expected
    assert counting.includes_drafts(Activity.objects.all())
