"""The "Log a training" form: drafts, clear errors next to the field, input kept, scope."""

import datetime
import re

import pytest

from activities.models import Activity, Audience, BeneficiaryGroup, Country, Region, Theme

pytestmark = pytest.mark.django_db


def country(iso3):
    return Country.objects.get(iso3=iso3)


def audience(slug):
    return Audience.objects.get(slug=slug)


def form_data(rows=(), **overrides):
    """What the browser posts: the activity fields and the beneficiary formset."""
    data = {
        "kind": "training",
        "title": "Online child protection for prosecutors",
        "description": "",
        "date_precision": "day",
        "year": "",
        "start_date": "2021-05-10",
        "end_date": "2021-05-12",
        "modality": "online",
        "delivery": "delivered",
        "countries": [country("SLV").pk, country("GTM").pk],
        "reported_countries_count": "",
        "source_paragraph": "mission note 12",
        "source_note": "",
        "version": "",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"rows-{index}-{name}"] = value
    data.update(overrides)
    return data


def row(**values):
    base = {"audience": "", "country": "", "female": "", "male": "", "not_recorded": ""}
    base.update({"total": "", "qualifier": "exact", "id": ""})
    base.update(values)
    return base


def two_rows():
    # A row's country is typed: its name in any UN language, or its ISO code.
    return [
        row(audience=audience("prosecutors").pk, country="El Salvador", female="14", male="11"),
        row(audience=audience("prosecutors").pk, country="GT", not_recorded="30"),
    ]


def dangling_ids(page: str) -> list[str]:
    """Ids that aria-describedby or aria-labelledby name but the page does not have."""
    ids = set(re.findall(r' id="([^"]+)"', page))
    named = re.findall(r'aria-(?:describedby|labelledby)="([^"]+)"', page)
    return sorted({i for value in named for i in value.split()} - ids)


def shown_rows(page: str) -> int:
    """The beneficiary rows of the form (not the script's template of a new one)."""
    return page[: page.index('<template id="empty-row">')].count('<tr class="beneficiary-row')


def test_an_officer_logs_a_training_with_two_rows_as_a_draft(officer_client, officer):
    response = officer_client.post("/log/", form_data(two_rows()))
    assert response.status_code == 302
    activity = Activity.objects.get(title="Online child protection for prosecutors")
    # On the record, with a confirmation (base.html shows messages with role="status").
    assert response["Location"] == f"/activities/{activity.pk}/"
    record = officer_client.get(response["Location"]).content.decode()
    assert 'role="status"' in record
    assert "Saved as a draft: “Online child protection for prosecutors”" in record
    assert activity.status == "draft"
    assert activity.created_by == officer
    assert activity.version == 1
    assert sorted(activity.beneficiaries.values_list("total", flat=True)) == [25, 30]
    # Two countries of Central America: people not split by country belong to 013.
    assert activity.scope_region == Region.objects.get(code="013")
    assert set(activity.beneficiaries.values_list("place_country__iso3", flat=True)) == {
        "SLV",
        "GTM",
    }


def test_the_log_page_defaults_to_a_delivered_training_in_person_this_year(officer_client):
    page = officer_client.get("/log/").content.decode()
    assert '<option value="training" selected>' in page
    assert re.search(r'name="delivery" value="delivered"[^>]*checked', page)
    assert re.search(r'name="modality" value="in_person"[^>]*checked', page)
    assert f'value="{datetime.date.today().year}"' in page
    assert "Only the year is known" in page
    assert "officer.js" in page
    assert "<script>" not in page  # no inline script: the CSP stays strict


