"""Who may see personal data: names, contacts, year of birth or age band, and scores.

- Managers and administrators (`view_personal_data` and `edit_any_activity`): everyone's.
- Programme officers (`view_personal_data`): the people of the activities within their
  scope (access.py), and only there.
- Donor viewers, anonymous users and everyone else: never. They see counts, and in
  person-level counts a small number is suppressed (activities/people/suppression.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import access
from ..models import Activity

if TYPE_CHECKING:
    from ..counting import AnyUser


def may_see_people_at_all(user: AnyUser) -> bool:
    """May see some person's data (officers within their scope, managers)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.has_perm("activities.view_personal_data")
    )


def may_see_people_of(user: AnyUser, activity: Activity) -> bool:
    """May see the names and scores of this activity's participants."""
    if not may_see_people_at_all(user):
        return False
    return access.edits_everything(user) or access.can_edit(user, activity)


def sees_person_level_counts_unsuppressed(user: AnyUser) -> bool:
    """Person-level counts (people, learning) are shown exactly to those who may see the
    people behind them; everyone else gets small cells suppressed."""
    return may_see_people_at_all(user) and access.edits_everything(user)
