"""The admin API's OpenAPI 3.1 document, served at ``/v1/openapi.json``.

Request schemas come from the pydantic models, so the document cannot drift from validation.
"""

from __future__ import annotations

import functools
from typing import Any

from services.publisher.webhooks.filters import EndpointFilter


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, **(_json(schema) if schema else {})}


# Every route needs the bearer token; only the routes with an {id} look an endpoint up.
_UNAUTHORIZED = {"401": _answer("Missing or wrong bearer token", _ref("Error"))}
_ERRORS = {**_UNAUTHORIZED, "404": _answer("No such endpoint", _ref("Error"))}
_INVALID = {
    "400": _answer("The body is not JSON", _ref("Error")),
    "422": _answer("The body does not validate, or the URL is refused", _ref("Error")),
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
_LICENSE = {"name": "EUPL-1.2", "url": "https://interoperable-europe.ec.europa.eu/collection/eupl/eupl-text-eupl-12"}


# The read API and the feeds: the read token (Bearer, or Basic password), or nothing when public.
_READ_SECURITY: list[dict[str, list[str]]] = [{"readBearer": []}, {"readBasic": []}, {}]
_READ_401 = {"401": _answer("No or a wrong read token; or reads are off (neither "
                            "KAMERSTROOM_READ_TOKEN nor KAMERSTROOM_READ_PUBLIC=true)", _ref("Error"))}
_READ_400 = {"400": _answer("An unknown or repeated parameter, a malformed date, q over 500 "
                            "characters, a bad chamber or limit, or a tampered cursor", _ref("Error"))}
_LETTER_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
              "description": "The letter's id, e.g. kst-36124-3"}
_FILTERS: list[dict[str, Any]] = [
    {"name": "ministry", "in": "query", "schema": {"type": "string"},
     "description": "Ministry code, e.g. def"},
    {"name": "dossier", "in": "query", "schema": {"type": "string"}, "description": "The letter's dossier"},
    {"name": "chamber", "in": "query", "schema": {"type": "string", "enum": ["tk", "ek"]}},
    {"name": "since", "in": "query", "schema": {"type": "string"},
     "description": "ISO 8601 date or date-time (UTC without a zone): letters whose current version "
                    "was stored at or after it"},
    {"name": "until", "in": "query", "schema": {"type": "string"}, "description": "... and before it"},
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 500},
     "description": "Full text (title, subject, body): every word must occur; diacritics ignored"},
    {"name": "cites", "in": "query", "schema": {"type": "string"},
     "description": "A dossier number: letters that cite a Kamerstuk of it"},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1},
     "description": "At most 100 (more is clamped, and the answer says so)"},
]
_VERSION_SCHEMA: dict[str, Any] = {"type": "object", "required": ["version", "kind", "stored_at"],
                                   "properties": {
    "version": {"type": "integer"}, "kind": {"type": "string", "enum": ["published", "updated", "withdrawn"]},
    "stored_at": {"type": "string"}, "changed_fields": {"type": "array", "items": {"type": "string"}}}}