def test_a_sex_split_that_does_not_add_up_is_shown_next_to_the_total_and_input_is_kept(
    officer_client,
):
    rows = [row(audience=audience("police").pk, female="10", male="5", total="20")]
    response = officer_client.post("/log/", form_data(rows, title="Kept title"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Female (10) + male (5) + not recorded (0) = 15, not 20" in page
    assert 'value="Kept title"' in page
    assert 'name="rows-0-total" value="20"' in page
    assert not Activity.objects.filter(title="Kept title").exists()
    # Under the field, named by its aria-describedby, and linked from the summary.
    assert 'id="id_rows-0-total_error"' in page
    assert re.search(
        r'name="rows-0-total"[^>]*aria-describedby="rows-help-total '
        r'id_rows-0-total_error"',
        page,
    )
    assert '<a href="#id_rows-0-total">Row 1, Total (if you know it)</a>' in page
    assert dangling_ids(page) == []
    # No row added: the one posted, as posted.
    assert shown_rows(page) == 1


def test_an_end_before_the_start_is_shown_next_to_the_end_date(officer_client):
    response = officer_client.post(
        "/log/", form_data(two_rows(), start_date="2021-05-12", end_date="2021-05-10")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "is before the start" in form.errors["end_date"][0]


def test_a_country_outside_the_officers_scope_is_refused_with_a_clear_message(officer_client):
    data = form_data(two_rows(), countries=[country("SLV").pk, country("SEN").pk])
    response = officer_client.post("/log/", data)
    assert response.status_code == 400
    assert (
        "Senegal is outside the countries and regions you log for"
        in (response.context["form"].errors["countries"][0])
    )


def test_no_country_and_no_region_is_refused(officer_client):
    rows = [row(audience=audience("police").pk, not_recorded="8")]
    response = officer_client.post("/log/", form_data(rows, countries=[]))
    assert response.status_code == 400
    assert "Give at least one country or one region" in response.content.decode()


def test_with_no_country_ticked_the_rows_countries_are_the_activitys(officer_client):
    response = officer_client.post("/log/", form_data(two_rows(), countries=[]))
    assert response.status_code == 302
    activity = Activity.objects.get(title="Online child protection for prosecutors")
    assert sorted(activity.countries.values_list("iso3", flat=True)) == ["GTM", "SLV"]


def test_a_row_country_must_be_one_of_the_activitys_places(officer_client):
    rows = [row(country="HN", not_recorded="8")]
    response = officer_client.post("/log/", form_data(rows))
    assert response.status_code == 400
    assert "Honduras is not among the activity" in response.content.decode()


def test_only_the_year_known_fills_the_whole_year(officer_client):
    data = form_data(two_rows(), date_precision="year", year="2021", start_date="", end_date="")
    assert officer_client.post("/log/", data).status_code == 302
    activity = Activity.objects.get(title="Online child protection for prosecutors")
    assert (activity.start_date, activity.end_date) == (
        datetime.date(2021, 1, 1),
        datetime.date(2021, 12, 31),
    )
    assert activity.period_label == "2021"


def test_only_the_month_known_fills_the_month(officer_client):
    data = form_data(two_rows(), date_precision="month", start_date="2021-02-17", end_date="")
    assert officer_client.post("/log/", data).status_code == 302
    activity = Activity.objects.get(title="Online child protection for prosecutors")
    assert activity.period_label == "February 2021"
    assert activity.end_date == datetime.date(2021, 2, 28)


def test_empty_extra_rows_are_ignored(officer_client):
    data = form_data([*two_rows(), row(), row()])
    assert officer_client.post("/log/", data).status_code == 302
    assert (
        BeneficiaryGroup.objects.filter(
            activity__title="Online child protection for prosecutors"
        ).count()
        == 2
    )


def test_a_row_with_an_audience_but_no_count_asks_how_many(officer_client):
    data = form_data([row(audience=audience("police").pk)])
    response = officer_client.post("/log/", data)
    assert response.status_code == 400
    assert "How many people?" in response.content.decode()


def test_the_pickers_list_only_the_officers_countries(officer_client):
    page = officer_client.get("/log/").content.decode()
    # The places served; where it was held (venue_country) may be anywhere: a training
    # for Central America may be held in Mexico or online.
    served = page[page.index('id="field-countries"') : page.index('id="field-regions"')]
    assert "El Salvador" in served
    assert "Senegal" not in served
    suggested = page[page.index('<datalist id="row-countries">') :]
    suggested = suggested[: suggested.index("</datalist>")]
    assert '<option value="El Salvador" label="SV">' in suggested
    assert "Senegal" not in suggested


def test_the_rows_share_one_list_of_countries_instead_of_a_select_each(officer_client):
    page = officer_client.get("/log/").content.decode()
    assert page.count("<datalist") == 1
    assert 'name="rows-0-country"' in page and 'list="row-countries"' in page
    assert "<select" not in page[page.index('name="rows-0-country"') - 300 :][:400]


@pytest.mark.parametrize("typed", ["SV", "slv", "El Salvador", "el salvador"])
def test_a_row_country_is_typed_as_a_name_or_an_iso_code(officer_client, typed):
    rows = [row(audience=audience("police").pk, country=typed, not_recorded="8")]
    assert officer_client.post("/log/", form_data(rows)).status_code == 302
    saved = BeneficiaryGroup.objects.get(activity__title="Online child protection for prosecutors")
    assert saved.country == country("SLV")


def test_an_unknown_row_country_says_what_to_type(officer_client):
    rows = [row(audience=audience("police").pk, country="Salvadr", not_recorded="8")]
    response = officer_client.post("/log/", form_data(rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert "“Salvadr” is not a country name we know" in page
    assert 'name="rows-0-country" value="Salvadr"' in page


def test_the_activitys_audiences_are_its_rows_audiences(officer_client):
    rows = [
        row(audience=audience("police").pk, country="SV", not_recorded="8"),
        row(audience=audience("judges").pk, country="GT", not_recorded="4"),
        row(audience=audience("police").pk, country="GT", not_recorded="2"),
    ]
    assert officer_client.post("/log/", form_data(rows)).status_code == 302
    activity = Activity.objects.get(title="Online child protection for prosecutors")
    assert sorted(activity.audiences.values_list("slug", flat=True)) == ["judges", "police"]
    page = officer_client.get("/log/").content.decode()
    assert 'name="audiences"' not in page  # asked once, per row


def test_a_log_without_a_source_or_a_reason_for_none_is_refused(officer_client):
    response = officer_client.post("/log/", form_data(two_rows(), source_paragraph=""))
    assert response.status_code == 400
    assert "Give the source reference" in response.context["form"].errors["source_paragraph"][0]
    no_source = form_data(
        two_rows(), source_paragraph="", source_note="No report yet: counted at the door."
    )
    assert officer_client.post("/log/", no_source).status_code == 302


def test_themes_are_grouped_under_their_area_and_partners_spelled_out(officer_client):
    page = officer_client.get("/log/").content.decode()
    area = Theme.objects.get(slug="investigations-forensics")
    topic = Theme.objects.get(slug="topic-osint")
    group = page[page.index(f"<legend>{area.name}</legend>") :]
    group = group[: group.index("</fieldset>")]
    assert f'value="{topic.pk}"' in group
    assert "Global Forum on Cyber Expertise (GFCE)" in page
    assert "European Cybercrime Training and Education Group (ECTEG)" in page


def test_the_form_page_names_only_help_and_error_ids_it_has(officer_client):
    assert dangling_ids(officer_client.get("/log/").content.decode()) == []
    response = officer_client.post("/log/", form_data([row(female="3", total="4")], title=""))
    assert response.status_code == 400
    assert dangling_ids(response.content.decode()) == []


def test_the_rows_total_is_shown_without_script(officer_client):
    rows = [row(female="3", male="4"), row(not_recorded="10"), row()]
    page = officer_client.post("/log/", form_data(rows, title="")).content.decode()
    assert '<output id="grand-total" data-grand-total>17</output>' in page
    assert "<output data-row-total>7</output>" in page


def test_donors_and_anonymous_users_cannot_log(donor_client, client):
    assert donor_client.get("/log/").status_code == 403
    response = client.get("/log/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/log/")


def test_an_officer_edits_a_draft_and_the_change_is_recorded(officer_client, salvador_draft):
    page = officer_client.get(f"/activities/{salvador_draft.pk}/edit/")
    assert page.status_code == 200
    row_id = salvador_draft.beneficiaries.get().pk
    data = form_data(
        [row(id=row_id, audience=audience("police").pk, female="12", male="10")],
        title=salvador_draft.title,
        countries=[country("SLV").pk],
        version=str(salvador_draft.version),
        **{"rows-INITIAL_FORMS": "1", "rows-0-activity": str(salvador_draft.pk)},
    )
    edit_page = page.content.decode()
    assert shown_rows(edit_page) == 1  # its row, no blank ones
    response = officer_client.post(f"/activities/{salvador_draft.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/activities/{salvador_draft.pk}/"
    salvador_draft.refresh_from_db()
    assert salvador_draft.version == 2
    assert salvador_draft.beneficiaries.get().male == 10
    history = officer_client.get(f"/activities/{salvador_draft.pk}/history/").content.decode()
    assert "olga-officer" in history
    assert "<del>9</del> → <ins>10</ins>" in history


def test_the_central_america_officer_gets_403_on_the_edit_url_of_a_published_senegal_activity(
    officer_client, manager, sahel_draft
):
    from activities import services

    services.activity_publish(activity=sahel_draft, by=manager)
    assert officer_client.get(f"/activities/{sahel_draft.pk}/edit/").status_code == 403
    assert officer_client.post(f"/activities/{sahel_draft.pk}/edit/", {}).status_code == 403


def test_a_draft_outside_the_scope_is_a_404_and_absent_from_the_officers_list(
    officer_client, sahel_draft, salvador_draft
):
    assert officer_client.get(f"/activities/{sahel_draft.pk}/edit/").status_code == 404
    page = officer_client.get("/my/activities/").content.decode()
    assert salvador_draft.title in page
    assert sahel_draft.title not in page


def test_a_manager_publishes_and_an_officer_cannot(manager_client, officer_client, salvador_draft):
    url = f"/activities/{salvador_draft.pk}/publish/"
    assert officer_client.post(url, {"version": salvador_draft.version}).status_code == 403
    response = manager_client.post(url, {"version": salvador_draft.version})
    assert response.status_code == 302
    salvador_draft.refresh_from_db()
    assert salvador_draft.status == "published"
    assert salvador_draft.version == 2
    assert manager_client.get(url).status_code == 405


def test_publishing_from_a_stale_page_is_refused(manager_client, salvador_draft):
    url = f"/activities/{salvador_draft.pk}/publish/"
    response = manager_client.post(url, {"version": salvador_draft.version - 1 or 99})
    assert response.status_code == 302
    salvador_draft.refresh_from_db()
    assert salvador_draft.status == "draft"


def test_duplicate_prefills_the_form_without_the_people(officer_client, salvador_draft):
    response = officer_client.get(f"/activities/{salvador_draft.pk}/duplicate/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{salvador_draft.title}"' in page
    assert 'name="rows-0-female" value="12"' not in page
    assert Activity.objects.filter(title=salvador_draft.title).count() == 1


def test_an_officer_creates_and_revokes_an_api_token(officer_client, officer):
    from rest_framework.authtoken.models import Token

    response = officer_client.post("/accounts/token/", {"action": "create"})
    key = Token.objects.get(user=officer).key
    assert key in response.content.decode()
    officer_client.post("/accounts/token/", {"action": "revoke"})
    assert not Token.objects.filter(user=officer).exists()


def test_the_activity_page_has_history_and_edit_tabs_for_those_who_may(
    officer_client, west_africa_officer_client, client
):
    f28 = Activity.objects.get(reference="report-2020/F28")
    page = officer_client.get(f"/activities/{f28.pk}/").content.decode()
    assert f'href="/activities/{f28.pk}/history/"' in page
    assert f'href="/activities/{f28.pk}/edit/"' in page
    outside = west_africa_officer_client.get(f"/activities/{f28.pk}/").content.decode()
    assert f'href="/activities/{f28.pk}/history/"' in outside
    assert f'href="/activities/{f28.pk}/edit/"' not in outside
    anonymous = client.get(f"/activities/{f28.pk}/").content.decode()
    assert "/history/" not in anonymous
    assert 'href="/accounts/login/' in anonymous


def test_the_navigation_offers_log_a_training_to_officers_only(officer_client, donor_client):
    assert 'href="/log/"' in officer_client.get("/").content.decode()
    assert 'href="/log/"' not in donor_client.get("/").content.decode()


def test_an_officer_with_countries_only_gets_no_empty_region_picker(
    west_africa_officer_client, officer_client
):
    assert 'name="regions"' not in west_africa_officer_client.get("/log/").content.decode()
    assert 'name="regions"' in officer_client.get("/log/").content.decode()


def test_signing_in_lands_on_the_officers_own_work_or_on_next(client, officer):
    from tests.fixtures_roles import PASSWORD

    credentials = {"username": "olga-officer", "password": PASSWORD}
    response = client.post("/accounts/login/", credentials)
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/my/activities/"
    client.logout()
    response = client.post("/accounts/login/?next=/log/", {**credentials, "next": "/log/"})
    assert response["Location"] == "/log/"


def test_the_record_says_the_countries_its_rows_name(officer_client):
    assert officer_client.post("/log/", form_data(two_rows())).status_code == 302
    activity = Activity.objects.get(title="Online child protection for prosecutors")
    page = officer_client.get(f"/activities/{activity.pk}/").content.decode()
    counted = page[page.index("Participations counted for") :]
    counted = counted[: counted.index("</dd>")]
    assert "El Salvador" in counted and "Guatemala" in counted
    assert "Central America" not in counted
