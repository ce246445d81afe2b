"""Who may call what: DRF's model permissions, reads open to everyone."""

from __future__ import annotations

from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class ModelPermissionsOrAnonReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """DRF's rule, without building the view's queryset to learn its model.

    DRF calls `view.get_queryset()` for the model alone; the activities' queryset (people
    annotated by subqueries) took milliseconds to build, on every request, cached or not.
    A view that declares `queryset` (often `Model.objects.none()`) names its model there.
    """

    def _queryset(self, view):
        declared = getattr(view, "queryset", None)
        if declared is not None:
            return declared
        return super()._queryset(view)
