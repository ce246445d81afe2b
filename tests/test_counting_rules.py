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
