"""One is singular: "1 country", "1 meeting", "Create an activity", never "1 countries",
"1 meetings" or "Create a activity"."""

from __future__ import annotations

import pytest

from activities.models import Activity
from activities.templatetags.figures import how_many, unit_for

pytestmark = pytest.mark.django_db


def test_a_list_of_one_country_says_1_country(client):
    html = client.get("/activities/?country=SV").content.decode()
    assert 'title="1 country: 1 named"' in html
    assert "1 countries" not in html


def test_a_record_of_one_meeting_says_1_meeting(client):
    activity = Activity.objects.filter(figures__value=1, figures__unit="meetings").first()
    assert activity is not None, "the seed has a figure of one meeting"
    html = client.get(f"/activities/{activity.pk}/").content.decode()
    assert "1 meeting " in html
    assert "1 meetings" not in html


def test_the_api_summaries_put_an_before_a_vowel(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "Create an activity" in schema
    assert "Create a project" in schema
    assert "Create a activity" not in schema
    assert "Change a indicator" not in schema


def test_the_plural_form_follows_the_number_and_reads_plural_when_unknown():
    assert how_many(1) == 1
    assert how_many({"total": 1, "qualifier": "exact"}) == 1
    assert how_many({"at_least": 3, "named": 3}) == 3
    assert how_many(None) == 2  # "not recorded participations"
    assert how_many("<5") == 2  # suppressed
    assert unit_for("meetings", 1) == "meeting"
    assert unit_for("meetings", 2) == "meetings"
    assert unit_for("meetings", None) == "meetings"
