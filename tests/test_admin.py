"""Every admin screen answers a staff user, and bad input gets a clear inline error."""

import pytest
from django.contrib import admin
from django.urls import reverse

from activities.models import Activity, Country

pytestmark = pytest.mark.django_db

MODELS = list(admin.site._registry)


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_changelist_add_and_change_page_answers_200(superuser_client, superuser, rf, model):
    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200
    request = rf.get("/")
    request.user = superuser
    # Some third-party screens (django-axes' log of login attempts) allow no adding.
    if admin.site._registry[model].has_add_permission(request):
        assert superuser_client.get(admin_url(model, "add")).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        assert superuser_client.get(admin_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize(
    "query", ["region=013", "year=2020", "kind=training", "status=published", "q=teachers"]
)
def test_the_activity_changelist_filters(superuser_client, query):
    response = superuser_client.get(admin_url(Activity, "changelist") + "?" + query)
    assert response.status_code == 200


def test_the_region_filter_finds_the_central_american_trainings(superuser_client):
    response = superuser_client.get(admin_url(Activity, "changelist") + "?region=013")
    assert "Training on requesting digital evidence" in response.content.decode()
    assert "Hands-on training in cryptocurrency" not in response.content.decode()


def activity_post(**overrides):
    data = {
        "kind": "training",
        "title": "Digital evidence workshop",
        "description": "",
        "status": "draft",
        "delivery": "delivered",
        "start_date": "2020-03-02",
        "end_date": "2020-03-04",
        "date_precision": "day",
        "modality": "online",
        "countries": [Country.objects.get(iso2="SV").pk],
        "source_paragraph": "",
        "source_note": "",
        "beneficiaries-TOTAL_FORMS": "1",
        "beneficiaries-INITIAL_FORMS": "0",
        "beneficiaries-MIN_NUM_FORMS": "0",
        "beneficiaries-MAX_NUM_FORMS": "1000",
        "beneficiaries-0-female": "10",
        "beneficiaries-0-male": "12",
        "beneficiaries-0-not_recorded": "0",
        "beneficiaries-0-total": "22",
        "beneficiaries-0-qualifier": "exact",
        # The sessions inline (counting rule 13): none here.
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_adding_an_activity_with_beneficiaries_attributes_them(superuser_client):
    response = superuser_client.post(admin_url(Activity, "add"), activity_post())
    assert response.status_code == 302, response.context["adminform"].errors
    activity = Activity.objects.get(title="Digital evidence workshop")
    row = activity.beneficiaries.get()
    assert row.place_country.iso2 == "SV"
    assert activity.created_by.username == "root"


def test_it_shows_an_inline_error_when_the_sex_split_does_not_add_up(superuser_client):
    response = superuser_client.post(
        admin_url(Activity, "add"), activity_post(**{"beneficiaries-0-total": "30"})
    )
    assert response.status_code == 200
    assert "not 30" in response.content.decode()
    assert not Activity.objects.filter(title="Digital evidence workshop").exists()


def test_it_shows_an_error_when_the_end_is_before_the_start(superuser_client):
    response = superuser_client.post(
        admin_url(Activity, "add"), activity_post(end_date="2020-03-01")
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_it_shows_an_error_when_no_geographic_scope_is_given(superuser_client):
    response = superuser_client.post(admin_url(Activity, "add"), activity_post(countries=None))
    assert response.status_code == 200
    assert "Give at least one country or one region" in response.content.decode()
