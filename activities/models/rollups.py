"""The rollups: each activity's counts, cell by cell, and their sums over the public
activities, kept beside the base tables.

Only the tables live here; activities/rollups/ says what they hold, keeps them current
and answers from them. They are derived data: never versioned (a refresh changes no
answer), never audited, rebuilt whole by `manage.py refresh_rollups`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

NO_KEY = "null"  # a cell's key in a dimension it does not have (JSON for None)


class RollupCell(models.Model):
    """One activity's counts in one cell of one grouping (`shape`).

    `k0` and `k1` are the cell's group keys as JSON ("null": the "unattributed" or "not
    recorded" group, or no second dimension). The participations are the sums of the
    activity's beneficiary rows in the cell, with the largest qualifier rank (counting
    rule 6); `activities` is 1 when the activity is in the cell (counting rule 3), else 0
    (people only). `public`: the activity was among those an anonymous visitor counts
    (`rollups.universe.public()`) when the cell was computed.
    """

    shape = models.CharField(max_length=40)
    activity_id = models.BigIntegerField()
    k0 = models.TextField(default=NO_KEY)
    k1 = models.TextField(default=NO_KEY)
    public = models.BooleanField(default=False)
    activities = models.SmallIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    female = models.BigIntegerField(default=0)
    male = models.BigIntegerField(default=0)
    not_recorded = models.BigIntegerField(default=0)
    has_people = models.BooleanField(default=False)
    rank = models.SmallIntegerField(default=0)
    named = models.BooleanField(default=False)
    # Of the cell without grouping only (counting rule 3's lower bounds): the activity's
    # "from N countries", and whether its countries are known exactly.
    reported = models.IntegerField(null=True)
    countries_exact = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(fields=["shape", "activity_id"], name="rollup_cell_shape_activity"),
            models.Index(fields=["activity_id"], name="rollup_cell_activity"),
            # The largest "from N countries" of the public activities, read from the
            # index's end instead of every activity's cell (20 ms at 100,000).
            models.Index(
                fields=["reported"],
                name="rollup_cell_public_reported",
                condition=models.Q(shape="", public=True),
            ),
            # A place's unattributed people, the largest first (rollups/within.py).
            models.Index(
                fields=["k0", "-total", "activity_id"],
                name="rollup_cell_out_of_place",
                condition=models.Q(shape="out", public=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shape} activity {self.activity_id}: {self.k0}, {self.k1}"


class RollupTotal(models.Model):
    """The sums of the public activities' cells, one row per cell of each grouping.

    Kept by adding each refreshed activity's new cells and subtracting its old ones, so
    every column is a count or a sum: `with_people`, `rank1`, `rank2` and `named` count
    the activity cells with people, with a qualifier of rank 1 or 2, resting on named
    people (their MAX is "more than none")."""

    shape = models.CharField(max_length=40)
    k0 = models.TextField(default=NO_KEY)
    k1 = models.TextField(default=NO_KEY)
    activities = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    female = models.BigIntegerField(default=0)
    male = models.BigIntegerField(default=0)
    not_recorded = models.BigIntegerField(default=0)
    with_people = models.BigIntegerField(default=0)
    rank1 = models.BigIntegerField(default=0)
    rank2 = models.BigIntegerField(default=0)
    named = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shape", "k0", "k1"], name="rollup_total_cell")
        ]

    def __str__(self) -> str:
        return f"{self.shape}: {self.k0}, {self.k1}"


class PersonCell(models.Model):
    """One person's part in one cell of one grouping, over the public activities
    (counting rule 9): their attended participations there, of which `assessed` have
    both test scores, with the sums of those scores. A person is one cell row, so the
    sum of rows over a cell counts distinct people; `female`, `male`, `not_recorded`
    are 1 for the person's recorded sex."""

    shape = models.CharField(max_length=40)
    participant_id = models.BigIntegerField()
    k0 = models.TextField(default=NO_KEY)
    k1 = models.TextField(default=NO_KEY)
    female = models.SmallIntegerField(default=0)
    male = models.SmallIntegerField(default=0)
    not_recorded = models.SmallIntegerField(default=0)
    participations = models.IntegerField(default=0)
    assessed = models.IntegerField(default=0)
    sum_pre = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    sum_post = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["participant_id"], name="person_cell_participant")]

    def __str__(self) -> str:
        return f"{self.shape} person {self.participant_id}: {self.k0}, {self.k1}"


