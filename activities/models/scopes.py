"""Who may log what: the places a programme officer works for.

The rules that read a scope live in activities/access.py (and counting.py for "lies
under a place"); this module only stores it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .places import Country, Region
from .references import Hub


class OfficerScope(models.Model):
    """The countries and M49 regions a programme officer logs and edits activities for.

    An activity is within the scope when every one of its countries and regions lies
    under one of these countries or regions (by M49 path prefix): a Central America
    officer (region 013) may edit an El Salvador training, not a Senegal one, and not
    one scoped to all of the Americas either. With a `hub`, the scope is these places and
    the hub's coverage, read when asked: a country added to the hub is in the officer's
    scope at once. The rules live in activities/access.py.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_scope"
    )
    countries = models.ManyToManyField(Country, blank=True, related_name="officer_scopes")
    regions = models.ManyToManyField(Region, blank=True, related_name="officer_scopes")
    hub = models.ForeignKey(
        Hub,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="officer_scopes",
        help_text="Their scope also covers the hub's countries and regions, as they change.",
    )
    note = models.CharField(max_length=200, blank=True, help_text="e.g. the hub they work from")

    class Meta:
        verbose_name = "officer scope"

    def __str__(self) -> str:
        return f"Scope of {self.user}"
