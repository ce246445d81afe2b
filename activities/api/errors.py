"""Errors of the services, as the API answers them.

A stale version (someone saved the record since it was read) and a record still in use
are 409 Conflict; a model's validation error is a 400 naming the field.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers

from activities import services


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = gettext_lazy("The record has changed or is still in use.")
    default_code = "conflict"


@contextmanager
def translate_service_errors():
    """Service errors as API errors: a stale version is 409, a model error is 400."""
    try:
        yield
    except services.StaleVersion as exc:
        raise Conflict(
            {
                "detail": "This activity was saved by someone else since you read it: it is "
                f"at version {exc.activity.version}, you sent {exc.expected_version}. Read it "
                "again, reapply your change and send the new version.",
                # As a string: DRF makes every value of an error detail a string anyway.
                "version": str(exc.activity.version),
            }
        ) from exc
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        raise serializers.ValidationError(detail) from exc
    except ValueError as exc:
        raise serializers.ValidationError({"beneficiaries": [str(exc)]}) from exc
