"""The OpenAPI contract: the schema class (DEFAULT_SCHEMA_CLASS) and the post-processing
hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

The schema is OpenAPI 3.1 (SPECTACULAR_SETTINGS["OAS_VERSION"]): a nullable reference is
`oneOf: [{$ref}, {type: null}]`, which strict readers (openapi-core, generated clients)
accept, where 3.0's `allOf` + `nullable` without a `type` is refused.

AutoSchema:
- An operation anonymous users may call lists `{}` among its security requirements
  (reads of ModelPermissionsOrAnonReadOnly views, AllowAny views), so that a client or a
  validator sends, and accepts, a request without credentials. A view (or action) that
  refuses anonymous reads says `anonymous_reads = False`.
- Writes of a view that checks versions (api/concurrency.py) require `If-Match`; those
  of a view that says `takes_change_reason` take `X-Change-Reason` (api/reasons.py).
- A view that is not a list but filters (the stats) documents its FilterSet's parameters
  when it says `document_filters = True`.

Post-processing:
- Every query parameter allows an empty value (the API reads it as not given).
- Request bodies are JSON (the form encodings serve the browsable API only).
- CSV responses are text: their schema is a string, not the JSON object.
- Every operation documents the errors a consumer can meet, in the shapes DRF sends
  them: 400 (an object naming each parameter or field, with its messages), 401/403,
  404, 409 (a stale version or a record still in use), 413 (a body over the size limit),
  429 (throttled) and 503 (the database is unavailable, with Retry-After). So a client
  generator, and schemathesis, know them.
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions

ERROR_SCHEMAS = {
    "ValidationErrors": {
        "type": "object",
        "description": "Each key names a query parameter or a field; its value lists the "
        "messages (or, for a list of rows, one object of messages per row).",
        "additionalProperties": {},
    },
    "ErrorDetail": {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "current_etag": {"type": "string", "description": "412: the ETag to send now."},
            "version": {"description": "412: the current version."},
            "limit": {"type": "string", "description": "413: the limit, in bytes."},
        },
        "required": ["detail"],
    },
}

ERRORS = {
    "400": ("ValidationErrors", "An unknown parameter, an invalid value or an invalid body."),
    "401": ("ErrorDetail", "Not signed in (writes need a session or a token)."),
    "403": ("ErrorDetail", "Signed in, but without the permission or outside your scope."),
    "404": ("ErrorDetail", "No such record, or not one you may see; or no such page."),
    "409": ("ErrorDetail", "The record is still in use (e.g. a theme with topics)."),
    "412": ("ErrorDetail", "If-Match is not the current ETag: someone saved it since."),
    "428": ("ErrorDetail", "If-Match is missing: send the ETag of the version you read."),
    "413": ("ErrorDetail", "The request body is over the size limit (its `limit`, in bytes)."),
    "429": ("ErrorDetail", "Too many requests: wait for the Retry-After seconds."),
    "503": ("ErrorDetail", "The database is unavailable: try again after Retry-After seconds."),
}
READ_ONLY_ERRORS = ("400", "404", "429", "503")
#: Responses that come with a Retry-After header (seconds).
RETRY_AFTER = {"429", "503"}
WRITE_METHODS = {"post", "put", "patch", "delete"}


ANONYMOUS_READS = (
    permissions.AllowAny,
    permissions.IsAuthenticatedOrReadOnly,
    permissions.DjangoModelPermissionsOrAnonReadOnly,
)


PRECONDITION_METHODS = {"PUT", "PATCH", "DELETE"}
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the version you read (the ETag header of a GET), e.g. "
    'W/"activity-12-v3-…": without it the answer is 428, with an older one 412 '
    "(api/concurrency.py).",
)


class AutoSchema(openapi.AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        if {} not in auths and self._anonymous_allowed():
            auths.append({})
        return auths

    def _anonymous_allowed(self) -> bool:
        if not getattr(self.view, "anonymous_reads", True):
            return False
        checks = self.view.get_permissions()
        if any(isinstance(check, permissions.AllowAny) for check in checks):
            return True
        return self.method in permissions.SAFE_METHODS and all(
            isinstance(check, ANONYMOUS_READS) for check in checks
        )

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method in PRECONDITION_METHODS and hasattr(self.view, "if_match_version"):
            parameters.append(IF_MATCH)
        if self.method in PRECONDITION_METHODS and getattr(self.view, "takes_change_reason", False):
            from .reasons import CHANGE_REASON

            parameters.append(CHANGE_REASON)
        return parameters

    def get_filter_backends(self):
        if getattr(self.view, "document_filters", False):
            return list(getattr(self.view, "filter_backends", []))
        return super().get_filter_backends()


def _error_response(code: str, component: str, description: str) -> dict:
    ref = {"$ref": f"#/components/schemas/{component}"}
    response: dict = {
        "description": description,
        "content": {
            "application/json": {"schema": ref},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
    if code in RETRY_AFTER:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before asking again.",
                "schema": {"type": "integer"},
            }
        }
    return response


def _null_as_a_type(node) -> None:
    """OpenAPI 3.0's `nullable: true` left by a library (DRF's pagination schema) as 3.1
    writes it: `null` among the types (3.1 ignores `nullable`, so `next: null` would
    break the contract)."""
    if isinstance(node, list):
        for item in node:
            _null_as_a_type(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("nullable") is True:
        del node["nullable"]
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
        elif isinstance(kind, list):
            node["type"] = [*kind, "null"] if "null" not in kind else kind
        else:
            inner = {key: node.pop(key) for key in list(node) if key not in ANNOTATIONS}
            node["oneOf"] = [inner, {"type": "null"}]
    for value in node.values():
        _null_as_a_type(value)


#: Keywords that describe a value rather than constrain it: kept beside a oneOf.
ANNOTATIONS = {"description", "title", "readOnly", "writeOnly", "example", "examples", "default"}


def postprocess(result, generator, request, public):
    if str(result.get("openapi", "")).startswith("3.1"):
        _null_as_a_type(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ERROR_SCHEMAS.items():
        schemas.setdefault(name, schema)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                # The contract is JSON. The form encodings are there for the browsable
                # API's forms; in them a list of one item cannot be told from a single
                # value, so a client that writes forms cannot be held to the schema.
                for media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                    body.pop(media_type, None)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    # `?region=` is no filter, `?page=` the first page: every query
                    # parameter of the API reads an empty value as not given.
                    parameter["allowEmptyValue"] = True
            responses = operation["responses"]
            for response in responses.values():
                csv_content = response.get("content", {}).get("text/csv")
                if csv_content is not None:
                    csv_content["schema"] = {"type": "string"}
            codes = [
                code
                for code in (ERRORS if method in WRITE_METHODS else READ_ONLY_ERRORS)
                # A body over the limit: only where there is a body.
                if code != "413" or "requestBody" in operation
            ]
            for code in codes:
                component, description = ERRORS[code]
                responses.setdefault(code, _error_response(code, component, description))
            if method == "get":
                # Signed-in reads may still be refused (e.g. a throttled or expired token).
                for code in ("401", "403"):
                    component, description = ERRORS[code]
                    responses.setdefault(code, _error_response(code, component, description))
    return result
