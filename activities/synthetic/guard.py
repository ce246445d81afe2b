"""Which databases a synthetic programme may be written into.

Synthetic records must never slip into real counts: a database that holds real
(non-synthetic) activities is refused unless the caller says `allow_mixed`, and a seed is
written at most once into a database (its references `synthetic/<seed>/<n>` are unique).
"""

from __future__ import annotations

from ..models import Activity
from .shape import REFERENCE_PREFIX


class MixedDataError(Exception):
    """The database holds real activities, or synthetic ones of the same seed."""


def refuse_mixed_data(*, using: str, seed: int, allow_mixed: bool) -> None:
    """Raise MixedDataError unless `seed` may be written into the database `using`."""
    real = Activity.objects.using(using).filter(is_synthetic=False)
    if not allow_mixed and real.exists():
        raise MixedDataError(
            f"The database {using!r} holds {real.count()} real (non-synthetic) activities. "
            "Synthetic records must not be mixed into real data: use an empty database, "
            "or pass --allow-mixed if you really mean it."
        )
    prefix = f"{REFERENCE_PREFIX}{seed}/"
    if Activity.objects.using(using).filter(reference__startswith=prefix).exists():
        raise MixedDataError(
            f"The database {using!r} already holds synthetic activities of seed {seed}: "
            "use another seed."
        )