def _read_paths() -> dict[str, Any]:
    letter_versions = {"allOf": [_VERSION_SCHEMA, {"type": "object", "properties": {
        "id": {"type": "string"}, "record": _ref("Kamerbrief")}}]}
    return {
        "/v1/kamerbrieven": {"get": {
            "operationId": "listKamerbrieven", "security": _READ_SECURITY,
            "summary": "Letters matching the filters, newest change first, a page at a time",
            "parameters": [*_FILTERS, {"name": "cursor", "in": "query", "schema": {"type": "string"},
                                       "description": "next_cursor of the page before (same filters)"}],
            "responses": {"200": _answer("A page", _ref("LetterPage")), **_READ_400, **_READ_401}}},
        "/v1/kamerbrieven/{id}": {"parameters": [_LETTER_ID], "get": {
            "operationId": "getKamerbrief", "security": _READ_SECURITY,
            "summary": "The letter's current record (every field) and the list of its versions",
            "responses": {"200": _answer("The letter", {"type": "object", "properties": {
                "id": {"type": "string"}, "version": {"type": "integer"}, "kind": {"type": "string"},
                "published_at": {"type": "string"}, "updated_at": {"type": "string"},
                "record": _ref("Kamerbrief"), "versions": {"type": "array", "items": _VERSION_SCHEMA}},
                "required": ["id", "version", "record", "versions"]}),
                "400": _answer("A query parameter (this route takes none)", _ref("Error")),
                **_READ_401, "404": _answer("No such letter", _ref("Error"))}}},
        "/v1/kamerbrieven/{id}/versions/{n}": {"parameters": [
            _LETTER_ID, {"name": "n", "in": "path", "required": True, "schema": {"type": "string"},
                         "description": "A version number (1, 2, ...)"}], "get": {
            "operationId": "getKamerbriefVersion", "security": _READ_SECURITY,
            "summary": "One version of the letter as it was stored",
            "responses": {"200": _answer("The version", letter_versions),
                          "400": _answer("n is not a version number, or a query parameter", _ref("Error")),
                          **_READ_401, "404": _answer("No such letter or version", _ref("Error"))}}},
        "/v1/kamerbrieven/{id}/diff": {"parameters": [
            _LETTER_ID,
            {"name": "from", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
            {"name": "to", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}}],
            "get": {"operationId": "diffKamerbrief", "security": _READ_SECURITY,
                    "summary": "The record fields that differ between two versions, old and new values "
                               "(provenance left out, as in changedfields)",
                    "responses": {"200": _answer("The changes", _ref("Diff")),
                                  "400": _answer("from or to missing or not a version number",
                                                 _ref("Error")),
                                  **_READ_401, "404": _answer("No such letter or version", _ref("Error"))}}},
        "/feeds/kamerbrieven.atom": {"get": {
            "operationId": "getKamerbrievenFeed", "security": _READ_SECURITY,
            "summary": "Atom 1.0 feed of the newest letters matching the filters (50 unless limit)",
            "parameters": [*_FILTERS,
                           {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "The feed; ETag names it",
                        "headers": {"ETag": {"schema": {"type": "string"}}},
                        "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                "304": {"description": "If-None-Match names the current ETag: not modified",
                        "headers": {"ETag": {"schema": {"type": "string"}}}},
                **_READ_400, **_READ_401}}},
        "/feeds": {"get": {
            "operationId": "getFeedsIndex", "security": _READ_SECURITY,
            "summary": "HTML page of the feeds per ministry and per dossier in the store",
            "responses": {"200": {"description": "The page",
                                  "content": {"text/html": {"schema": {"type": "string"}}}},
                          "400": _answer("A query parameter (this route takes none)", _ref("Error")),
                          **_READ_401}}},
    }


def _read_schemas() -> dict[str, Any]:
    from shared.schema import Kamerbrief

    record = Kamerbrief.model_json_schema(ref_template="#/components/schemas/{model}")
    listed = {"type": "object", "required": ["id", "version", "kind", "published_at", "updated_at", "record"],
              "properties": {"id": {"type": "string"}, "version": {"type": "integer"},
                             "kind": {"type": "string", "enum": ["published", "updated"]},
                             "published_at": {"type": "string", "description": "First version stored"},
                             "updated_at": {"type": "string", "description": "Current version stored"},
                             "record": {"$ref": "#/components/schemas/Kamerbrief",
                                        "description": "Without body_text, sections, footnotes"}}}
    return {
        **record.pop("$defs", {}), "Kamerbrief": record, "ListedKamerbrief": listed,
        "LetterPage": {"type": "object", "required": ["data", "limit", "limit_clamped", "next_cursor"],
                       "properties": {
            "data": {"type": "array", "items": _ref("ListedKamerbrief")},
            "limit": {"type": "integer", "maximum": 100}, "limit_clamped": {"type": "boolean"},
            "next_cursor": {"type": ["string", "null"], "description": "Opaque; null on the last page"},
            "warnings": {"type": "array", "items": {"type": "string"}}}},
        "Diff": {"type": "object", "required": ["id", "from", "to", "changes"], "properties": {
            "id": {"type": "string"}, "from": {"type": "integer"}, "to": {"type": "integer"},
            "from_kind": {"type": "string"}, "to_kind": {"type": "string"},
            "changes": {"type": "array", "items": {"type": "object", "required": ["field", "old", "new"],
                                                   "properties": {"field": {"type": "string"},
                                                                  "old": {}, "new": {}}}}}},
    }


