"""GET /api/v1/activities/<id>/history/: the audit history, for managers.

The same entries as the history tab (activities/audit.py), newest first: who, when,
what (created, changed, deleted), which object (the activity or one of its beneficiary
rows) and each changed field with its old and new value, as text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from activities import access, audit

if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView

    # The mixin is for a viewset: it calls the view's own methods.
    _View = GenericAPIView
else:
    _View = object

HISTORY_ENTRIES = inline_serializer(
    name="HistoryEntry",
    many=True,
    fields={
        "when": serializers.DateTimeField(),
        "who": serializers.CharField(help_text='Username, or "system" (seed, import).'),
        "action": serializers.ChoiceField(choices=["created", "changed", "deleted"]),
        "subject": serializers.CharField(
            help_text='"activity", "beneficiary row <id>: <audience>, <country>" or '
            '"evidence file <id>: <file name>"'
        ),
        "version": serializers.IntegerField(allow_null=True),
        "beneficiary_row": serializers.IntegerField(allow_null=True),
        "reason": serializers.CharField(
            allow_null=True,
            help_text="The reason given for a change in a closed reporting period.",
        ),
        "closed_periods": serializers.ListField(
            child=serializers.CharField(),
            help_text="The reporting periods the activity lay in that were closed when the "
            'change was made, e.g. "2020 (programme-wide)", "2020 (GLOT-CYB)".',
        ),
        "changes": inline_serializer(
            name="HistoryChange",
            many=True,
            fields={
                "field": serializers.CharField(),
                "label": serializers.CharField(),
                "old": serializers.CharField(),
                "new": serializers.CharField(),
            },
        ),
    },
)


class ActivityHistoryMixin(_View):
    """Adds the `history` action to the activity viewset."""

    @extend_schema(
        summary="The audit history of an activity (managers)",
        responses={200: HISTORY_ENTRIES},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="history",
        renderer_classes=[JSONRenderer, BrowsableAPIRenderer],
        pagination_class=None,
        filter_backends=[],
        anonymous_reads=False,  # the schema lists no anonymous access (schema.AutoSchema)
    )
    def history(self, request, *args, **kwargs):
        if not access.can_read_history(request.user):
            self.permission_denied(request, message="The audit history is for programme managers.")
        activity = self.get_object()
        entries = audit.activity_history(activity.pk)
        return Response([entry.as_dict() for entry in entries])
