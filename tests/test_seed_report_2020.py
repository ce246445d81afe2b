"""The 2020 report is in the database, exactly, with the paragraph of every figure."""

import csv

import pytest
from django.db.models import Sum

from activities import seeding
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

FIGURES = seeding.read_report_figures()
ENTITIES = list(csv.DictReader((seeding.FIXTURES / "report-entities.csv").open(encoding="utf-8")))
# Units that count activities (one record each), as opposed to people or other things.
ACTIVITY_UNITS = {
    "assessments",
    "advisory engagements",
    "meetings",
    "mechanisms",
    "conferences",
    "publications",
    "campaigns",
}


def geography_names(figure: ReportedFigure) -> set[str]:
    names = set(figure.countries.values_list("name", flat=True))
    for region in figure.regions.all():
        names.add("global" if region.code == "001" else region.name)
    return names


@pytest.mark.parametrize("row", FIGURES, ids=[row["id"] for row in FIGURES])
def test_each_report_figure_is_stored_with_value_qualifier_geography_and_paragraph(row):
    figure = ReportedFigure.objects.get(code=row["id"])
    assert figure.value == (int(row["value"]) if row["value"] else None)
    assert figure.qualifier == row["qualifier"]
    assert figure.unit == row["unit"]
    assert figure.source_paragraph == row["paragraph"]
    assert figure.period_text == row["period"]
    expected_geography = {part.strip() for part in row["geography"].split(";") if part.strip()}
    assert geography_names(figure) == expected_geography
    expected_count = int(row["countries_count"]) if row["countries_count"] else None
    assert figure.countries_count == expected_count
    assert figure.source_document.file_name == "report-2020-cybercrime-technical-assistance.md"


@pytest.mark.parametrize(
    "row",
    [r for r in FIGURES if r["unit"] == "persons" and r["kind"] not in {"outcome"}],
    ids=lambda r: r["id"],
)
def test_people_figures_are_backed_by_beneficiary_rows_or_kept_apart(row):
    figure = ReportedFigure.objects.get(code=row["id"])
    if figure.role == ReportedFigure.Role.UMBRELLA:
        # The 2,440 umbrella total may overlap the itemized trainings: no activity backs
        # it, so it can never be added into participants.
        assert not figure.activities.exists()
        return
    rows = BeneficiaryGroup.objects.filter(activity__in=figure.activities.all())
    assert rows.aggregate(total=Sum("total"))["total"] == figure.value
    assert {r.qualifier for r in rows} == {row["qualifier"]}


@pytest.mark.parametrize(
    "row", [r for r in FIGURES if r["unit"] in ACTIVITY_UNITS], ids=lambda r: r["id"]
)
def test_activity_counting_figures_have_one_activity_record_each(row):
    figure = ReportedFigure.objects.get(code=row["id"])
    assert figure.role == ReportedFigure.Role.DELIVERY
    assert figure.activities.count() == figure.value


def test_the_five_hubs_have_one_unnamed_mentor_each():
    figure = ReportedFigure.objects.get(code="F01")
    assert figure.mentors.count() == 5
    assert set(Mentor.objects.values_list("hub_country__name", flat=True)) == {
        "Austria",
        "El Salvador",
        "Guatemala",
        "Senegal",
        "Thailand",
    }
    # No name was published, so none is invented.
    assert set(Mentor.objects.values_list("name", flat=True)) == {""}
    assert "name not published" in Mentor.objects.first().display_name


def test_outcomes_and_reach_are_never_backed_by_participant_rows():
    for code in ("F17", "F22", "F27"):
        figure = ReportedFigure.objects.get(code=code)
        assert figure.role in {ReportedFigure.Role.OUTCOME, ReportedFigure.Role.REACH}
    # The 13 girls safeguarded are an outcome of the teacher training, not participants.
    teachers = Activity.objects.get(reference="report-2020/F16")
    assert list(teachers.beneficiaries.values_list("total", flat=True)) == [5600]


def test_the_2440_trained_are_not_split_by_country_or_sex():
    figure = ReportedFigure.objects.get(code="F05")
    assert figure.countries.count() == 0
    assert figure.countries_count == 64


def test_periods_keep_the_precision_the_report_gives():
    assert Activity.objects.get(reference="report-2020/F16").period_label == "2020"
    assert Activity.objects.get(reference="report-2020/F12").period_label == "February 2020"
    assert Activity.objects.get(reference="report-2020/F30").period_label == "27–29 July 2020"


def test_the_asia_training_is_scoped_to_a_region_not_invented_countries():
    training = Activity.objects.get(reference="report-2020/F06")
    assert training.countries.count() == 0
    assert list(training.regions.values_list("code", flat=True)) == ["142"]


def test_every_activity_cites_its_paragraph_and_is_published():
    activities = Activity.objects.filter(reference__startswith="report-2020/")
    assert activities.count() == 25
    assert not activities.filter(source_paragraph="").exists()
    assert not activities.exclude(status="published").exists()


@pytest.mark.parametrize("row", ENTITIES, ids=lambda r: f"{r['kind']}:{r['name']}")
def test_each_report_entity_is_stored_with_its_paragraph(row):
    if row["kind"] == "mandate":
        record = Mandate.objects.get(symbol=row["short_name"])
        assert record.title == row["name"]
    elif row["kind"] == "partner":
        record = Partner.objects.get(name=row["name"])
        assert record.short_name == row["short_name"]
    else:
        record = Theme.objects.get(name=row["name"])
    assert record.source_paragraph == row["paragraph"]


def snapshot() -> dict:
    from django.apps import apps

    return {
        model._meta.label: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()
        )
        for model in apps.get_app_config("activities").get_models()
        # Bookkeeping, not data: it counts writes, and a reload rewrites rows unchanged.
        if model._meta.model_name != "dataversion"
    }


def test_loading_the_seed_twice_gives_the_same_database():
    before = snapshot()
    seeding.load_reference()
    seeding.load_report_seed()
    assert snapshot() == before
