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
        "info": {"title": "kamerstroom admin API", "version": "1", "license": _LICENSE,
                 "description": "Webhook endpoints for Kamerbrief events. Every call needs "
                                "Authorization: Bearer <KAMERSTROOM_ADMIN_TOKEN>."},
        "servers": [{"url": "http://{host}:{port}",
                     "description": "The publisher's HTTP server "
                                    "(KAMERSTROOM_HTTP_HOST, KAMERSTROOM_HTTP_PORT)",
                     "variables": {"host": {"default": "127.0.0.1"}, "port": {"default": "8080"}}}],
        "components": {"schemas": _schemas(),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
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