def _body(name: str) -> dict[str, Any]:
    return {"required": True, **_json(_ref(name))}


_ENDPOINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"}, "url": {"type": "string"}, "description": {"type": "string"},
        "filter": _ref("EndpointFilter"), "disabled": {"type": "boolean"},
        "disabled_reason": {"type": ["string", "null"]}, "created_at": {"type": "string"},
        "last_success_at": {"type": ["string", "null"]}, "failing_since": {"type": ["string", "null"]},
    },
}


def _schemas() -> dict[str, Any]:
    from services.publisher.admin.api import CreateEndpoint, PatchEndpoint, Replay

    schemas: dict[str, Any] = {
        "Endpoint": _ENDPOINT_SCHEMA,
        "EndpointWithSecret": {"allOf": [_ref("Endpoint"), {
            "type": "object", "properties": {"secret": {"type": "string", "pattern": "^whsec_"}}}]},
        "Error": {"type": "object", "properties": {"error": {"type": "string"}, "detail": {}}},
        "Delivery": {"type": "object", "properties": {
            "id": {"type": "string"}, "endpoint_id": {"type": "string"},
            "event_id": {"type": "string", "description": "Also the webhook-id header, on every retry"},
            "event_type": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "succeeded", "failed"]},
            "attempts": {"type": "integer"}, "attempt_log": {"type": "array", "items": {"type": "object"}},
        }},
    }
    schemas.update(_read_schemas())
    for model in (EndpointFilter, CreateEndpoint, PatchEndpoint, Replay):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The document (built once, on first request).

    tests/integration/publisher/test_openapi.py calls every route into every answer it can
    give and compares them with the responses declared here.
    """
    return {
        "openapi": "3.1.0",
        "info": {"title": "kamerstroom admin and read API", "version": "1", "license": _LICENSE,
                 "description": "Webhook endpoints for Kamerbrief events: every such call needs "
                                "Authorization: Bearer <KAMERSTROOM_ADMIN_TOKEN>. The read API "
                                "(/v1/kamerbrieven) and the feeds (/feeds) need "
                                "KAMERSTROOM_READ_TOKEN as a Bearer token or a Basic password, "
                                "or nothing when KAMERSTROOM_READ_PUBLIC=true; with neither "
                                "set they answer 401."},
        "servers": [{"url": "http://{host}:{port}",
                     "description": "The publisher's HTTP server "
                                    "(KAMERSTROOM_HTTP_HOST, KAMERSTROOM_HTTP_PORT)",
                     "variables": {"host": {"default": "127.0.0.1"}, "port": {"default": "8080"}}}],
        "components": {"schemas": _schemas(),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                           "readBearer": {"type": "http", "scheme": "bearer"},
                                           "readBasic": {"type": "http", "scheme": "basic"}}},
        "security": [{"bearer": []}],
        "paths": {
            **_read_paths(),
            "/v1/endpoints": {
                "post": {"operationId": "createEndpoint",
                         "summary": "Register an endpoint; the answer holds its signing secret",
                         "requestBody": _body("CreateEndpoint"),
                         "responses": {"201": _answer("Created", _ref("EndpointWithSecret")),
                                       **_INVALID, **_UNAUTHORIZED}},
                "get": {"operationId": "listEndpoints", "summary": "List endpoints",
                        "responses": {"200": _answer("Endpoints", {"type": "object", "properties": {
                            "data": {"type": "array", "items": _ref("Endpoint")}}}), **_UNAUTHORIZED}},
            },
            "/v1/endpoints/{id}": {
                "parameters": _ID,
                "get": {"operationId": "getEndpoint", "summary": "One endpoint",
                        "responses": {"200": _answer("The endpoint", _ref("Endpoint")), **_ERRORS}},
                "patch": {"operationId": "updateEndpoint",
                          "summary": "Change url, description, filter or disabled",
                          "requestBody": _body("PatchEndpoint"),
                          "responses": {"200": _answer("Changed", _ref("Endpoint")), **_INVALID, **_ERRORS}},
                "delete": {"operationId": "deleteEndpoint", "summary": "Remove the endpoint",
                           "responses": {"204": _answer("Removed"), **_ERRORS}},
            },
            "/v1/endpoints/{id}/rotate-secret": {
                "parameters": _ID,
                "post": {"operationId": "rotateSecret",
                         "summary": "New secret; the old one keeps signing alongside it for 24 h",
                         "responses": {"200": _answer("The new secret", {"type": "object", "properties": {
                             "id": {"type": "string"}, "secret": {"type": "string"},
                             "previous_secret_expires_at": {"type": "string"}}}), **_ERRORS}},
            },
            "/v1/endpoints/{id}/secret": {
                "parameters": _ID,
                "get": {"operationId": "getSecret",
                        "summary": "The endpoint's current signing secret (e.g. of a static one)",
                        "responses": {"200": _answer("The secret", {"type": "object", "properties": {
                            "id": {"type": "string"}, "secret": {"type": "string"}}}), **_ERRORS}},
            },
            "/v1/endpoints/{id}/deliveries": {
                "parameters": [*_ID,
                               {"name": "status", "in": "query", "schema": {
                                   "type": "string", "enum": ["pending", "succeeded", "failed"]}},
                               {"name": "limit", "in": "query",
                                "schema": {"type": "integer", "default": 100, "maximum": 1000}}],
                "get": {"operationId": "listDeliveries",
                        "summary": "Deliveries, newest first, with every attempt",
                        "responses": {"200": _answer("Deliveries", {"type": "object", "properties": {
                            "data": {"type": "array", "items": _ref("Delivery")}}}),
                            "422": _answer("status or limit is not one the API takes", _ref("Error")),
                            **_ERRORS}},
            },
            "/v1/endpoints/{id}/replay": {
                "parameters": _ID,
                "post": {"operationId": "replayDeliveries",
                         "summary": "Send again, same webhook-id: deliveries by id; events announced "
                                    "since/until matching the filter; with status, deliveries in that state",
                         "requestBody": _body("Replay"),
                         "responses": {"202": _answer("Queued", {"type": "object", "properties": {
                             "replayed": {"type": "integer",
                                          "description": "How many deliveries were queued"},
                             "delivery_ids": {"type": "array", "items": {"type": "string"},
                                              "description": "The queued deliveries (see listDeliveries)"}},
                             "required": ["replayed", "delivery_ids"]}),
                             **_INVALID,
                             **_UNAUTHORIZED,
                             "404": _answer("No such endpoint, or delivery_ids names deliveries "
                                            "it does not have", _ref("Error"))}},
            },
            "/v1/endpoints/{id}/test": {
                "parameters": _ID,
                "post": {"operationId": "testEndpoint",
                         "summary": "POST a signed example event now and report the answer",
                         "responses": {"200": _answer("The attempt", {"type": "object"}), **_ERRORS}},
            },
            "/v1/openapi.json": {"get": {"operationId": "getOpenAPI", "summary": "This document",
                                         "responses": {"200": _answer("OpenAPI 3.1", {"type": "object"}),
                                                       **_UNAUTHORIZED}}},
        },
    }