class PersonTotal(models.Model):
    """The sums of the persons' cells, one row per cell of each grouping: `people` and
    their sex split, participations, `assessed` participations, `assessed_people`, and
    the score sums whose quotients are the mean scores."""

    shape = models.CharField(max_length=40)
    k0 = models.TextField(default=NO_KEY)
    k1 = models.TextField(default=NO_KEY)
    people = models.BigIntegerField(default=0)
    female = models.BigIntegerField(default=0)
    male = models.BigIntegerField(default=0)
    not_recorded = models.BigIntegerField(default=0)
    participations = models.BigIntegerField(default=0)
    assessed = models.BigIntegerField(default=0)
    assessed_people = models.BigIntegerField(default=0)
    sum_pre = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    sum_post = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shape", "k0", "k1"], name="person_total_cell")
        ]

    def __str__(self) -> str:
        return f"{self.shape}: {self.k0}, {self.k1}"


class RollupChange(models.Model):
    """An activity, or a person, whose rollup cells a write made stale (both NULL: all).

    Written by database triggers in the writing transaction (activities/rollups/
    triggers.py), whatever makes the write; removed by the refresh that rolls it up."""

    id = models.BigAutoField(primary_key=True)
    activity_id = models.BigIntegerField(null=True)
    participant_id = models.BigIntegerField(null=True)
    # False: only the activity's beneficiary rows changed, which no person's cells read,
    # so the refresh need not roll up the people who attend it again.
    people = models.BooleanField(default=True, db_default=True)

    class Meta:
        indexes = [
            # A people question asks whether a note that moves a person waits
            # (rollups/read.py, _persons_current). Notes of rows alone pile up between
            # roll-ups (no people question rolls them up): without this index the
            # question scans them all, and it costs more with every write of rows.
            models.Index(
                fields=["id"],
                condition=Q(people=True) | Q(activity_id__isnull=True),
                name="rollupchange_moves_people",
            )
        ]

    def __str__(self) -> str:
        return f"change of activity {self.activity_id}, person {self.participant_id}"


class ActivityPlace(models.Model):
    """A place an activity touches, by its M49 path: a country or region it serves, one
    its beneficiary rows name or are attributed to, where it was held, its scope. Kept
    by the refresh that rolls the activity up, so that the next refresh knows where the
    activity was before a write moved it (answer_cache/places.py)."""

    activity_id = models.BigIntegerField()
    path = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity_id", "path"], name="activity_place_unique")
        ]

    def __str__(self) -> str:
        return f"activity {self.activity_id}: {self.path}"


class PlaceVersion(models.Model):
    """How many roll-ups have touched an activity in or under a place (by its M49 path):
    the version an answer restricted to that place is kept under (answer_cache/
    places.py). Also, under the path followed by a year ("/001/019/419/013/2020"), how
    many have touched one whose period overlaps that year, was or is: a question of
    that place in that year is kept under it. A key with no row has version 0."""

    path = models.CharField(max_length=200, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.path}: {self.version}"


class ActivityStamp(models.Model):
    """How many times an activity has been rolled up: moved on by every refresh of it
    (each write to it, its links, rows, sessions), so that what is kept of one activity
    alone (its API representation, answer_cache/records.py) is kept under it."""

    activity_id = models.BigIntegerField(primary_key=True)
    stamp = models.BigIntegerField(default=0)
    # The calendar years of its period when it was last rolled up (of the plausible
    # years): those whose versions its next refresh moves on, besides its new ones.
    first_year = models.IntegerField(null=True)
    last_year = models.IntegerField(null=True)

    def __str__(self) -> str:
        return f"activity {self.activity_id}: {self.stamp}"
