"""The UN M49 table: loaded from hdx-python-country, never hand-typed."""

import json

import pytest

from activities.models import Country, Region
from activities.seeding import M49_FIXTURE

pytestmark = pytest.mark.django_db


def chain(country: Country) -> list[str]:
    names, region = [], country.region
    while region is not None:
        names.append(region.name)
        region = region.parent
    return names


@pytest.mark.parametrize("iso2", ["BZ", "CR", "SV", "GT", "HN"])
def test_central_american_countries_sit_under_latin_america_and_the_americas(iso2):
    country = Country.objects.get(iso2=iso2)
    assert chain(country) == [
        "Central America",
        "Latin America and the Caribbean",
        "Americas",
        "World",
    ]
    assert country.m49_subregion.code == "419"
    assert country.m49_region.code == "019"


@pytest.mark.parametrize("iso2", ["SN", "BF"])
def test_senegal_and_burkina_faso_sit_under_western_and_sub_saharan_africa(iso2):
    assert chain(Country.objects.get(iso2=iso2)) == [
        "Western Africa",
        "Sub-Saharan Africa",
        "Africa",
        "World",
    ]


def test_thailand_sits_under_south_eastern_asia():
    assert chain(Country.objects.get(iso2="TH")) == ["South-eastern Asia", "Asia", "World"]


def test_austria_sits_under_western_europe():
    assert chain(Country.objects.get(iso2="AT")) == ["Western Europe", "Europe", "World"]


def test_all_248_unsd_countries_and_areas_are_loaded():
    assert Country.objects.count() == 248
    assert Region.objects.filter(level=0).get().code == "001"


def test_taiwan_is_not_listed_separately_as_in_unsd_m49():
    assert not Country.objects.filter(iso3="TWN").exists()


def test_antarctica_hangs_directly_under_world():
    antarctica = Country.objects.get(iso3="ATA")
    assert antarctica.region.code == "001"
    assert antarctica.m49_region is None


def test_channel_islands_are_an_intermediate_region_of_northern_europe():
    channel_islands = Region.objects.get(code="830")
    assert channel_islands.level == Region.Level.INTERMEDIATE
    assert channel_islands.parent.name == "Northern Europe"
    assert set(channel_islands.countries.values_list("iso2", flat=True)) == {"GG", "JE"}


def test_region_paths_nest_so_a_prefix_finds_every_country_below():
    central_america = Region.objects.get(code="013")
    assert central_america.path == "/001/019/419/013/"
    below = Country.objects.filter(path__startswith=central_america.path)
    assert set(below.values_list("iso2", flat=True)) == {
        "BZ",
        "CR",
        "SV",
        "GT",
        "HN",
        "MX",
        "NI",
        "PA",
    }


def test_countries_carry_names_in_the_six_un_languages():
    names = Country.objects.get(iso2="SV").names
    assert set(names) == {"en", "fr", "es", "ru", "zh", "ar"}
    assert names["fr"] == "El Salvador"


def test_the_fixture_records_its_source_and_version():
    fixture = json.loads(M49_FIXTURE.read_text(encoding="utf-8"))
    assert fixture["package"] == "hdx-python-country"
    assert fixture["version"]
    assert "Taiwan (Province of China)" in fixture["dropped"]
