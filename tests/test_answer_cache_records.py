"""A page of the activities list assembled from each activity's kept representation
(answer_cache/records.py) is the page a fresh serialisation gives, after every kind of
write; only the activities a write touched are read whole again.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities import rollups
from activities.models import (
    Activity,
    ActivityStamp,
    BeneficiaryGroup,
    Country,
    Partner,
    Theme,
)
from tests import factories

pytestmark = pytest.mark.usefixtures("seeded_transactional_db")

PAGE = "/api/v1/activities/?q=Made-up&page_size=20"


def fresh(client, settings, url: str = PAGE) -> bytes:
    """The page serialised whole: the answer cache off."""
    settings.ANSWER_CACHE_ENABLED = False
    try:
        return client.get(url).content
    finally:
        settings.ANSWER_CACHE_ENABLED = True


def page(client, url: str = PAGE) -> tuple[bytes, list[str]]:
    """The page as served, and the statements that read whole activities."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    whole = [q["sql"] for q in captured if q["sql"].startswith('SELECT "activities_activity"."id"')]
    return response.content, whole


def written(client, settings) -> None:
    """After a write (rolled up, as the writing request does): the page served is the
    fresh one."""
    assert rollups.catch_up()
    served, _ = page(client)
    assert served == fresh(client, settings)


def test_a_write_reads_again_only_the_activity_it_touched(client, settings):
    activities = factories.ActivityFactory.create_batch(12)
    rollups.catch_up()
    first, whole = page(client)
    assert first == fresh(client, settings) and whole  # every activity read once
    Activity.objects.filter(pk=activities[3].pk).update(title="Made-up training, renamed")
    rollups.catch_up()
    served, whole = page(client)
    assert served == fresh(client, settings)
    assert b"renamed" in served
    # The ids of the page (values_list), then the one activity that changed.
    # The ids of the page, then the one activity that changed, read whole.
    ids, read = whole
    assert 'AS "pk"' in ids
    assert f'"activities_activity"."id" IN ({activities[3].pk})' in read


def test_every_kind_of_write_reaches_the_page(client, settings):
    activities = factories.ActivityFactory.create_batch(6)
    rollups.catch_up()
    page(client)
    one, other = activities[0], activities[1]
    BeneficiaryGroup.objects.filter(activity=one).update(female=11, total=31)
    written(client, settings)
    one.countries.add(Country.objects.get(iso2="GT"))
    written(client, settings)
    other.themes.set(Theme.objects.order_by("-pk")[:2])
    written(client, settings)
    Activity.objects.filter(pk=other.pk).update(status="draft")  # leaves the public page
    written(client, settings)
    Activity.objects.filter(pk=one.pk).delete()
    written(client, settings)
    factories.ActivityFactory.create()
    written(client, settings)
    # The CSV of the same page is made of the same representations.
    csv = PAGE + "&format=csv"
    served = client.get(csv).content
    assert served == fresh(client, settings, csv) and b"Made-up training" in served


def test_reference_data_moves_every_representation(client, settings):
    factories.ActivityFactory.create_batch(3)
    rollups.catch_up()
    page(client)
    # A partner's name is reference data: no activity is noted, the reference version moves.
    Partner.objects.filter(activities__title__startswith="Made-up").update(name="Renamed partner")
    served, whole = page(client)
    assert b"Renamed partner" in served and whole
    assert served == fresh(client, settings)


def test_while_a_write_waits_the_page_is_serialised_whole(client, settings):
    activities = factories.ActivityFactory.create_batch(3)
    rollups.catch_up()
    page(client)
    stamps = dict(ActivityStamp.objects.values_list("activity_id", "stamp"))
    Activity.objects.filter(pk=activities[0].pk).update(title="Made-up training, waiting")
    # Not rolled up: its stamp has not moved, and the page must not be assembled from it.
    assert ActivityStamp.objects.get(activity_id=activities[0].pk).stamp == stamps[activities[0].pk]
    served, _ = page(client)
    assert b"waiting" in served
    assert served == fresh(client, settings)


def test_a_signed_in_reader_gets_the_page_serialised_whole(client, settings, django_user_model):
    factories.ActivityFactory.create_batch(2)
    rollups.catch_up()
    user = django_user_model.objects.create_user("reader", password="pw-reader-123456")
    client.force_login(user)
    served, whole = page(client)
    assert whole and served == fresh(client, settings)


def test_a_representation_is_kept_per_language_and_host(client, settings):
    factories.ActivityFactory.create_batch(2)
    rollups.catch_up()
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    for headers in ({"HTTP_ACCEPT_LANGUAGE": "fr"}, {"HTTP_HOST": "other.example"}, {}):
        served = client.get(PAGE, **headers).content
        settings.ANSWER_CACHE_ENABLED = False
        assert served == client.get(PAGE, **headers).content, headers
        settings.ANSWER_CACHE_ENABLED = True
