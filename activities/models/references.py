"""The directories an activity or a figure refers to.

Themes (and their training topics), audiences, languages, partners, mandates, donors,
mentors and the source documents records come from. Each is a short list edited by
staff and shared by activities and reported figures.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .places import Country, Region


class Theme(models.Model):
    """A thematic area (a report section) or a training topic under one (paragraph 17)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="topics"
    )
    description = models.TextField(blank=True)
    source_paragraph = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["parent__name", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (activities/reference_names.py)."""
        return gettext(self.name)


class Audience(models.Model):
    """Who was reached: police, prosecutors, teachers, general public...

    An administrator adds and renames audiences in the admin; the slug is the code the
    filters, the API and the downloads name it by."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_in_use(self) -> bool:
        """Named by an activity, a row of people, a person or a reported figure. The
        rows and people protect it in the database; the many-to-many links of
        activities and figures would be stripped silently, so deleting is refused."""
        return (
            self.activities.exists()
            or self.figures.exists()
            or self.beneficiary_groups.exists()
            or self.participants.exists()
        )

    @property
    def display_name(self) -> str:
        """The name in the reader's language (activities/reference_names.py)."""
        return gettext(self.name)


class Language(models.Model):
    code = models.CharField("ISO 639-1", max_length=3, unique=True)
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (activities/reference_names.py)."""
        return gettext(self.name)


class Partner(models.Model):
    class Kind(models.TextChoices):
        UN_ENTITY = "un_entity", _("United Nations entity")
        INTERGOVERNMENTAL = "intergovernmental", _("intergovernmental organization")
        REGIONAL = "regional", _("regional organization")
        GOVERNMENT = "government", _("government body")
        NGO = "ngo", _("non-governmental organization")
        PRIVATE = "private", _("private sector")
        ACADEMIA = "academia", _("academia")
        FINANCIAL = "financial", _("international financial institution")
        NETWORK = "network", _("network or forum")
        OTHER = "other", _("other")

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=300, blank=True)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="partners"
    )
    name_is_descriptive = models.BooleanField(
        default=False,
        help_text="The source describes this body without giving its official name.",
    )
    source_paragraph = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Mandate(models.Model):
    """A resolution or decision that asks for the work."""

    body = models.CharField(max_length=120, help_text="e.g. General Assembly")
    symbol = models.CharField(max_length=40, unique=True, help_text="e.g. A/RES/74/173")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    source_paragraph = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["year", "symbol"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1945, year__lte=2100),
                name="mandate_year_plausible",
            )
        ]

    def __str__(self) -> str:
        return self.symbol


class Donor(models.Model):
    """A funding source. The 2020 report names none; the table is empty in the seed."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=60, blank=True)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="donors"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Hub(models.Model):
    """A regional hub: where mentors work from, and the countries and regions it covers.

    Coverage is what the hub serves: an officer whose scope names the hub logs and edits
    activities within it (activities/access.py), read live, so a change of coverage
    changes the officer's scope at once; `hub=<code>` finds the activities in a covered
    place (counting rule 3). Empty coverage means not recorded, never "everywhere": the
    2020 report names the five hubs' countries and not the regions they serve.
    """

    code = models.SlugField(max_length=60, unique=True, help_text="e.g. el-salvador")
    name = models.CharField(
        max_length=200, blank=True, help_text="Empty: the hub is called after its country."
    )
    location = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="hubs_based")
    city = models.CharField(max_length=120, blank=True, help_text="Only when a source gives it.")
    countries = models.ManyToManyField(Country, blank=True, related_name="hubs_covering")
    regions = models.ManyToManyField(Region, blank=True, related_name="hubs_covering")
    description = models.TextField(blank=True)
    coverage_note = models.TextField(
        blank=True, help_text="What the source says (or does not say) of the coverage."
    )
    source_paragraph = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The hub's name, else "<country> hub" in the reader's language."""
        return self.name or gettext("%(country)s hub") % {"country": self.location.display_name}


class Mentor(models.Model):
    """A mentor based at a hub. The report names no mentor: `name` stays empty then."""

    name = models.CharField(max_length=200, blank=True, help_text="Empty when not published.")
    hub_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="mentors")
    hub = models.ForeignKey(
        Hub,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentors",
        help_text="The hub they work from; its country is the mentor's hub country.",
    )
    regions_covered = models.ManyToManyField(Region, blank=True, related_name="mentors")
    themes = models.ManyToManyField(Theme, blank=True, related_name="mentors")
    note = models.TextField(blank=True)
    source_paragraph = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["hub_country__name", "name"]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        """A mentor's hub country is the country of their hub (the hub sets it)."""
        super().clean()
        if self.hub_id is not None:
            self.hub_country_id = self.hub.location_id  # type: ignore[union-attr]

    @property
    def display_name(self) -> str:
        return self.name or gettext("Mentor at the %(hub)s hub (name not published)") % {
            "hub": self.hub_country.display_name
        }


class SourceDocument(models.Model):
    """Where a record comes from: a report, a mission note, an officer's log."""

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=400)
    symbol = models.CharField(max_length=60, blank=True)
    issued = models.DateField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.symbol or self.title
