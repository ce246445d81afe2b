"""OpenAPI post-processing (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

- CSV responses are text: their schema is a string, not the JSON object.
- Every operation documents the errors a consumer can meet, in the shapes DRF sends
  them: 400 (an object naming each parameter or field, with its messages), 401/403,
  404, 409 (a stale version or a record still in use) and 429 (throttled). So a client
  generator, and schemathesis, know them.
"""

from __future__ import annotations

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
    "429": ("ErrorDetail", "Too many requests: wait for the Retry-After seconds."),
}
READ_ONLY_ERRORS = ("400", "404", "429")
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _error_response(component: str, description: str) -> dict:
    ref = {"$ref": f"#/components/schemas/{component}"}
    return {
        "description": description,
        "content": {
            "application/json": {"schema": ref},
            "text/csv": {"schema": {"type": "string"}},
        },
    }


def postprocess(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ERROR_SCHEMAS.items():
        schemas.setdefault(name, schema)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for response in responses.values():
                csv_content = response.get("content", {}).get("text/csv")
                if csv_content is not None:
                    csv_content["schema"] = {"type": "string"}
            codes = ERRORS if method in WRITE_METHODS else READ_ONLY_ERRORS
            for code in codes:
                component, description = ERRORS[code]
                responses.setdefault(code, _error_response(component, description))
            if method == "get":
                # Signed-in reads may still be refused (e.g. a throttled or expired token).
                for code in ("401", "403"):
                    component, description = ERRORS[code]
                    responses.setdefault(code, _error_response(component, description))
    return result
