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
    # 24 that took place, the Ad Hoc Committee's postponed session (F31) and the Expert
    # Group's seventh meeting, planned for April 2021 (paragraphs 36 and 39).
    assert activities.count() == 26
    assert activities.delivered_as().count() == 24
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

    from activities.answer_cache.triggers import UNVERSIONED

    return {
        model._meta.label: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()
        )
        for model in apps.get_app_config("activities").get_models()
        # Bookkeeping, not data: the version counts writes, and a reload rewrites rows
        # unchanged; the rollups are derived from the rest (tests/test_rollups.py).
        if model._meta.model_name not in UNVERSIONED
    }


def test_loading_the_seed_twice_gives_the_same_database():
    before = snapshot()
    seeding.load_reference()
    seeding.load_report_seed()
    assert snapshot() == before


# --- Corrections to the programme's CSV, each checked against the report's text ---------


def report_paragraph(number: int) -> str:
    """Paragraph `number` of the report, page-break debris included, as one string."""
    import re
    from pathlib import Path

    candidates = [
        Path(seeding.settings.BASE_DIR) / "sources",
        Path(seeding.settings.BASE_DIR).parent / "shared" / "sources",
        Path("/work/shared/sources"),
    ]
    name = "report-2020-cybercrime-technical-assistance.md"
    path = next((folder / name for folder in candidates if (folder / name).exists()), None)
    if path is None:
        pytest.skip("the report's text is not on this machine")
    text = path.read_text(encoding="utf-8")
    start = re.search(rf"^{number}\. ", text, re.MULTILINE)
    end = re.search(rf"^{number + 1}\. ", text, re.MULTILINE)
    assert start and end
    return " ".join(text[start.start() : end.start()].split())


def test_f30_the_report_gives_no_place_for_the_sixth_expert_group_meeting():
    paragraph = report_paragraph(37)
    assert "27 to 29 July 2020" in paragraph
    assert "Vienna" not in paragraph and "Austria" not in paragraph
    figure = ReportedFigure.objects.get(code="F30")
    assert figure.source_paragraph == "37"
    assert not figure.countries.exists()
    assert figure.countries_count is None
    assert list(figure.regions.values_list("code", flat=True)) == ["001"]
    assert figure.geography_as_reported == "not given"
    assert "does not say where the room was" in figure.geography_note
    assert "Vienna" not in figure.note
    meeting = Activity.objects.get(reference="report-2020/F30")
    assert not meeting.countries.exists()
    assert "names no city or country" in meeting.source_note


def test_f31_cites_paragraph_11_for_new_york_and_august_2020_and_12_for_may_2021():
    assert "August 2020, in New York" in report_paragraph(11)
    assert "New York" not in report_paragraph(12)
    assert "10–12 May 2021" in report_paragraph(12)
    figure = ReportedFigure.objects.get(code="F31")
    assert figure.source_paragraph == "11-12"
    assert figure.geography_as_reported == "New York"
    assert "paragraph 12 postpones it to 10-12 May 2021 without restating" in figure.geography_note
    assert Activity.objects.get(reference="report-2020/F31").source_paragraph == "11-12"


def test_f24_keeps_the_report_s_latin_america_beside_the_m49_region_it_is_stored_as():
    assert "South-East Asia, Africa and Latin America." in report_paragraph(32)
    figure = ReportedFigure.objects.get(code="F24")
    assert figure.geography_as_reported == "South-East Asia, Africa and Latin America"
    assert set(figure.regions.values_list("code", flat=True)) == {"035", "002", "419"}
    assert "Latin America is stored as Latin America and the Caribbean (419)" in (
        figure.geography_note
    )


def test_the_csv_stays_as_received_and_the_seed_corrects_it_by_name():
    raw = {row["id"]: row for row in seeding.read_report_figures(corrected=False)}
    assert raw["F30"]["geography"] == "Austria"  # as the programme's CSV has it
    assert raw["F31"]["paragraph"] == "12"
    corrected = {row["id"]: row for row in seeding.read_report_figures()}
    assert corrected["F30"]["geography"] == "global"
    assert corrected["F31"]["paragraph"] == "11-12"
    # Every other cell is the CSV's.
    for code, row in raw.items():
        if code not in {"F30", "F31"}:
            assert corrected[code] == row


def test_a_correction_that_no_longer_matches_the_csv_stops_the_seed():
    rows = [{"id": "F30", "geography": "Belgium"}]
    correction = {"figure": "F30", "column": "geography", "csv": "Austria", "corrected": "global"}
    with pytest.raises(ValueError, match="review the correction"):
        seeding.apply_corrections(rows, [correction])


def test_the_geography_as_reported_is_on_the_figures_page_and_in_the_api(client):
    page = client.get("/figures/").content.decode()
    assert "The report says: South-East Asia, Africa and Latin America." in page
    assert "The report says: not given." in page
    answer = client.get("/api/v1/figures/F24/").json()
    assert answer["geography_as_reported"] == "South-East Asia, Africa and Latin America"
    assert "419" in answer["geography_note"]


# --- The period 2020, closed for the report, and its snapshot -----------------------------


