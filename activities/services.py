"""Writes. Every write goes through here, is atomic, and keeps derived fields current."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import counting, series
from .beneficiary_rows import BENEFICIARY_FIELDS, authored_by, replace_rows
from .models import (
    Activity,
    ActivityPostponement,
    BeneficiaryGroup,
    Country,
    DatePrecision,
    Region,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def refresh_attribution(*, activity: Activity) -> None:
    """Recompute the activity's scope region and the place of each beneficiary row.

    Called after any change to an activity's countries, regions or beneficiary rows, in
    the same transaction, so counts by place are never stale.
    """
    scope_country, scope_region = counting.scope_of(activity)
    activity_region = scope_region or (scope_country.region if scope_country else None)
    if activity.scope_region_id != (activity_region.pk if activity_region else None):
        activity.scope_region = activity_region
        Activity.objects.filter(pk=activity.pk).update(scope_region=activity_region)
    # Two set-based UPDATEs rather than a save() per row: derived fields only, so
    # they leave no entry in the audit history.
    rows = BeneficiaryGroup.objects.filter(activity=activity)
    rows.filter(country__isnull=False).update(place_country=F("country"), place_region=None)
    rows.filter(country__isnull=True).update(place_country=scope_country, place_region=scope_region)


# --- Validation shared by the officer form and the API ---------------------------------


def row_country_errors(
    *,
    row_countries: Sequence[Country | None],
    countries: Iterable[Country],
    regions: Iterable[Region],
) -> list[str | None]:
    """For each beneficiary row's country, None when the row may name it (counting's
    `row_country_fits`), else the message that says what to do."""
    countries, regions = list(countries), list(regions)
    return [
        None
        if country is None
        or counting.row_country_fits(country, countries=countries, regions=regions)
        else (
            f"{country.name} is not among the activity's countries or regions: add it "
            "there, or pick “not split by country”."
        )
        for country in row_countries
    ]


def period_errors(
    *, start: datetime.date | None, end: datetime.date | None, precision: str | None
) -> dict[str, str]:
    """What is wrong with a period, by field name; empty when nothing is.

    The end is never before the start. The dates say what the precision says: a period
    known to the year runs from 1 January to 31 December, one known to the month from
    the first day of a month to the last day of a month. A missing date, or
    `precision=None`, leaves that part unchecked. Each date given lies within
    settings.PLAUSIBLE_YEARS: a draft dated year 231 or 9999 is a typo, and would widen
    every year grouping of the statistics.
    """
    first_year, last_year = settings.PLAUSIBLE_YEARS
    implausible = {
        name: _("%(date)s is not plausible: give a date from %(first)s to %(last)s.")
        % {"date": value.isoformat(), "first": first_year, "last": last_year}
        for name, value in (("start_date", start), ("end_date", end))
        if value is not None and not first_year <= value.year <= last_year
    }
    if implausible:
        return implausible
    if start is None or end is None:
        return {}
    if end < start:
        message = _("The end (%(end)s) is before the start (%(start)s).") % {
            "end": date_format(end, "j F Y"),
            "start": date_format(start, "j F Y"),
        }
        return {"end_date": message}
    if precision == DatePrecision.YEAR and (
        (start.month, start.day) != (1, 1) or (end.month, end.day) != (12, 31)
    ):
        return {
            "date_precision": _(
                "With precision year the period runs from 1 January to 31 December "
                "(e.g. 2020-01-01..2020-12-31)."
            )
        }
    if precision == DatePrecision.MONTH and (
        start.day != 1 or end.day != calendar.monthrange(end.year, end.month)[1]
    ):
        return {
            "date_precision": _(
                "With precision month the period runs from the first day of a month to the "
                "last day of a month."
            )
        }
    return {}


def sex_split_error(
    *, female: int, male: int, not_recorded: int, total: int | None, not_recorded_label: str
) -> str | None:
    """None when a beneficiary row's total is not given or equals female + male + not
    recorded; else the message, naming the not-recorded field as the writer sees it."""
    split = female + male + not_recorded
    if total is None or total == split:
        return None
    return _(
        "Female (%(female)s) + male (%(male)s) + not recorded (%(not_recorded)s) = %(split)s, "
        "not %(total)s. Put the people whose sex is not known under %(label)s."
    ) % {
        "female": female,
        "male": male,
        "not_recorded": not_recorded,
        "split": split,
        "total": total,
        "label": not_recorded_label,
    }


def source_error(
    *, source_document: object | None, source_paragraph: str | None, source_note: str | None
) -> str | None:
    """None when a record cites its source (a source document or a reference such as a
    report paragraph or a mission report) or says why there is none (`source_note`);
    else the message. Every figure cites its source, or says it has none and why."""
    if source_document or (source_paragraph or "").strip() or (source_note or "").strip():
        return None
    return _(
        "Give the source reference (a report paragraph, a mission report, an attendance "
        "sheet), or say below why there is none."
    )


def beneficiary_rows_error(*, count: int) -> str | None:
    """None when an activity may have `count` beneficiary rows; else the message naming
    the limit (settings.MAX_BENEFICIARY_ROWS), for the API and the officer's form alike."""
    limit = settings.MAX_BENEFICIARY_ROWS
    if count <= limit:
        return None
    return _(
        "%(count)s beneficiary rows: an activity has at most %(limit)s "
        "(setting MAX_BENEFICIARY_ROWS). Group the people in fewer rows."
    ) % {"count": count, "limit": limit}


