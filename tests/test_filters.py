"""The shared ActivityFilterSet: the same rules for the API and the pages."""

import pytest

from activities.filters import ActivityFilterSet
from activities.models import Activity

pytestmark = pytest.mark.django_db


def refs(**params) -> set[str]:
    filterset = ActivityFilterSet(params, queryset=Activity.objects.all())
    assert filterset.is_valid(), filterset.errors
    return {
        ref.removeprefix("report-2020/") for ref in filterset.qs.values_list("reference", flat=True)
    }


def test_region_matches_countries_below_it_and_regions_below_it_but_not_wider_ones():
    assert refs(region="035") == {"F07", "F08", "F15", "F23", "F24"}
    # The Asia-wide training is scoped to Asia: it is not a South-eastern Asia activity.
    assert "F06" not in refs(region="035")
    assert "F06" in refs(region="142")


def test_central_america_in_2020():
    assert refs(region="013", year="2020") == {
        "F04",
        "F12",
        "F16",
        "F18",
        "F19",
        "F26-SLV",
        "F26-GTM",
        "F28",
    }


def test_country_accepts_alpha2_and_alpha3_and_skips_region_scoped_activities():
    assert refs(country="SV") == refs(country="slv") == {"F16", "F18", "F19", "F26-SLV", "F28"}


def test_year_matches_overlapping_periods():
    assert refs(year="2011") == {"F29-2011"}
    assert "F31" not in refs(year="2020")


def test_theme_includes_its_topics():
    assert "F30" in refs(theme="investigations-forensics")


def test_audience_matches_who_it_was_for():
    assert refs(audience="teachers") == {"F16", "F24", "F28"}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"region": "999"}, "region"),
        ({"country": "XX"}, "country"),
        ({"date_from": "2020-13-01"}, "date_from"),
        ({"kind": "picnic"}, "kind"),
        ({"year": "twenty"}, "year"),
        ({"theme": "nope"}, "theme"),
        ({"language": "xx"}, "language"),
    ],
)
def test_an_unknown_value_is_an_error_naming_the_parameter(params, field):
    filterset = ActivityFilterSet(params, queryset=Activity.objects.all())
    assert not filterset.is_valid()
    assert field in filterset.errors


def test_each_filterset_has_its_own_filters_bound_to_it():
    """The filters are copied cheaply (filters/fields.py, bound_filters), not deep-copied:
    each FilterSet's method filters call that FilterSet, two never share a filter or its
    `extra`, and the class's own filters stay unbound."""
    first = ActivityFilterSet({"country": "SV"}, queryset=Activity.objects.all())
    second = ActivityFilterSet({"country": "GT"}, queryset=Activity.objects.all())
    assert list(first.filters) == list(ActivityFilterSet.base_filters)
    for name, filter_ in first.filters.items():
        other = second.filters[name]
        assert filter_ is not other and filter_ is not ActivityFilterSet.base_filters[name]
        assert filter_.parent is first and other.parent is second
        assert filter_.model is Activity
        assert filter_.extra is not other.extra
        if filter_.method is not None:
            assert filter_.filter.f is filter_  # a FilterMethod of this very copy
    assert not hasattr(ActivityFilterSet.base_filters["country"], "parent")
    # Each answers its own question, whichever was asked first.
    assert second.is_valid() and first.is_valid()
    assert set(second.qs) != set(first.qs)
    assert refs(country="SV") == {"F16", "F18", "F19", "F26-SLV", "F28"}


def test_an_unknown_country_code_is_a_form_error_naming_it():
    filterset = ActivityFilterSet({"country": "QQ"}, queryset=Activity.objects.all())
    assert not filterset.is_valid()
    assert "QQ" in str(filterset.errors["country"])
