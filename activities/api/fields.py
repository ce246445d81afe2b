"""Related records as consumers use them: written as a code, read as a small object.

`"countries": ["SV", "GTM"]` in a request body; `"countries": [{"code": "SV", "iso3":
"SLV", "name": "El Salvador"}]` in the response. Codes are the ones the filters take
(ISO alpha-2 or -3, M49 codes, slugs, ids), so a consumer never has to learn database ids
for reference data.
"""

from __future__ import annotations

from functools import cached_property

from django.db import models
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from activities.models import Country
from activities.models.kinds import CODE_PATTERN


class CodeRelatedField(serializers.SlugRelatedField):
    """A related record looked up by `slug_field`, shown through the `nested` serializer."""

    default_error_messages = {
        "does_not_exist": "Unknown {what} {value}.",
        "invalid": "Give the {what} as a code (a string or a number).",
    }

    def __init__(self, *, nested: type[serializers.Serializer], what: str, **kwargs) -> None:
        self.nested = nested
        self.what = what
        super().__init__(**kwargs)

    @cached_property
    def _nested_representer(self) -> serializers.Serializer:
        # One unbound serializer for every value: building one per value (fields
        # introspected again each time) cost milliseconds per activity in a list.
        return self.nested(context=self.context)

    @cached_property
    def _found(self) -> dict[str, object]:
        """The records this field looked up, by code (the field lives for one request)."""
        return {}

    def to_representation(self, obj):
        return self._nested_representer.to_representation(obj)

    def get_choices(self, cutoff=None):
        """Choices keyed by code (the browsable API's forms): the nested object would not
        do as a key."""
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {self.code_of(item): self.display_value(item) for item in queryset}

    def code_of(self, obj) -> str:
        return str(getattr(obj, self.slug_field))

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid", what=self.what)
        code = str(data).strip()
        # A request names the same few records again and again (a thousand beneficiary
        # rows, one audience): one query per code and request, not one per row.
        if code in self._found:
            return self._found[code]
        queryset = self.get_queryset()
        assert queryset is not None  # DRF requires one on a field that is not read-only
        try:
            self._found[code] = queryset.get(**{self.slug_field: code})
            return self._found[code]
        except (queryset.model.DoesNotExist, ValueError, TypeError):
            self.fail("does_not_exist", what=self.what, value=data)
        except queryset.model.MultipleObjectsReturned:  # pragma: no cover - unique fields
            self.fail("does_not_exist", what=self.what, value=data)

    def fail(self, key, **kwargs):
        kwargs.setdefault("what", self.what)
        kwargs.setdefault("value", "")
        super().fail(key, **kwargs)


