"""Query counts of the officer pages: the same for one activity and for many."""

import pytest

from tests.fixtures_roles import make_draft

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("drafts", [1, 12])
def test_my_activities_costs_the_same_for_one_draft_and_for_twelve(
    officer_client, officer, drafts, django_assert_num_queries
):
    for number in range(drafts):
        make_draft(f"Draft {number}", ["SLV"], by=officer)
    # 1 session, 2 user, 3-4 the user's permissions (user and group), 5-6 the officer's
    # scope (countries, regions), 7 the editable activities with their creator, 8 the
    # navigation bar's review counts (review_selectors.navigation_counts_for).
    with django_assert_num_queries(8):
        response = officer_client.get("/my/activities/")
    assert response.status_code == 200
    assert response.content.decode().count("log another like this") >= drafts


@pytest.mark.parametrize("rows", [1, 8])
def test_the_history_page_costs_the_same_for_one_row_and_for_eight(
    manager_client, manager, rows, django_assert_num_queries
):
    from activities import services
    from activities.models import Audience, Country

    activity = services.activity_create(
        fields={
            "title": "Many rows",
            "start_date": "2021-01-01",
            "end_date": "2021-01-02",
        },
        relations={"countries": [Country.objects.get(iso3="SLV")]},
        beneficiary_rows=[
            {"audience": Audience.objects.first(), "not_recorded": 10 + n} for n in range(rows)
        ],
        by=manager,
    )
    # 1 session, 2 user, 3-4 permissions, 5 the activity (visible to the user), 6 its
    # history records (one: created), 7 the reporting periods it lay in (to mark what was
    # changed while one was closed; their events are an 8th when there are any), 8 its
    # rows' history records with user, audience and country, 9 its evidence files'
    # history records with user. Activity records that are changes add two queries per
    # compared m2m field. 10 the navigation bar's review counts.
    with django_assert_num_queries(10):
        response = manager_client.get(f"/activities/{activity.pk}/history/")
    assert response.status_code == 200
    assert response.content.decode().count("created the beneficiary row") == rows


def test_the_log_form_reads_the_countries_once_whatever_its_rows(
    officer_client, django_assert_num_queries
):
    # 1 session, 2 user, 3-4 permissions, 5 the venue picker's countries, 6-7 the
    # officer's scope (countries, regions), 8 the served countries' picker, 9 the
    # regions' picker, 10-11 is there any donor, any project, 12-14 languages, themes and
    # partners (how many: boxes or a list), 15 the countries the rows suggest (the
    # scope's), 16 every country by name and code (typed countries), 17 the rows'
    # audiences (once for all rows), 18-19 the languages' and partners' boxes, 20-22 the
    # kinds (their radio buttons, and the active ones offered) and the modalities, from
    # their reference tables (issue 20), 23 the navigation bar's review counts. No row
    # adds a query: the ~250 country options of each row are gone.
    with django_assert_num_queries(23):
        response = officer_client.get("/log/")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 8])
def test_the_edit_form_costs_the_same_for_one_row_and_for_eight(
    officer_client, officer, rows, django_assert_num_queries
):
    from activities import services
    from activities.models import Audience, Country

    activity = services.activity_create(
        fields={"title": "Many rows", "start_date": "2021-01-01", "end_date": "2021-01-02"},
        relations={"countries": [Country.objects.get(iso3="SLV")]},
        beneficiary_rows=[
            {
                "audience": Audience.objects.first(),
                "country": Country.objects.get(iso3="SLV"),
                "not_recorded": 10 + n,
            }
            for n in range(rows)
        ],
        by=officer,
    )
    # As /log/ (above), plus the activity, its scope check, its relations (languages,
    # countries, regions, themes, partners, donors, projects), its closed periods, its
    # attendance (any?), its rows (any? then all, in one query) and the tabs' rights:
    # the same for one row and for eight (the kinds and modalities as on /log/).
    with django_assert_num_queries(38):
        response = officer_client.get(f"/activities/{activity.pk}/edit/")
    assert response.status_code == 200
    assert response.content.decode().count("data-row-total>") == rows + 1