# --- Logging, editing, publishing (the officer form and the API write through these) ---

# The many-to-many relations a write may set, by field name.
ACTIVITY_RELATIONS = (
    "languages",
    "countries",
    "regions",
    "audiences",
    "themes",
    "partners",
    "mentors",
    "mandates",
    "donors",
    "projects",
)
# Set by services only: never taken from a form or a request body.
PROTECTED_FIELDS = {
    "id",
    "pk",
    "version",
    "status",
    "created_by",
    "scope_region",
    "reference",
    "hours_at_least",
    # The review (activities/review.py): changed by its steps only.
    "review_state",
    "submitted_at",
    "submitted_by",
    "review_comment",
}


class StaleVersion(Exception):
    """Someone saved the activity since the version the writer started from."""

    def __init__(self, activity: Activity, expected_version: int) -> None:
        super().__init__(
            f"Activity {activity.pk} is at version {activity.version}, not {expected_version}"
        )
        self.activity = activity
        self.expected_version = expected_version


def _claim_version(*, activity: Activity, expected_version: int | None) -> None:
    """Bump the version in one conditional UPDATE; raise StaleVersion if it moved.

    `UPDATE ... SET version = version + 1 WHERE id = %s AND version = %s`: on
    PostgreSQL a concurrent writer waits for the row lock, then finds the version moved
    and updates nothing, so exactly one of two simultaneous saves wins.
    """
    rows = Activity.objects.filter(pk=activity.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if rows.update(version=F("version") + 1) != 1:
        current = Activity.objects.get(pk=activity.pk)
        raise StaleVersion(current, expected_version if expected_version is not None else -1)
    activity.version = Activity.objects.values_list("version", flat=True).get(pk=activity.pk)


# django-simple-history reads an attribute the models do not declare: a flag that makes
# save() write no record (the author is set by beneficiary_rows.authored_by).
_SKIP_HISTORY = "skip_history_when_saving"


@contextmanager
def _without_history(activity: Activity) -> Iterator[None]:
    """Saves of `activity` inside write no history record (_record_history writes one)."""
    setattr(activity, _SKIP_HISTORY, True)
    try:
        yield
    finally:
        delattr(activity, _SKIP_HISTORY)


# django-simple-history reads an attribute the models do not declare: the reason of the
# next history record (`history_change_reason`).
_CHANGE_REASON = "_change_reason"


def reason_for_change(
    activity: Activity,
    *,
    change_reason: str | None,
    fields: Mapping[str, Any] | None = None,
    relations: Mapping[str, Iterable[Any]] | None = None,
    published_after: bool | None = None,
) -> str | None:
    """The reason a write to a saved activity carries (see _reason_and_saved)."""
    reason, _saved = _reason_and_saved(
        activity,
        change_reason=change_reason,
        fields=fields,
        relations=relations,
        published_after=published_after,
    )
    return reason


def _reason_and_saved(
    activity: Activity,
    *,
    change_reason: str | None,
    fields: Mapping[str, Any] | None = None,
    relations: Mapping[str, Iterable[Any]] | None = None,
    published_after: bool | None = None,
) -> tuple[str | None, dict[str, Any]]:
    """The reason a write to a saved activity carries (results/periods.py).

    Required when the activity lies in a closed reporting period, as it is saved or as the
    write leaves it (its dates from `fields`, its projects from `relations`), and is
    published before or after the write (`published_after`, when the write changes
    that): else periods.ReasonRequired, a ValidationError naming the periods, and nothing
    is written. A draft is in no reported figure (snapshots hold published figures), so
    changing one needs no reason. The reason is set on the activity for its next history
    record.
    """
    from .results import periods

    # The row as saved (a form has already put its values on the instance).
    saved: dict[str, Any] = dict(
        Activity.objects.filter(pk=activity.pk)
        .values("start_date", "end_date", "date_precision", "status")
        .get()
    )
    published = Activity.Status.PUBLISHED
    if published_after is None:
        published_after = saved["status"] == published
    if saved["status"] != published and not published_after:
        reason = (change_reason or "").strip() or None
        setattr(activity, _CHANGE_REASON, reason)
        return reason, saved
    spans = [(saved["start_date"], saved["end_date"])]
    fields = fields or {}
    start = fields.get("start_date", saved["start_date"])
    end = fields.get("end_date", saved["end_date"])
    if (start, end) != spans[0] and start is not None and end is not None:
        spans.append((start, end))
    project_ids: set[int] = set(
        Activity.projects.through.objects.filter(activity_id=activity.pk).values_list(
            "project_id", flat=True
        )
    )
    if relations and "projects" in relations:
        project_ids |= {project.pk for project in relations["projects"]}
    reason = periods.require_reason(periods.closed_periods_over(spans, project_ids), change_reason)
    setattr(activity, _CHANGE_REASON, reason)
    return reason, saved


def _record_history(activity: Activity, *, created: bool, by: User | None) -> None:
    """One audit entry for the whole write, with the final many-to-many values."""
    authored_by(activity, by)
    # simple-history writes its record from post_save; sent once, after the m2m sets.
    post_save.send(sender=Activity, instance=activity, created=created, raw=False, using="default")


def _set_relations(activity: Activity, relations: Mapping[str, Iterable[Any]]) -> None:
    for name, values in relations.items():
        if name not in ACTIVITY_RELATIONS:
            raise ValueError(f"Unknown relation {name!r}")
        getattr(activity, name).set(values)


def _save_rows(
    *,
    activity: Activity,
    rows: Sequence[Mapping[str, Any]],
    by: User | None,
    change_reason: str | None = None,
) -> None:
    """Make the activity's beneficiary rows exactly `rows` (beneficiary_rows.replace_rows),
    if they are within the limit."""
    from .people.tallies import typed_rows_error

    error = beneficiary_rows_error(count=len(rows)) or typed_rows_error(activity, rows)
    if error:
        raise ValidationError({"beneficiaries": [error]})
    replace_rows(activity=activity, rows=rows, by=by, change_reason=change_reason)


def with_row_audiences(
    relations: Mapping[str, Iterable[Any]] | None,
    rows: Sequence[Mapping[str, Any]] | None,
) -> dict[str, Iterable[Any]]:
    """The relations to write, with the activity's audiences taken from its beneficiary
    rows: who came is said once, per row, and the activity was for the audiences its rows
    name (the officer's form asks nothing else; an API client gets the same answer).

    Audiences the writer names besides are kept (people a row does not split by
    audience). When no row names an audience (rows not written, or every row "several
    or not known"), the audiences are left as the writer gives them, or as they are.
    """
    relations = dict(relations or {})
    named = [row.get("audience") for row in rows or () if row.get("audience") is not None]
    if not named:
        return relations
    audiences: dict[Any, Any] = {}
    for audience in [*relations.get("audiences", []), *named]:
        audiences.setdefault(getattr(audience, "pk", audience), audience)
    relations["audiences"] = list(audiences.values())
    return relations


def _apply_fields(activity: Activity, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        if name in PROTECTED_FIELDS or name in ACTIVITY_RELATIONS:
            raise ValueError(f"{name!r} cannot be set through fields")
        setattr(activity, name, value)


@transaction.atomic
def activity_create(
    *,
    fields: Mapping[str, Any],
    relations: Mapping[str, Iterable[Any]] | None = None,
    beneficiary_rows: Sequence[Mapping[str, Any]] = (),
    sessions: Sequence[Mapping[str, Any]] = (),
    by: User | None,
    reference: str | None = None,
) -> Activity:
    """Log a new activity as a draft, with its relations, beneficiary rows and sessions
    (series.activity_sessions_replace: its hours then follow the sessions'); the
    audiences its rows name are its audiences (with_row_audiences). `reference` is the
    key of an imported record (activities/bulk/), unique."""
    relations = with_row_audiences(relations, beneficiary_rows)
    activity = Activity(
        status=Activity.Status.DRAFT, created_by=by, version=1, reference=reference or None
    )
    _apply_fields(activity, fields)
    activity.full_clean(exclude=[*ACTIVITY_RELATIONS, "scope_region", "created_by"])
    with _without_history(activity):
        activity.save()
        _set_relations(activity, relations or {})
    _record_history(activity, created=True, by=by)
    _save_rows(activity=activity, rows=beneficiary_rows, by=by)
    if sessions:
        series.activity_sessions_replace(activity=activity, sessions=sessions, by=by)
    refresh_attribution(activity=activity)
    return activity


@transaction.atomic
def activity_create_many(
    *,
    items: Sequence[Mapping[str, Any]],
    by: User | None,
    status: str = Activity.Status.DRAFT,
) -> list[Activity]:
    """Log many new activities at once (bulk entry, activities/bulk/): the records
    activity_create writes (each activity with its history record holding its
    many-to-many values, its beneficiary rows with theirs, its attribution), in a few
    set-based INSERTs per table instead of some sixty queries per activity.

    Each item is {"fields", "relations", "beneficiary_rows", "reference"} as
    activity_create takes them, with the related records resolved and checked by the
    caller (period_errors, sex_split_error, row_country_errors): the fields are cleaned
    here without queries, the database's constraints hold the rest. `status` is DRAFT,
    or PUBLISHED when a manager chooses (each item then has a country or a region).
    """
    from simple_history.utils import bulk_create_with_history

    regions_by_id = {region.pk: region for region in Region.objects.all()}
    regions_by_path = {region.path: region for region in regions_by_id.values()}
    # Relations and foreign keys were resolved from records: validating them costs a
    # query each.
    references = [field.name for field in Activity._meta.concrete_fields if field.is_relation]
    activities: list[Activity] = []
    scopes: list[tuple[Country | None, Region | None]] = []
    for item in items:
        activity = Activity(
            status=status, created_by=by, version=1, reference=item.get("reference") or None
        )
        _apply_fields(activity, item.get("fields", {}))
        activity.full_clean(
            exclude=[*ACTIVITY_RELATIONS, *references],
            validate_unique=False,
            validate_constraints=False,
        )
        relations = item.get("relations", {})
        countries = list(relations.get("countries", ()))
        regions = list(relations.get("regions", ()))
        if status == Activity.Status.PUBLISHED and not countries and not regions:
            raise ValidationError(_("An activity with no country or region cannot be published."))
        # counting.scope_of, from the records in hand.
        path = counting.scope_path([c.path for c in countries], [r.path for r in regions])
        if path is None:
            scope: tuple[Country | None, Region | None] = (None, None)
        elif len(countries) == 1 and not regions:
            scope = (countries[0], None)
        else:
            scope = (None, regions_by_path[path])
        scopes.append(scope)
        country, region = scope
        activity.scope_region = region or (
            regions_by_id.get(country.region_id) if country is not None else None
        )
        authored_by(activity, by)
        activities.append(activity)
    if status == Activity.Status.PUBLISHED:
        # Published in a closed reporting period, they would change reported figures:
        # that needs a reason, which a bulk write does not take (import them as drafts).
        from .results import periods

        project_ids = {
            project.pk
            for item in items
            for project in item.get("relations", {}).get("projects", ())
        }
        spans = [(activity.start_date, activity.end_date) for activity in activities]
        periods.require_reason(periods.closed_periods_over(spans, project_ids), None)
    Activity.objects.bulk_create(activities)
    history = Activity.history.bulk_history_create(activities, default_user=by)
    for name in ACTIVITY_RELATIONS:
        m2m = Activity._meta.get_field(name)
        through: Any = getattr(Activity, name).through
        target = f"{m2m.m2m_reverse_field_name()}_id"  # type: ignore[union-attr]
        links = [
            through(activity_id=activity.pk, **{target: record.pk})
            for activity, item in zip(activities, items, strict=True)
            for record in item.get("relations", {}).get(name, ())
        ]
        if not links:
            continue
        through.objects.bulk_create(links)
        # The history record of each activity holds its links, as after activity_create.
        historical_links: Any = Activity.history.model._meta.get_field(
            f"historicalactivity_{name}"
        ).related_model
        record_of = {record.id: record for record in history}
        historical_links.objects.bulk_create(
            historical_links(
                id=link.pk,
                history=record_of[link.activity_id],
                activity_id=link.activity_id,
                **{target: getattr(link, target)},
            )
            for link in links
        )
    rows = [
        BeneficiaryGroup(
            activity=activity,
            **{name: data[name] for name in BENEFICIARY_FIELDS if name in data},
            total=(data.get("female") or 0) + (data.get("male") or 0)
            + (data.get("not_recorded") or 0),
            place_country=data.get("country") or scope[0],
            place_region=None if data.get("country") else scope[1],
        )
        for activity, item, scope in zip(activities, items, scopes, strict=True)
        for data in item.get("beneficiary_rows", ())
    ]  # fmt: skip
    for row in rows:
        row.full_clean(
            exclude=["activity", "audience", "country", "place_country", "place_region"],
            validate_unique=False,
            validate_constraints=False,
        )
    if rows:
        bulk_create_with_history(rows, BeneficiaryGroup, default_user=by)
    return activities


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    expected_version: int | None,
    fields: Mapping[str, Any] | None = None,
    relations: Mapping[str, Iterable[Any]] | None = None,
    beneficiary_rows: Sequence[Mapping[str, Any]] | None = None,
    sessions: Sequence[Mapping[str, Any]] | None = None,
    by: User | None,
    change_reason: str | None = None,
    postponement: Mapping[str, Any] | None = None,
) -> Activity:
    """Change an activity, if nobody saved it since `expected_version` (else
    StaleVersion, and nothing is written). `beneficiary_rows=None` leaves the rows as
    they are; a list replaces them (see _save_rows). `expected_version=None` skips the
    check (only for internal callers that hold the row already). In a closed reporting
    period the change needs `change_reason` (else periods.ReasonRequired); it is kept
    on the audit history of the activity and of its rows. When the change leaves the
    activity postponed with other dates (the form, the API or `activity_postpone`), the
    move is recorded (ActivityPostponement, with `postponement`'s decision, reason and
    date when given). `sessions=None` leaves the sessions as they are (they must then
    still lie within the period, else ValidationError on start_date); a list replaces
    them (series.activity_sessions_replace), and the hours follow the sessions'
    durations whenever one gives its own. Rows that name audiences make the activity's
    audiences (with_row_audiences)."""
    relations = with_row_audiences(relations, beneficiary_rows)
    _claim_version(activity=activity, expected_version=expected_version)
    reason, saved = _reason_and_saved(
        activity, change_reason=change_reason, fields=fields, relations=relations
    )
    moved_from = (saved["start_date"], saved["end_date"], saved["date_precision"])
    _apply_fields(activity, fields or {})
    activity.full_clean(exclude=[*ACTIVITY_RELATIONS, "scope_region", "created_by", "reference"])
    with _without_history(activity):
        activity.save()
        _set_relations(activity, relations or {})
    _record_history(activity, created=False, by=by)
    now = (activity.start_date, activity.end_date, activity.date_precision)
    if activity.delivery == Activity.Delivery.POSTPONED and now != moved_from:
        _record_postponement(activity, moved_from, by, postponement or {})
    if beneficiary_rows is not None:
        _save_rows(activity=activity, rows=beneficiary_rows, by=by, change_reason=reason)
    if sessions is not None:
        series.activity_sessions_replace(
            activity=activity, sessions=sessions, by=by, change_reason=reason
        )
    else:
        series.follow_activity(activity=activity)
    refresh_attribution(activity=activity)
    from .people import tallies

    # Derived tallies follow the activity's places: a person's country names a row only
    # while the activity's places admit it.
    if tallies.has_attendance(activity):
        tallies.sync_tallies(activity=activity, by=by, change_reason=reason)
    return activity


@transaction.atomic
def activity_postpone(
    *,
    activity: Activity,
    expected_version: int | None,
    start: datetime.date,
    end: datetime.date,
    precision: str = DatePrecision.DAY,
    decision: str = "",
    reason: str = "",
    decided_on: datetime.date | None = None,
    by: User | None,
    change_reason: str | None = None,
) -> Activity:
    """Move an activity to new dates, keeping the ones it moves from (its history, shown
    on its page), with who decided and why: it becomes postponed, and is counted nowhere
    by default (counting rule 10) until it is delivered. The same checks as every change
    (version, period, a reason in a closed period)."""
    return activity_update(
        activity=activity,
        expected_version=expected_version,
        fields={
            "start_date": start,
            "end_date": end,
            "date_precision": precision,
            "delivery": Activity.Delivery.POSTPONED,
        },
        by=by,
        change_reason=change_reason,
        postponement={"decision": decision, "reason": reason, "decided_on": decided_on},
    )


def _record_postponement(
    activity: Activity,
    moved_from: tuple[datetime.date, datetime.date, str],
    by: User | None,
    details: Mapping[str, Any],
) -> None:
    """The move of a postponed activity's dates, from `moved_from` to its own."""
    move = ActivityPostponement(
        activity=activity,
        from_start=moved_from[0],
        from_end=moved_from[1],
        from_precision=moved_from[2],
        to_start=activity.start_date,
        to_end=activity.end_date,
        to_precision=activity.date_precision,
        recorded_by=by,
        **details,
    )
    move.full_clean(exclude=["activity", "recorded_by"])
    move.save()


@transaction.atomic
def activity_publish(
    *,
    activity: Activity,
    by: User | None,
    expected_version: int | None = None,
    change_reason: str | None = None,
) -> Activity:
    """Make a draft public (managers: the caller checks access.can_publish), ending its
    review, and tell its officer (activities/notifications.py, after the commit). In a
    closed reporting period it changes the reported figures: it needs `change_reason`."""
    if not activity.countries.exists() and not activity.regions.exists():
        raise ValidationError(_("An activity with no country or region cannot be published."))
    _claim_version(activity=activity, expected_version=expected_version)
    reason_for_change(activity, change_reason=change_reason, published_after=True)
    was_draft = activity.status != Activity.Status.PUBLISHED
    activity.status = Activity.Status.PUBLISHED
    # Publishing ends the review (activities/review.py); the comment of a return stays
    # in the history.
    activity.review_state = Activity.Review.NONE
    activity.review_comment = ""
    authored_by(activity, by)
    activity.save()
    refresh_attribution(activity=activity)
    if was_draft:
        from . import notifications

        notifications.notify(
            kind=notifications.NotificationKind.PUBLISHED, activity=activity, by=by
        )
    return activity


@transaction.atomic
def activity_unpublish(
    *,
    activity: Activity,
    by: User | None,
    expected_version: int | None = None,
    change_reason: str | None = None,
) -> Activity:
    """Take a published activity back to draft (it leaves every public page at once); in
    a closed reporting period, with `change_reason`."""
    _claim_version(activity=activity, expected_version=expected_version)
    reason_for_change(activity, change_reason=change_reason, published_after=False)
    activity.status = Activity.Status.DRAFT
    authored_by(activity, by)
    activity.save()
    return activity


@transaction.atomic
def activity_duplicate(
    *, activity: Activity, by: User | None, overrides: Mapping[str, Any] | None = None
) -> Activity:
    """A new draft like `activity` ("log another like this one"): same fields and
    relations, no reference, no beneficiary rows (people reached by the original are not
    copied: they would be counted twice)."""
    copied = {
        field.name: getattr(activity, field.name)
        for field in Activity._meta.concrete_fields
        if field.editable
        and field.name not in PROTECTED_FIELDS
        and field.name not in {"created_at", "updated_at", "is_synthetic"}
    }
    relations = {name: list(getattr(activity, name).all()) for name in ACTIVITY_RELATIONS}
    if activity.sessions.filter(hours__isnull=False).exists():
        copied["hours"] = None  # its sessions' hours: the copy has no sessions
    return activity_create(
        fields={**copied, **(overrides or {})}, relations=relations, beneficiary_rows=(), by=by
    )


@transaction.atomic
def activity_delete(
    *,
    activity: Activity,
    by: User | None,
    expected_version: int | None,
    change_reason: str | None = None,
) -> None:
    """Delete the activity and its rows, if nobody saved it since `expected_version`; in
    a closed reporting period, with `change_reason`."""
    _claim_version(activity=activity, expected_version=expected_version)
    reason = reason_for_change(activity, change_reason=change_reason)
    for row in BeneficiaryGroup.objects.filter(activity=activity):
        authored_by(row, by)
        setattr(row, _CHANGE_REASON, reason)
        row.delete()
    # Its evidence files too, bytes included once this commits (evidence/services.py).
    from .evidence.services import delete_all_of

    delete_all_of(activity=activity, by=by)
    authored_by(activity, by)
    activity.delete()
