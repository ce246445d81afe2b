"""Factories for made-up records (the seed holds the report's real ones).

Countries, regions, audiences and languages come from the reference data: factories pick
existing ones rather than invent codes. An activity made here is published, in El
Salvador, in 2021, with one beneficiary row, and its attribution refreshed, as a
service write would leave it.
"""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from activities import services
from activities.models import (
    Activity,
    Audience,
    BeneficiaryGroup,
    Country,
    Donor,
    Language,
    Mandate,
    Mentor,
    Partner,
    Region,
    ReportedFigure,
    Theme,
)


def country(iso3: str) -> Country:
    return Country.objects.get(iso3=iso3)


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"Made-up theme {n}")
    slug = factory.Sequence(lambda n: f"made-up-theme-{n}")


class AudienceFactory(DjangoModelFactory):
    class Meta:
        model = Audience

    name = factory.Sequence(lambda n: f"Made-up audience {n}")
    slug = factory.Sequence(lambda n: f"made-up-audience-{n}")


class LanguageFactory(DjangoModelFactory):
    class Meta:
        model = Language

    # Three letters, never a real ISO 639-1 code (those have two).
    code = factory.Sequence(lambda n: f"x{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Made-up language {n}")


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Made-up partner {n}")
    kind = Partner.Kind.NGO
    country = factory.LazyFunction(lambda: country("SLV"))


class MentorFactory(DjangoModelFactory):
    class Meta:
        model = Mentor
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Mentor {n}")
    hub_country = factory.LazyFunction(lambda: country("SLV"))

    @factory.post_generation
    def covering(self, create, extracted, **kwargs):
        if create:
            self.themes.add(Theme.objects.order_by("pk").first())
            self.regions_covered.add(Region.objects.get(code="013"))


class MandateFactory(DjangoModelFactory):
    class Meta:
        model = Mandate

    body = "General Assembly"
    symbol = factory.Sequence(lambda n: f"A/RES/99/{n}")
    year = 2020
    title = factory.Sequence(lambda n: f"Made-up resolution {n}")


class DonorFactory(DjangoModelFactory):
    class Meta:
        model = Donor

    name = factory.Sequence(lambda n: f"Made-up donor {n}")
    country = factory.LazyFunction(lambda: country("SLV"))


class ActivityFactory(DjangoModelFactory):
    """A published training in El Salvador (2021) with 30 people: 10 women, 20 men."""

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Made-up training {n}")
    kind = Activity.Kind.TRAINING
    start_date = datetime.date(2021, 3, 1)
    end_date = datetime.date(2021, 3, 3)
    date_precision = "day"
    modality = Activity.Modality.ONLINE
    status = Activity.Status.PUBLISHED

    @factory.post_generation
    def places(self, create, extracted, **kwargs):
        """`places=["GTM", "HND"]` (ISO alpha-3) instead of El Salvador."""
        if create:
            self.countries.set(Country.objects.filter(iso3__in=extracted or ["SLV"]))

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        """Every nested list the API serves, one item each (for the query counts)."""
        if not create:
            return
        self.themes.add(Theme.objects.order_by("pk").first())
        self.audiences.add(Audience.objects.order_by("pk").first())
        self.languages.add(Language.objects.get(code="es"))
        self.partners.add(Partner.objects.order_by("pk").first())
        self.mandates.add(Mandate.objects.order_by("pk").first())

    @factory.post_generation
    def people(self, create, extracted, **kwargs):
        if not create:
            return
        BeneficiaryGroup.objects.create(
            activity=self,
            audience=Audience.objects.order_by("pk").first(),
            female=10,
            male=20,
            total=30,
        )
        services.refresh_attribution(activity=self)


class FigureFactory(DjangoModelFactory):
    class Meta:
        model = ReportedFigure
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"X{n:03d}")
    role = ReportedFigure.Role.CONTEXT
    category = "context"
    subject = factory.Sequence(lambda n: f"Made-up statistic {n}")
    value = 1000
    qualifier = "exact"
    source_paragraph = "1"

    @factory.post_generation
    def places(self, create, extracted, **kwargs):
        if create:
            self.countries.set(Country.objects.filter(iso3__in=extracted or ["SLV"]))
            self.themes.add(Theme.objects.order_by("pk").first())
