"""CSV for every list (`?format=csv`), optionally with an HXL hashtag row (`&hxl=1`).

Flattening, the same for every resource and for the stats rows:
- a nested object becomes `parent.child` columns (`participants.female`);
- a list of values is joined with "; " (`"en; fr"`), and a list of objects gives one
  column per key, each joined with "; " (`countries.code` = `"SV; GT; HN"`);
- an empty value (null, no nested object) is an empty cell; numbers stay numbers.
What is rendered: `data["results"]` (a page of a list) when present, else `data["rows"]`
(the stats response), else the list itself, else the one object (a detail).

HXL (https://hxlstandard.org) puts one row of hashtags under the header, so that
humanitarian tools recognise the columns: activities/api/hxl.py says which hashtag each
column gets.

Byte-order mark: a plain CSV starts with one (EF BB BF), since its likely reader is a
spreadsheet and Excel reads accents (Curaçao, Côte d'Ivoire) right only with it; csv and
pandas read it with encoding "utf-8-sig". An HXL CSV has none: its reader is an HXL tool,
and libhxl would keep the mark in the first column's header.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from drf_spectacular.drainage import get_override
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer

from activities.exports import spreadsheet_cell

from .hxl import LIST_SEPARATOR, hxl_row

__all__ = ["CSVRenderer", "flatten", "hxl_requested", "hxl_row"]


def hxl_requested(request) -> bool:
    """`hxl=1` (or true/yes); anything else but 0/false/no is a 400 naming `hxl`."""
    if request is None:
        return False
    value = request.query_params.get("hxl")
    if value is None or value.strip().lower() in {"", "0", "false", "no"}:
        return False
    if value.strip().lower() in {"1", "true", "yes"}:
        return True
    raise ValidationError({"hxl": [f"Give hxl=1 or hxl=0, not {value!r}."]})


def cell(value):
    """A CSV cell: numbers stay numbers, booleans are true/false, null is empty, and text
    that a spreadsheet would run as a formula is kept as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_cell(value)


def flatten(value, prefix: str = "") -> dict[str, object]:
    """{"a": {"b": 1}, "c": [{"d": 2}, {"d": 3}]} -> {"a.b": 1, "c.d": "2; 3"}."""
    if isinstance(value, Mapping):
        flat: dict[str, object] = {}
        for key, child in value.items():
            flat.update(flatten(child, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list | tuple):
        if any(isinstance(item, Mapping) for item in value):
            columns: dict[str, list[str]] = {}
            items = [flatten(item) if isinstance(item, Mapping) else {} for item in value]
            for item in items:
                for key in item:
                    columns.setdefault(key, [])
            for item in items:
                for key, cells in columns.items():
                    cells.append(str(cell(item.get(key))))
            return {f"{prefix}.{key}": LIST_SEPARATOR.join(cells) for key, cells in columns.items()}
        return {prefix: LIST_SEPARATOR.join(str(cell(item)) for item in value)}
    return {prefix: value}


def serializer_columns(serializer, prefix: str = "") -> list[str]:
    """The flattened column names a serializer produces, in its field order, so that a
    CSV has the same columns on every page (even an empty one)."""
    columns: list[str] = []
    for name, field in serializer.fields.items():
        if getattr(field, "write_only", False):
            continue
        path = f"{prefix}.{name}" if prefix else name
        nested = _nested_serializer(serializer, field)
        if nested is None:
            columns.append(path)
        else:
            columns.extend(serializer_columns(nested, path))
    return columns


def _nested_serializer(parent, field):
    if isinstance(field, serializers.ListSerializer):
        return field.child
    if isinstance(field, serializers.BaseSerializer):
        return field
    if isinstance(field, serializers.ManyRelatedField):
        field = field.child_relation
    nested = getattr(field, "nested", None)  # fields.CodeRelatedField
    if nested is not None:
        return nested()
    if isinstance(field, serializers.SerializerMethodField):
        method = getattr(parent, field.method_name or f"get_{field.field_name}", None)
        override = get_override(method, "field") if method is not None else None
        if isinstance(override, serializers.BaseSerializer):
            return override.child if isinstance(override, serializers.ListSerializer) else override
    return None


def _rows_of(data) -> tuple[list, bool]:
    """(the records to render, whether they are records of the view's serializer)."""
    if isinstance(data, Mapping):
        if isinstance(data.get("results"), list):
            return data["results"], True
        if isinstance(data.get("rows"), list):
            return data["rows"], False
        return [data], True
    if isinstance(data, list):
        return data, True
    return [], False


def _columns(flat_rows: list[dict], known: list[str]) -> list[str]:
    """The known columns, then any other key, minus a bare key that is also a parent
    (a null nested object in one row and an object in another)."""
    columns = list(dict.fromkeys(known))
    seen = set(columns)
    for row in flat_rows:
        for key in row:
            if key not in seen:
                seen.add(key)
                columns.append(key)
    parents = {prefix for column in columns for prefix in _prefixes(column)}
    return [column for column in columns if column not in parents]


def _prefixes(column: str) -> list[str]:
    parts = column.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _resource(view, of_serializer: bool) -> str | None:
    """Which table of hxl.BY_RESOURCE applies: the stats rows, or the view's resource."""
    if not of_serializer:
        return "stats"
    explicit = getattr(view, "hxl_resource", None)
    basename = getattr(view, "basename", None) or ""
    return explicit or basename.removeprefix("api-") or None


BOM = "\ufeff".encode()


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        request = renderer_context.get("request")
        view = renderer_context.get("view")
        if response is not None and response.status_code >= 400:
            return self._errors(data)
        rows, of_serializer = _rows_of(data)
        known: list[str] = []
        # The view's serializer gives stable columns for its own list and detail only (an
        # extra action such as an activity's history has rows of another shape).
        if (
            of_serializer
            and view is not None
            and hasattr(view, "get_serializer_class")
            and getattr(view, "action", None) in {"list", "retrieve"}
        ):
            known = serializer_columns(view.get_serializer_class()(context={}))
        flat_rows = [flatten(row) if isinstance(row, Mapping) else {"value": row} for row in rows]
        columns = _columns(flat_rows, known)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        hxl = hxl_requested(request)
        if hxl:
            writer.writerow(hxl_row(columns, _resource(view, of_serializer)))
        for row in flat_rows:
            writer.writerow([cell(row.get(column)) for column in columns])
        if response is not None and view is not None:
            name = (getattr(view, "basename", None) or "export").removeprefix("api-")
            response["Content-Disposition"] = f'attachment; filename="tacbapp-{name}.csv"'
        return (b"" if hxl else BOM) + buffer.getvalue().encode(self.charset)

    def _errors(self, data) -> bytes:
        """An error in CSV: one row per parameter (or field) and message."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["parameter", "error"])
        if isinstance(data, Mapping):
            for key, messages in flatten(data).items():
                writer.writerow([key, messages])
        else:
            writer.writerow(["", data])
        return buffer.getvalue().encode(self.charset)
