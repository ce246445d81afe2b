"""Template helpers of the officer pages: `{% load officer %}`."""

from django import template

from activities import access
from activities.people import privacy

register = template.Library()


@register.simple_tag(takes_context=True)
def may_edit(context, activity) -> bool:
    """Whether the signed-in user may edit this activity (activities/access.py)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and access.can_edit(user, activity))


@register.simple_tag(takes_context=True)
def may_see_people(context, activity) -> bool:
    """Whether the signed-in user may see this activity's people (people/privacy.py)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and privacy.may_see_people_of(user, activity))