class CountryCodeRelatedField(CodeRelatedField):
    """A country written as its ISO alpha-2 or alpha-3 code, in any case."""

    default_error_messages = {
        "does_not_exist": "Unknown country code {value}: use ISO alpha-2 or -3.",
        "invalid": "Give the country as its ISO alpha-2 or -3 code.",
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("what", "country code")
        super().__init__(slug_field="iso2", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        code = data.strip().upper()
        if code in self._found:
            return self._found[code]
        lookup = {"iso2": code} if len(code) == 2 else {"iso3": code}
        queryset = self.get_queryset()
        assert queryset is not None  # DRF requires one on a field that is not read-only
        country = queryset.filter(**lookup).first()
        if country is None:
            self.fail("does_not_exist", value=code)
        self._found[code] = country
        return country


class ReferenceCodeField(serializers.SlugRelatedField):
    """A kind or a modality as its bare code, `"kind": "training"`, as before they were
    tables. Read from the activity's own column (no query); written as the code of a row,
    an active one unless the record already has it (an inactive kind stays on old
    records, and is offered for no new one)."""

    default_error_messages = {
        "does_not_exist": "Unknown {what} {value}: {listed_at} lists the codes.",
        "invalid": "Give the {what} as its code, a string.",
        "inactive": "The {what} {value} is no longer in use: choose another ({listed_at}).",
    }

    def __init__(self, *, what: str, listed_at: str, **kwargs) -> None:
        self.what = what
        self.listed_at = listed_at
        super().__init__(slug_field="code", **kwargs)

    def use_pk_only_optimization(self) -> bool:
        # get_attribute() then gives the column's value (the code) without fetching the row.
        return True

    def to_representation(self, value):
        return value.pk if isinstance(value, PKOnlyObject) else value.code

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        row = super().to_internal_value(data.strip())
        instance = getattr(self.parent, "instance", None)
        current = instance.serializable_value(self.source) if instance is not None else None
        if not row.is_active and row.code != current:
            self.fail("inactive", value=row.code)
        return row

    def fail(self, key, **kwargs):
        kwargs.setdefault("what", self.what)
        kwargs.setdefault("listed_at", self.listed_at)
        kwargs.setdefault("value", "")
        super().fail(key, **kwargs)


class ReferenceCodeFieldSchema(OpenApiSerializerFieldExtension):
    """OpenAPI: a code of the shape every kind and modality has; the codes themselves are
    data (GET /api/v1/kinds/, /api/v1/modalities/), not an enum fixed in the schema."""

    target_class = ReferenceCodeField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        return {
            "type": "string",
            "pattern": CODE_PATTERN,
            "description": f"The {field.what} code: {field.listed_at} lists them.",
        }


class SuppressibleCountField(serializers.IntegerField):
    """A count a client writes as an integer; in a response, where it rests on named people
    and the reader may not see them, a suppressed string ("<5" or "suppressed",
    activities/people/suppression.py)."""


class SuppressibleCountFieldSchema(OpenApiSerializerFieldExtension):
    """OpenAPI: an integer in requests; an integer or a suppressed string in responses."""

    target_class = SuppressibleCountField

    def map_serializer_field(self, auto_schema, direction):
        integer = {"type": "integer", "minimum": 0}
        if direction == "request":
            return integer
        suppressed = {"type": "string", "pattern": "^(<[0-9]+|suppressed)$"}
        return {"oneOf": [integer, suppressed]}


class CodeRelatedFieldSchema(OpenApiSerializerFieldExtension):
    """OpenAPI: a code (string or integer) in requests, the nested object in responses."""

    target_class = CodeRelatedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if direction == "response":
            ref = auto_schema.resolve_serializer(field.nested, direction).ref
            return {"allOf": [ref], "nullable": True} if field.allow_null else ref
        queryset = field.get_queryset() if not field.read_only else None
        if queryset is None:
            return build_basic_type(OpenApiTypes.STR)
        meta = queryset.model._meta
        model_field = meta.pk if field.slug_field == "pk" else meta.get_field(field.slug_field)
        is_integer = model_field.get_internal_type() in {
            "AutoField",
            "BigAutoField",
            "IntegerField",
            "BigIntegerField",
        }
        schema = build_basic_type(OpenApiTypes.INT if is_integer else OpenApiTypes.STR)
        assert schema is not None  # None only for OpenApiTypes.NONE
        schema["description"] = f"The {field.what}."
        return schema


class _TextOnly:
    """Text fields that must be sent as text: `{"name": 0}` is a 400, not the name "0"
    (DRF turns numbers into strings silently; a strict client expects its typo refused)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictCharField(_TextOnly, serializers.CharField):
    default_error_messages = {"invalid": gettext_lazy("Not a valid string: send text, in quotes.")}


class StrictEmailField(_TextOnly, serializers.EmailField):
    default_error_messages = {
        "invalid": gettext_lazy("Not a valid e-mail address: send text, in quotes.")
    }


class StrictSlugField(_TextOnly, serializers.SlugField):
    default_error_messages = {"invalid": gettext_lazy("Not a valid slug: send text, in quotes.")}


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text fields take text only (StrictCharField)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.EmailField: StrictEmailField,
    }
