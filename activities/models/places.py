"""Where: the UN M49 tree of regions and the countries under it.

Both are reference data loaded from a maintained source (UNSD), not typed by users. A
place's `path` holds its M49 codes from the root; the rule "lies under a place" that
reads it lives in activities/counting.py.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A node of the UN M49 tree: World (001) > region > sub-region > intermediate region.

    The depth is uneven (Antarctica hangs directly under World; Northern America has no
    intermediate level). `path` holds the codes from the root ("/001/019/419/013/"), so
    "every region below 419" is a single indexed prefix match.
    """

    class Level(models.IntegerChoices):
        WORLD = 0, _("world")
        REGION = 1, _("region")
        SUBREGION = 2, _("sub-region")
        INTERMEDIATE = 3, _("intermediate region")

    code = models.CharField(max_length=3, unique=True, help_text="M49 code, three digits")
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=40, unique=True, db_index=True)
    # Ancestors at the two levels the API groups by, denormalised for GROUP BY.
    m49_region = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Ancestor (or self) at M49 level 1; empty for World.",
    )
    m49_subregion = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Ancestor (or self) at M49 level 2; empty above that level.",
    )

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{3}$"), name="region_code_three_digits"
            ),
            models.CheckConstraint(
                condition=Q(level=0, parent__isnull=True) | Q(level__gt=0, parent__isnull=False),
                name="region_only_world_has_no_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def display_name(self) -> str:
        """The name in the reader's language (activities/place_names.py holds the M49
        names for the catalogs); the API and exports keep `name`, in English."""
        return gettext(self.name)


class Country(models.Model):
    """A UNSD country or area, with its deepest M49 region."""

    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    m49_code = models.CharField("M49 code", max_length=3, unique=True)
    name = models.CharField("UN name", max_length=100)
    names = models.JSONField(
        default=dict, blank=True, help_text="Names in the six UN languages, by ISO 639-1 code."
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="countries", help_text="Deepest region."
    )
    m49_region = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+")
    m49_subregion = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    path = models.CharField(
        max_length=48, db_index=True, help_text="Region path plus the country's own code."
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(iso2__regex=r"^[A-Z]{2}$"), name="country_iso2"),
            models.CheckConstraint(condition=Q(iso3__regex=r"^[A-Z]{3}$"), name="country_iso3"),
            models.CheckConstraint(
                condition=Q(m49_code__regex=r"^[0-9]{3}$"), name="country_m49_three_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The UN name in the reader's language (UNSD's, in `names`), else the English one."""
        return display_country_name(self.name, self.names)


def display_country_name(name: str, names: dict | None) -> str:
    """A country's name in the active language, from its six UN names."""
    language = (get_language() or "en").split("-")[0]
    return (names or {}).get(language) or name