def delivery_rows_read_independently() -> list[dict[str, str]]:
    """The delivery figures of the report: the fixture CSV's rows whose role (in the seed's
    JSON) is delivery, read without going through the seed's code."""
    import json

    roles = {
        code: extra["role"]
        for code, extra in json.loads(
            (seeding.FIXTURES / "report-2020.json").read_text(encoding="utf-8")
        )["figures"].items()
    }
    with (seeding.FIXTURES / "report-figures.csv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if roles[row["id"]] == "delivery"]


def the_2020_period():
    from activities.models import ReportingPeriod

    return ReportingPeriod.objects.get(project__isnull=True, label="2020")


def test_2020_is_a_closed_programme_wide_period_closed_for_the_report():
    import datetime

    from activities.models import SourceDocument

    period = the_2020_period()
    assert (period.start_date, period.end_date) == (
        datetime.date(2020, 1, 1),
        datetime.date(2020, 12, 31),
    )
    assert period.is_closed
    source = SourceDocument.objects.get(key="report-2020-cybercrime-ta")
    # Our copy prints no symbol (the footnote's E/CN.15/2021/1 is the agenda's): none is
    # invented, the report is named instead.
    assert source.symbol == ""
    assert "E/CN.15" not in period.report
    assert "thirtieth session" in period.report
    [event] = period.events.all()
    assert event.action == "close" and event.by is None
    assert event.report == period.report
    assert "thirtieth session" in event.note
    assert "made available to the Commission at its thirtieth session" in event.note
    assert event.at.date() == source.issued


def test_the_2020_snapshot_reproduces_every_delivery_figure_of_the_report():
    [snapshot] = the_2020_period().snapshots.all()
    frozen = {f.key: f for f in snapshot.figures.all()}
    rows = delivery_rows_read_independently()
    assert len(rows) == 21
    for row in rows:
        figure = frozen[row["id"]]
        assert figure.label == row["subject"]
        assert figure.value == int(row["value"]), row["id"]
        assert figure.qualifier == row["qualifier"], row["id"]
        assert figure.target is None  # the report sets no target
        assert figure.indicator is None
        assert figure.detail["role"] == "delivery"
    assert frozen["F16"].value == 5600 and frozen["F16"].qualifier == "more_than"
    # Beside them, only the report's own programme-wide total, kept apart by its role.
    delivered = {r["id"] for r in rows}
    others = {key: f.detail["role"] for key, f in frozen.items() if key not in delivered}
    assert others == {"F05": "umbrella"}
    assert frozen["F05"].value == 2440
    # Context, reach, repository and outcome figures are not what was delivered.
    assert not {"F09", "F17", "F20", "F22", "F27"} & set(frozen)
    assert snapshot.data_version is None  # read from the report, not from the data


def test_seeding_again_never_takes_a_second_snapshot_nor_closes_a_reopened_period():
    from activities.models import PeriodEvent, PeriodSnapshot

    period = the_2020_period()
    seeding.load_report_seed()
    assert PeriodSnapshot.objects.filter(period=period).count() == 1
    assert PeriodEvent.objects.filter(period=period).count() == 1
    # A manager reopens it: the seed leaves that alone.
    period.is_closed = False
    period.save(update_fields=["is_closed"])
    seeding.load_report_seed()
    period.refresh_from_db()
    assert not period.is_closed
    assert PeriodSnapshot.objects.filter(period=period).count() == 1


def test_a_later_edit_shows_beside_what_was_reported(client):
    figure = ReportedFigure.objects.get(code="F16")
    figure.value = 5700
    figure.save(update_fields=["value"])
    [snapshot] = the_2020_period().snapshots.all()
    assert snapshot.figures.get(key="F16").value == 5600  # the snapshot never changes
    page = client.get("/figures/").content.decode()
    assert "as reported (2020): more than 5,600; <strong>now: more than 5,700</strong>" in page
    assert "as reported (2020): 655; now: 655" in page
    assert "The report sets no targets: no target set." in page
    answer = client.get("/api/v1/figures/F16/").json()["as_reported"]
    assert answer["value"] == 5600 and answer["qualifier"] == "more_than"
    assert answer["text"] == "more than 5,600"
    assert answer["changed_since"] is True
    assert answer["period"] == "2020"
    assert client.get("/api/v1/figures/F02/").json()["as_reported"] is None


def test_a_test_can_do_without_the_2020_close(without_the_2020_close):
    from activities.models import ReportingPeriod, SnapshotFigure

    assert not ReportingPeriod.objects.exists()
    assert not SnapshotFigure.objects.exists()


def test_f30_was_held_in_july_and_keeps_its_postponement_from_april():
    meeting = Activity.objects.get(reference="report-2020/F30")
    assert meeting.delivery == Activity.Delivery.DELIVERED
    assert [move.label for move in meeting.postponements.all()] == [
        "postponed from 6–8 April 2020 to 27–29 July 2020"
    ]
    assert "was scheduled to be held from 6 to 8 April 2020" in report_paragraph(37)


def test_f31_is_postponed_twice_served_globally_and_held_in_new_york():
    session = Activity.objects.get(reference="report-2020/F31")
    assert session.delivery == Activity.Delivery.POSTPONED
    assert session.period_label == "10–12 May 2021"
    assert [move.label for move in session.postponements.all()] == [
        "postponed from August 2020 to 20–22 January 2021",
        "postponed from 20–22 January 2021 to 10–12 May 2021",
    ]
    assert [move.source_paragraph for move in session.postponements.all()] == ["11", "12"]
    assert session.venue_label == "New York, United States of America"
    assert not session.countries.exists()
    assert list(session.regions.values_list("code", flat=True)) == ["001"]


def test_the_seventh_expert_group_meeting_is_planned_and_backs_no_figure():
    assert "is to be held from 6 to 8 April 2021" in report_paragraph(36)
    seventh = Activity.objects.get(reference="report-2020/F29-2021")
    assert seventh.delivery == Activity.Delivery.SCHEDULED
    assert seventh.period_label == "6–8 April 2021"
    assert not seventh.figures.exists()
