"""The served OpenAPI document is valid and declares exactly what each route answers.

Every operation is called into each answer it can give (no token, no such endpoint, a body
that is not JSON, one that does not validate, a bad query, success); the status codes seen
must equal the ones the document declares for it, and each JSON answer must match the
declared schema.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource

from tests.integration.publisher.conftest import READ_TOKEN, Publisher
from tests.integration.publisher.read_letters import MAIN, feed_letters

NOT_JSON = object()  # send a body that is not JSON
READ_PATHS = ("/v1/kamerbrieven", "/feeds")  # the read token's routes


class Conditional(dict[str, str]):
    """Request headers instead of a body (a conditional GET)."""


async def _call(publisher: Publisher, method: str, path: str, body: Any = None,
                token: bool = True) -> tuple[int, Any]:
    if path.startswith(READ_PATHS):
        status, answered, raw = await publisher.read(path, READ_TOKEN if token else None,
                                                     headers=body if isinstance(body, Conditional) else None)
        is_json = answered.get("Content-Type", "").startswith("application/json")
        return status, json.loads(raw) if is_json else raw.decode()
    if body is NOT_JSON:
        headers = {"Authorization": f"Bearer {publisher.runtime.settings.admin_token}",
                   "Content-Type": "application/json"}
        async with publisher.http.request(method, publisher.base + path, data=b"{not json",
                                          headers=headers) as resp:
            return resp.status, await resp.json()
    return await publisher.call(method, path, body, **({} if token else {"token": None}))


async def test_served_document_is_valid_and_declares_what_each_route_answers(publisher: Publisher) -> None:
    code, document = await publisher.call("GET", "/v1/openapi.json")
    assert 200 == code
    validate(document)  # openapi-spec-validator, OpenAPI 3.1

    await feed_letters(publisher)
    etag = Conditional({"If-None-Match": (await publisher.read("/feeds/kamerbrieven.atom"))[1]["ETag"]})
    letter = f"/v1/kamerbrieven/{MAIN}"
    endpoint = await publisher.add_endpoint("http://127.0.0.1:9/hook")
    other = await publisher.add_endpoint("http://127.0.0.1:9/other")
    one, gone = f"/v1/endpoints/{endpoint['id']}", f"/v1/endpoints/{other['id']}"
    missing = "/v1/endpoints/no-such-endpoint"
    since = {"since": "2020-01-01T00:00:00Z"}
    # operation -> (url, body) calls that together reach every answer it can give
    calls: dict[tuple[str, str], list[tuple[str, Any]]] = {
        ("post", "/v1/endpoints"): [
            ("/v1/endpoints", {"url": "http://127.0.0.1:9/new"}), ("/v1/endpoints", NOT_JSON),
            ("/v1/endpoints", {"url": 3})],
        ("get", "/v1/endpoints"): [("/v1/endpoints", None)],
        ("get", "/v1/endpoints/{id}"): [(one, None), (missing, None)],
        ("patch", "/v1/endpoints/{id}"): [
            (one, {"description": "changed"}), (one, NOT_JSON), (one, {"disabled": "maybe"}),
            (missing, {"description": "x"})],
        ("post", "/v1/endpoints/{id}/rotate-secret"): [
            (one + "/rotate-secret", None), (missing + "/rotate-secret", None)],
        ("get", "/v1/endpoints/{id}/secret"): [(one + "/secret", None), (missing + "/secret", None)],
        ("get", "/v1/endpoints/{id}/deliveries"): [
            (one + "/deliveries", None), (one + "/deliveries?status=lost", None),
            (one + "/deliveries?limit=many", None), (missing + "/deliveries", None)],
        ("post", "/v1/endpoints/{id}/replay"): [
            (one + "/replay", since), (one + "/replay", NOT_JSON), (one + "/replay", {}),
            (one + "/replay", {"delivery_ids": ["no-such-delivery"]}), (missing + "/replay", since)],
        ("post", "/v1/endpoints/{id}/test"): [(one + "/test", None), (missing + "/test", None)],
        ("get", "/v1/openapi.json"): [("/v1/openapi.json", None)],
        ("delete", "/v1/endpoints/{id}"): [(gone, None), (missing, None)],
        ("get", "/v1/kamerbrieven"): [("/v1/kamerbrieven?limit=1&ministry=def", None),
                                      ("/v1/kamerbrieven?cursor=forged.cursor", None)],
        ("get", "/v1/kamerbrieven/{id}"): [(letter, None), (letter + "?x=1", None),
                                           ("/v1/kamerbrieven/kst-0-0", None)],
        ("get", "/v1/kamerbrieven/{id}/versions/{n}"): [
            (letter + "/versions/2", None), (letter + "/versions/two", None), (letter + "/versions/7", None)],
        ("get", "/v1/kamerbrieven/{id}/diff"): [
            (letter + "/diff?from=1&to=2", None), (letter + "/diff?from=1", None),
            (letter + "/diff?from=1&to=7", None)],
        ("get", "/feeds/kamerbrieven.atom"): [("/feeds/kamerbrieven.atom", None),
                                              ("/feeds/kamerbrieven.atom", etag),
                                              ("/feeds/kamerbrieven.atom?since=never", None)],
        ("get", "/feeds"): [("/feeds", None), ("/feeds?x=1", None)],
    }
    assert set(calls) == {(m, p) for p, item in document["paths"].items() for m in item if m != "parameters"}
    registry: Registry[Any] = Registry().with_resource("urn:openapi", Resource.from_contents(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}))

    problems = []
    for (method, template), requests in calls.items():
        declared = document["paths"][template][method]["responses"]
        seen: set[str] = set()
        for url, body, token in [*((u, b, True) for u, b in requests), (requests[0][0], None, False)]:
            status, answer = await _call(publisher, method.upper(), url, body, token=token)
            seen.add(str(status))
            if str(status) not in declared:
                problems.append(f"{method.upper()} {url}: {status} is not declared")
                continue
            schema = declared[str(status)].get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                validator = Draft202012Validator(_in_document(schema), registry=registry)
                errors = list(validator.iter_errors(answer))
                if errors:
                    problems.append(f"{method.upper()} {url}: {status} answer: {errors[0].message}")
        if seen != set(declared):
            problems.append(f"{method.upper()} {template}: declares {sorted(declared)}, "
                            f"answers {sorted(seen)}")
    assert [] == problems


def _in_document(schema: Any) -> Any:
    """``schema`` with its local refs (``#/components/...``) pointing into the registered document."""
    if isinstance(schema, dict):
        return {k: ("urn:openapi" + v if k == "$ref" and v.startswith("#/") else _in_document(v))
                for k, v in schema.items()}
    if isinstance(schema, list):
        return [_in_document(v) for v in schema]
    return schema
