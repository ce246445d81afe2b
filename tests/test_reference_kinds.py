"""Kinds of activity and modalities are reference data an administrator manages (issue
#20, item 5): a new kind needs no migration, the codes of links and filters do not
change, a kind in use or one the code relies on is never deleted, and a retired kind is
offered for no new record but still shown on old ones."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError
from django.urls import reverse

from activities.models import Activity, ActivityKind, Kind, Modality, ModalityOption
from tests.factories import ActivityFactory
from tests.test_api_writes import TRAINING
from tests.test_officer_form import form_data

pytestmark = pytest.mark.django_db

BEFORE = ("activities", "0011_delivery_status_venue_and_hours")
AFTER = ("activities", "0013_reference_kinds")


def admin_url(model, action, *args):
    return reverse(f"admin:activities_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def hackathon(superuser_client):
    """A kind an administrator adds in the admin, with its French and Spanish labels."""
    response = superuser_client.post(
        admin_url(Kind, "add"),
        {
            "code": "hackathon",
            "label": "hackathon",
            "label_fr": "marathon de programmation",
            "label_es": "maratón de programación",
            "description": "",
            "position": "200",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    return Kind.objects.get(code="hackathon")


def test_the_current_codes_are_the_rows_of_the_tables():
    assert set(Kind.objects.values_list("code", flat=True)) >= set(ActivityKind.values)
    assert set(ModalityOption.objects.values_list("code", flat=True)) >= set(Modality.values)
    assert Kind.objects.get(code="awareness").label == "awareness-raising"


def test_an_old_link_by_code_still_works_and_the_api_still_says_the_code(api, client):
    response = api.get("/api/v1/activities/", {"kind": "training"})
    assert response.status_code == 200
    kinds = {activity["kind"] for activity in response.json()["results"]}
    assert kinds == {"training"}
    assert response.json()["count"] == Activity.objects.published().filter(kind="training").count()
    modalities = {a["modality"] for a in api.get("/api/v1/activities/").json()["results"]}
    assert modalities <= set(Modality.values)
    assert client.get("/activities/?kind=training").status_code == 200


def test_an_administrator_adds_a_kind_and_an_officer_logs_one_through_the_api(
    hackathon, officer_api
):
    response = officer_api.post(
        "/api/v1/activities/", {**TRAINING, "kind": "hackathon"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "hackathon"
    assert Activity.objects.get(pk=response.json()["id"]).kind.label == "hackathon"


def test_an_officer_logs_a_new_kind_through_the_form(hackathon, officer_client):
    page = officer_client.get("/log/").content.decode()
    assert 'value="hackathon"' in page
    response = officer_client.post("/log/", form_data(kind="hackathon", title="Hack day"))
    assert response.status_code == 302
    assert Activity.objects.get(title="Hack day").kind_id == "hackathon"


def test_a_new_kind_is_found_on_the_list_the_api_and_the_stats(hackathon, api, client):
    ActivityFactory(kind="hackathon", title="Forensics hackathon in San Salvador")
    page = client.get("/activities/?kind=hackathon").content.decode()
    assert "Forensics hackathon in San Salvador" in page
    body = api.get("/api/v1/activities/", {"kind": "hackathon"}).json()
    assert [a["title"] for a in body["results"]] == ["Forensics hackathon in San Salvador"]
    stats = api.get("/api/v1/stats/", {"group_by": "kind", "kind": "hackathon"}).json()
    (row,) = stats["rows"]
    assert row["kind"] == {"code": "hackathon", "name": "hackathon"}
    assert row["participants"]["total"] == 30
    everything = api.get("/api/v1/stats/", {"group_by": "kind"}).json()["rows"]
    assert "hackathon" in {row["kind"]["code"] for row in everything}


def test_a_new_kind_shows_in_the_readers_language(hackathon, client):
    activity = ActivityFactory(kind="hackathon")
    page = client.get(f"/activities/{activity.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "marathon de programmation" in page.content.decode()
    spanish = client.get(f"/activities/{activity.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    assert "maratón de programación" in spanish.content.decode()


def test_a_built_in_kind_keeps_its_translation_from_the_catalogs(client):
    activity = ActivityFactory(kind="training", modality="online")
    page = client.get(f"/activities/{activity.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "formation" in page
    assert "en ligne" in page


@pytest.mark.parametrize("url", ["/api/v1/activities/", "/api/v1/stats/"])
def test_an_unknown_kind_in_a_filter_is_a_400_naming_kind(api, url):
    response = api.get(url, {"kind": "picnic"})
    assert response.status_code == 400
    assert "kind" in response.json()
    assert "picnic" in str(response.json()["kind"])


def test_an_unknown_kind_in_a_write_is_a_400_naming_kind(officer_api):
    response = officer_api.post(
        "/api/v1/activities/", {**TRAINING, "kind": "picnic"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["kind"]
    assert "picnic" in response.json()["kind"][0]


def test_the_api_lists_the_kinds_and_the_modalities(api, hackathon):
    kinds = api.get("/api/v1/kinds/").json()["results"]
    assert [kind["code"] for kind in kinds][:2] == ["training", "course"]
    assert kinds[-1]["code"] == "hackathon"
    assert api.get("/api/v1/kinds/hackathon/").json()["label_fr"] == "marathon de programmation"
    modalities = api.get("/api/v1/modalities/").json()["results"]
    assert {m["code"] for m in modalities} >= set(Modality.values)
    french = api.get("/api/v1/kinds/training/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert (french["name"], french["label"]) == ("formation", "training")


def test_deleting_a_kind_in_use_is_refused(superuser_client, hackathon):
    ActivityFactory(kind="hackathon")
    response = superuser_client.post(admin_url(Kind, "delete", hackathon.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Kind.objects.filter(code="hackathon").exists()
    with pytest.raises(ProtectedError), transaction.atomic():
        hackathon.delete()


def test_a_built_in_kind_is_never_deleted_even_unused(superuser_client):
    workshop = Kind.objects.get(code=ActivityKind.WORKSHOP)
    assert not workshop.activities.exists()
    response = superuser_client.post(admin_url(Kind, "delete", workshop.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Kind.objects.filter(code="workshop").exists()


def test_an_unused_added_kind_can_be_deleted(superuser_client, hackathon):
    response = superuser_client.post(admin_url(Kind, "delete", hackathon.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Kind.objects.filter(code="hackathon").exists()


def test_a_code_cannot_change_once_saved(superuser_client, hackathon):
    page = superuser_client.get(admin_url(Kind, "change", hackathon.pk)).content.decode()
    assert 'name="code"' not in page
    response = superuser_client.post(
        admin_url(Kind, "change", hackathon.pk),
        {"code": "jam", "label": "hackathon", "position": "200", "is_active": "on"},
    )
    assert response.status_code == 302
    assert Kind.objects.filter(pk=hackathon.pk, code="hackathon").exists()


def test_a_retired_kind_is_not_offered_but_old_records_still_show_it(
    superuser_client, officer_client, officer_api, salvador_draft
):
    Kind.objects.filter(code="conference").update(is_active=False)
    Activity.objects.filter(pk=salvador_draft.pk).update(kind="conference")
    assert 'value="conference"' not in officer_client.get("/log/").content.decode()
    # The record keeps it: shown on its page, offered on its own edit form.
    assert (
        "conference" in superuser_client.get(f"/activities/{salvador_draft.pk}/").content.decode()
    )
    edit = officer_client.get(f"/activities/{salvador_draft.pk}/edit/").content.decode()
    assert 'value="conference"' in edit
    # No new record of it, through the API either.
    response = officer_api.post(
        "/api/v1/activities/", {**TRAINING, "kind": "conference"}, format="json"
    )
    assert response.status_code == 400
    assert "no longer in use" in response.json()["kind"][0]


def test_a_kind_that_is_no_row_is_refused_by_the_database():
    activity = ActivityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(kind="picnic")
        connection.check_constraints(table_names=["activities_activity"])


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_stored_codes():
    """From 0011 (a CHECK on a fixed list) to 0013 (foreign keys to the tables) with an
    activity on record: its kind and modality read the same, now rows of the tables."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("activities", "Activity")
    day = datetime.date(2020, 7, 1)
    old.objects.create(
        title="Webinar before the tables",
        kind="webinar",
        modality="online",
        start_date=day,
        end_date=day,
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])
    new = executor.loader.project_state([AFTER]).apps.get_model("activities", "Activity")
    activity = new.objects.select_related("kind", "modality").get(title="Webinar before the tables")
    assert (activity.kind_id, activity.modality_id) == ("webinar", "online")
    assert (activity.kind.label, activity.modality.label) == ("webinar", "online")
    kinds = executor.loader.project_state([AFTER]).apps.get_model("activities", "Kind")
    assert kinds.objects.count() == len(ActivityKind.values)
    # Back to the latest state, for the tests after this one.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
