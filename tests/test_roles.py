"""Roles: groups set up idempotently; officers scoped to their countries and regions."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404

from activities import access
from activities.models import Activity
from activities.roles import ROLES

pytestmark = pytest.mark.django_db


def test_the_migration_created_the_four_roles():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


def test_setup_roles_is_idempotent_and_restores_removed_permissions(capsys):
    officer = Group.objects.get(name="Programme officer")
    officer.permissions.clear()
    call_command("setup_roles")
    call_command("setup_roles")
    assert Group.objects.filter(name__in=ROLES).count() == 4
    assert set(officer.permissions.values_list("codename", flat=True)) >= {
        "add_activity",
        "change_activity",
    }
    assert "Programme officer: 15 permissions" in capsys.readouterr().out


def test_an_officer_cannot_publish_and_a_manager_can(officer, manager):
    assert not access.can_publish(officer)
    assert access.can_publish(manager)


def test_a_central_america_officer_edits_el_salvador_but_not_senegal(
    officer, sahel_draft, salvador_draft
):
    editable = access.editable_activities(officer)
    assert salvador_draft in editable
    assert sahel_draft not in editable


def test_a_draft_outside_the_officers_scope_is_hidden_from_them(officer, sahel_draft):
    assert sahel_draft not in access.visible_activities(officer)
    with pytest.raises(Http404):
        access.get_activity_for_user(officer, sahel_draft.pk)


def test_a_published_activity_outside_the_scope_is_visible_but_not_editable(
    officer, manager, sahel_draft
):
    from activities import services

    services.activity_publish(activity=sahel_draft, by=manager)
    assert access.get_activity_for_user(officer, sahel_draft.pk) == sahel_draft
    with pytest.raises(PermissionDenied):
        access.get_activity_for_user(officer, sahel_draft.pk, for_edit=True)


def test_an_activity_scoped_to_a_wider_region_is_outside_a_sub_region_officer(officer):
    # F19 lists Belize, Costa Rica, El Salvador, Guatemala, Honduras: all in 013.
    # F13 is scoped to Western Africa and South America: outside.
    editable = access.editable_activities(officer)
    assert editable.filter(reference="report-2020/F19").exists()
    assert not editable.filter(reference="report-2020/F13").exists()
    # F24 is scoped to South-eastern Asia, Africa and South America: outside too.
    assert not editable.filter(reference="report-2020/F24").exists()


def test_an_officer_without_a_scope_edits_nothing(roles):
    from tests.fixtures_roles import make_role_user

    lonely = make_role_user("no-scope", "Programme officer")
    assert not access.editable_activities(lonely).exists()
    assert access.visible_activities(lonely).count() == Activity.objects.published().count()


def test_anonymous_users_and_donors_read_published_records_only(
    donor_viewer, sahel_draft, django_user_model
):
    from django.contrib.auth.models import AnonymousUser

    for user in (AnonymousUser(), None, donor_viewer):
        assert sahel_draft not in Activity.objects.visible_to(user)
        assert Activity.objects.visible_to(user).count() == Activity.objects.published().count()


def test_donor_statistics_include_their_donors_drafts_but_anonymous_statistics_do_not(
    donor_viewer, viewers_donor, sahel_draft
):
    from django.contrib.auth.models import AnonymousUser

    from tests.fixtures_roles import fund

    # Another donor's draft, or nobody's, is not theirs to count.
    assert sahel_draft not in Activity.objects.aggregated_for(donor_viewer)
    fund(sahel_draft, viewers_donor)
    assert sahel_draft in Activity.objects.aggregated_for(donor_viewer)
    assert sahel_draft not in Activity.objects.aggregated_for(AnonymousUser())
    assert access.can_see_draft_aggregates(donor_viewer)
    assert not access.can_see_draft_aggregates(AnonymousUser())


def test_managers_and_administrators_see_and_edit_every_draft(manager, administrator, sahel_draft):
    for user in (manager, administrator):
        assert sahel_draft in access.visible_activities(user)
        assert access.get_activity_for_user(user, sahel_draft.pk, for_edit=True) == sahel_draft


def test_the_picker_of_a_central_america_officer_lists_its_eight_countries(officer):
    iso3 = set(access.scope_countries(officer).values_list("iso3", flat=True))
    assert iso3 == {"BLZ", "CRI", "SLV", "GTM", "HND", "MEX", "NIC", "PAN"}
    assert set(access.scope_regions(officer).values_list("code", flat=True)) == {"013"}
