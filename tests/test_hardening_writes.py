"""Limits on every write: body size, JSON depth, rows per activity; rows written in bulk.

A write over a limit is refused whole, with a status and a message that name the limit:
nothing is written and the data version does not move.
"""

from __future__ import annotations

import json

import pytest

from activities.api.parsers import json_depth
from activities.models import Activity, BeneficiaryGroup, DataVersion

from .test_api_writes import TRAINING
from .test_officer_form import form_data, row, two_rows

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities/"


def rows(count: int) -> list[dict]:
    return [
        {"audience": "police", "female": index % 7, "male": 1, "not_recorded": 0}
        for index in range(count)
    ]


def snapshot() -> tuple[int, int, int]:
    """What a refused write must leave as it was: the rows and the data version."""
    return (
        Activity.objects.count(),
        BeneficiaryGroup.objects.count(),
        DataVersion.objects.get().version,
    )


def post_raw(client, body: str):
    return client.post(URL, body, content_type="application/json")


def test_a_body_over_the_limit_is_a_413_naming_the_limit_and_nothing_is_written(
    officer_api, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = snapshot()
    body = json.dumps({**TRAINING, "description": "x" * 20_000})
    response = post_raw(officer_api, body)
    assert response.status_code == 413
    assert "10000 bytes" in response.json()["detail"]
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in response.json()["detail"]
    assert response.json()["limit"] == "10000"
    assert snapshot() == before


def test_a_body_within_the_limit_is_written(officer_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    assert post_raw(officer_api, json.dumps(TRAINING)).status_code == 201


def test_a_form_body_over_the_limit_is_a_413_through_the_api_too(officer_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = snapshot()
    response = officer_api.post(URL, {"title": "x" * 20_000}, format="multipart")
    assert response.status_code == 413
    assert snapshot() == before


def test_the_officer_form_over_the_body_limit_is_a_400_not_a_500(officer_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = snapshot()
    response = officer_client.post("/log/", form_data(two_rows(), description="x" * 20_000))
    assert response.status_code == 400
    assert snapshot() == before


def test_json_nested_2000_deep_is_a_400_naming_the_depth_limit(officer_api):
    before = snapshot()
    response = post_raw(officer_api, '{"title": ' + "[" * 2000 + "]" * 2000 + "}")
    assert response.status_code == 400
    assert "32 levels" in response.json()["detail"]
    assert "API_MAX_JSON_DEPTH" in response.json()["detail"]
    assert snapshot() == before


def test_json_nested_just_over_the_limit_is_a_400(officer_api, settings):
    settings.API_MAX_JSON_DEPTH = 5
    body = {**TRAINING, "source_note": [[[[["deep"]]]]]}  # 6 levels with the body
    assert post_raw(officer_api, json.dumps(body)).status_code == 400


def test_brackets_inside_strings_do_not_count_as_depth():
    assert json_depth('{"a": "[[[[{{{{\\"[["}') == 1
    assert json_depth('[{"a": [1, {"b": []}]}]') == 5
    assert json_depth("3") == 0


def test_too_many_rows_through_the_api_is_a_400_naming_the_limit(officer_api, settings):
    settings.MAX_BENEFICIARY_ROWS = 10
    before = snapshot()
    response = officer_api.post(URL, {**TRAINING, "beneficiaries": rows(11)}, format="json")
    assert response.status_code == 400
    (message,) = response.json()["beneficiaries"]
    assert "at most 10" in message
    assert "MAX_BENEFICIARY_ROWS" in message
    assert snapshot() == before


def test_as_many_rows_as_the_limit_are_accepted(officer_api, settings):
    settings.MAX_BENEFICIARY_ROWS = 10
    response = officer_api.post(URL, {**TRAINING, "beneficiaries": rows(10)}, format="json")
    assert response.status_code == 201, response.json()


def test_too_many_rows_in_the_officer_form_is_a_400_naming_the_limit(officer_client, settings):
    settings.MAX_BENEFICIARY_ROWS = 1
    before = snapshot()
    response = officer_client.post("/log/", form_data(two_rows()))
    assert response.status_code == 400
    assert "at most 1 " in response.content.decode()
    assert snapshot() == before


def test_the_officer_form_within_the_row_limit_saves(officer_client, settings):
    settings.MAX_BENEFICIARY_ROWS = 2
    response = officer_client.post("/log/", form_data(two_rows()))
    assert response.status_code == 302


def test_a_thousand_rows_are_accepted_and_written(officer_api):
    response = officer_api.post(URL, {**TRAINING, "beneficiaries": rows(1000)}, format="json")
    assert response.status_code == 201, response.json()
    activity = Activity.objects.get(pk=response.json()["id"])
    assert activity.beneficiaries.count() == 1000
    # Each new row has its audit entry, and its place (attribution in the same write).
    assert BeneficiaryGroup.history.filter(activity_id=activity.pk, history_type="+").count() == (
        1000
    )
    assert not activity.beneficiaries.filter(place_country__isnull=True).exists()


def test_a_bulk_rewrite_keeps_changed_rows_deletes_the_rest_and_records_each(officer_api, officer):
    created = officer_api.post(URL, {**TRAINING, "beneficiaries": rows(20)}, format="json").json()
    kept = created["beneficiaries"][:5]
    body = {
        "beneficiaries": [
            {"id": kept[0]["id"], "audience": "police", "female": 100, "male": 1},
            *(
                {"id": r["id"], "audience": "police", "female": r["female"], "male": 1}
                for r in kept[1:]
            ),
            {"audience": "police", "female": 2, "male": 2},
        ]
    }
    response = officer_api.patch(
        f"{URL}{created['id']}/",
        body,
        format="json",
        HTTP_IF_MATCH=f'W/"activity-{created["id"]}-v{created["version"]}"',
    )
    assert response.status_code == 200, response.json()
    activity = Activity.objects.get(pk=created["id"])
    assert activity.beneficiaries.count() == 6
    assert activity.beneficiaries.get(pk=kept[0]["id"]).total == 101
    history = BeneficiaryGroup.history.filter(activity_id=activity.pk)
    changed = history.filter(history_type="~")
    assert list(changed.values_list("id", "female", "history_user")) == [
        (kept[0]["id"], 100, officer.pk)
    ]
    assert history.filter(history_type="-").count() == 15
    assert set(history.filter(history_type="-").values_list("history_user", flat=True)) == {
        officer.pk
    }
    assert history.filter(history_type="+").count() == 21


def test_a_row_refused_by_the_model_leaves_nothing_written(officer_api):
    before = snapshot()
    response = officer_api.post(
        URL,
        {**TRAINING, "beneficiaries": [*rows(3), {"female": 1, "note": "n" * 301}]},
        format="json",
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_an_unchanged_row_list_writes_no_row_history(officer_api):
    created = officer_api.post(URL, {**TRAINING, "beneficiaries": rows(3)}, format="json").json()
    same = [
        {"id": r["id"], "audience": "police", "female": r["female"], "male": 1}
        for r in created["beneficiaries"]
    ]
    response = officer_api.patch(
        f"{URL}{created['id']}/",
        {"beneficiaries": same},
        format="json",
        HTTP_IF_MATCH=f'W/"activity-{created["id"]}-v{created["version"]}"',
    )
    assert response.status_code == 200
    history = BeneficiaryGroup.history.filter(activity_id=created["id"])
    assert history.count() == 3


def test_a_form_row_over_the_limit_is_named_with_the_row_form(officer_client, settings):
    settings.MAX_BENEFICIARY_ROWS = 0
    response = officer_client.post("/log/", form_data([row(not_recorded="3")]))
    assert response.status_code == 400
    assert "MAX_BENEFICIARY_ROWS" in response.content.decode()
