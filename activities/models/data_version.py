"""The data version: the one row that makes cached answers safe.

Only the table lives here: the database triggers that bump it and the code that reads
it belong to the answer cache, which keys every cached answer by this version.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class DataVersion(models.Model):
    """One row whose `version` moves on with every committed write to the domain tables.

    Database triggers (activities/data_version.py) bump it in the same transaction as the
    write, whichever way the write comes (ORM, bulk update, COPY, raw SQL, admin), so a
    cached answer keyed by the version can never outlive the data it was computed from.
    `epoch` changes whenever the row is created again (a flushed test database), so keys
    of an earlier life of the database never match.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    epoch = models.UUIDField()
    version = models.BigIntegerField(default=0)
    # Moves (with `version`) on a write to a table that is not a delivery record
    # (answer_cache/triggers.py, FACT_MODELS): places, themes, projects, donors... what a
    # filter looks up by its code. A validated filter is kept under it (filters/plans.py).
    reference = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="data_version_single_row")]

    def __str__(self) -> str:
        return f"data version {self.version} ({self.epoch})"
