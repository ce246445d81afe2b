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


def _help_id(field) -> str:
    return f"{field.auto_id}_helptext" if field.help_text else ""


@register.simple_tag
def described_widget(field, help_id: str = ""):
    """The field's widget, its aria-describedby naming its help and its errors by ids
    that the page renders (`<auto_id>_helptext`, `<auto_id>_error`, or the column's help
    given as `help_id`): a screen reader hears them when the field has focus."""
    ids = [help_id or _help_id(field)]
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    described = " ".join(i for i in ids if i)
    return field.as_widget(attrs={"aria-describedby": described} if described else None)


@register.filter
def described_by(field) -> str:
    """The ids describing a field shown as a group (a <fieldset> of radios or boxes)."""
    ids = [_help_id(field), f"{field.auto_id}_error" if field.errors else ""]
    return " ".join(i for i in ids if i)


@register.filter
def row_split(row) -> str:
    """A beneficiary row's female + male + not recorded, as posted or as saved: the row
    total the page shows without script. Empty when nothing is typed or a count is not a
    number."""
    counts = []
    for name in ("female", "male", "not_recorded"):
        value = row[name].value()
        if value in (None, ""):
            continue
        try:
            counts.append(int(value))
        except (TypeError, ValueError):
            return ""
    return str(sum(counts)) if counts else ""
