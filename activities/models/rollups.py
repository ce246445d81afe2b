"""The rollups: each activity's counts, cell by cell, kept beside the base tables.

Only the tables live here; activities/rollups/ says what they hold, keeps them current
and answers from them. They are derived data: never versioned (a refresh changes no
answer), never audited, rebuilt whole by `manage.py refresh_rollups`.
"""

from __future__ import annotations

from django.db import models


class RollupCell(models.Model):
    """One activity's counts in one cell of one grouping (`shape`).

    `k0` and `k1` are the cell's group keys as JSON (NULL: the "unattributed" or "not
    recorded" group). The participations are the sums of the activity's beneficiary
    rows in the cell, with the largest qualifier rank (counting rule 6); `activities` is
    1 when the activity is in the cell (counting rule 3), else 0 (people only).
    """

    shape = models.CharField(max_length=40)
    activity_id = models.BigIntegerField()
    k0 = models.TextField(null=True)
    k1 = models.TextField(null=True)
    activities = models.SmallIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    female = models.BigIntegerField(default=0)
    male = models.BigIntegerField(default=0)
    not_recorded = models.BigIntegerField(default=0)
    has_people = models.BooleanField(default=False)
    rank = models.SmallIntegerField(default=0)
    named = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["shape", "activity_id"], name="rollup_cell_shape_activity"),
            models.Index(fields=["activity_id"], name="rollup_cell_activity"),
        ]

    def __str__(self) -> str:
        return f"{self.shape} activity {self.activity_id}: {self.k0}, {self.k1}"


class RollupChange(models.Model):
    """An activity whose rollup cells a write made stale (NULL: all of them).

    Written by database triggers in the writing transaction (activities/rollups/
    triggers.py), whatever makes the write; removed by the refresh that rolls it up."""

    id = models.BigAutoField(primary_key=True)
    activity_id = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"change of activity {self.activity_id}"
