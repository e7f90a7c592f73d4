"""The read API and the feeds on the publisher's HTTP port.

Routes: ``GET /v1/kamerbrieven`` (filters, newest change first, cursor pages),
``/v1/kamerbrieven/{id}`` (the current record and its versions),
``/v1/kamerbrieven/{id}/versions/{n}``, ``/v1/kamerbrieven/{id}/diff?from=&to=``,
``GET /feeds/kamerbrieven.atom`` (the same filters, conditional GET) and ``GET /feeds``.
Every route checks ``ReadAccess`` first (401), then its query string (400 with the reason);
an unknown letter or version is 404. Errors are ``{"error", "detail"}`` like the admin API's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from services.publisher.read import atom, feeds_page
from services.publisher.read.auth import CHALLENGE, ReadAccess
from services.publisher.read.cursor import BadCursor, CursorCodec
from services.publisher.read.diff import field_changes
from services.publisher.read.query import BadInput, LetterQuery, Page, check_keys, parse_page
from services.publisher.read.store import Listed, ReadStore, StoredVersion

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FEED_LIMIT = 50  # entries in a feed unless ``limit`` says otherwise (at most 100)


class ReadAPI:
    """Letters for readers: JSON under ``/v1/kamerbrieven``, Atom and HTML under ``/feeds``."""

    def __init__(self, store: ReadStore, access: ReadAccess) -> None:
        self._store = store
        self._access = access
        self._cursors = CursorCodec(store.cursor_key())

    @property
    def enabled(self) -> bool:
        """Whether any request can read (a token is set, or reads are public)."""
        return self._access.public or bool(self._access.token)

    def mount(self, app: web.Application) -> None:
        """Add the routes to ``app`` (before the server starts, before any ``/v1`` catch-all)."""
        guard = self._guarded
        app.router.add_get("/v1/kamerbrieven", guard(self.list))
        app.router.add_get("/v1/kamerbrieven/{id}", guard(self.get))
        app.router.add_get("/v1/kamerbrieven/{id}/versions/{n}", guard(self.version))
        app.router.add_get("/v1/kamerbrieven/{id}/diff", guard(self.diff))
        app.router.add_get("/feeds/kamerbrieven.atom", guard(self.feed))
        app.router.add_get("/feeds", guard(self.index))

    def close(self) -> None:
        self._store.close()

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            refusal = self._access.refusal(request.headers.get("Authorization"))
            if refusal is not None:
                return _error(401, "unauthorized", refusal, headers={"WWW-Authenticate": CHALLENGE})
            try:
                return await handler(request)
            except (BadInput, BadCursor) as exc:
                return _error(400, "bad-request", str(exc))
        return guarded

    async def list(self, request: web.Request) -> web.StreamResponse:
        """A page of letters; ``next_cursor`` continues it (``null`` on the last page)."""
        page = parse_page(request.query, _keys(request), extra=("cursor",))
        after = (self._cursors.decode(page.cursor, page.query.fingerprint())
                 if page.cursor is not None else None)
        rows = self._store.page(page.query, page.limit + 1, after)
        shown = rows[:page.limit]
        next_cursor = (self._cursors.encode(shown[-1].position, page.query.fingerprint())
                       if len(rows) > page.limit else None)
        meta: dict[str, Any] = {"limit": page.limit, "limit_clamped": page.clamped,
                                "next_cursor": next_cursor, "warnings": _warnings(page)}
        body = '{"data":[' + ",".join(_listed_json(row) for row in shown) + "]," + json.dumps(meta)[1:]
        return web.Response(text=body, content_type="application/json")

    async def get(self, request: web.Request) -> web.StreamResponse:
        """The current version's full record and the list of every version."""
        check_keys(_keys(request), ())
        letter = request.match_info["id"]
        versions = self._store.versions(letter)
        if not versions:
            return _not_found(f"no letter {letter}")
        current = versions[-1]
        return web.json_response({
            "id": letter, "version": current.version, "kind": current.kind,
            "published_at": versions[0].stored_at, "updated_at": current.stored_at,
            "record": current.record,
            "versions": [{"version": v.version, "kind": v.kind, "stored_at": v.stored_at,
                          "changed_fields": v.changed_fields} for v in versions],
        })

    async def version(self, request: web.Request) -> web.StreamResponse:
        check_keys(_keys(request), ())
        letter, number = request.match_info["id"], _version_number("n", request.match_info["n"])
        found = self._store.version(letter, number)
        if found is None:
            return _not_found(f"letter {letter} has no version {number}")
        return web.json_response({"id": letter, **_version_json(found)})

    async def diff(self, request: web.Request) -> web.StreamResponse:
        """The fields that differ between versions ``from`` and ``to``, with both values."""
        check_keys(_keys(request), ("from", "to"))
        if "from" not in request.query or "to" not in request.query:
            raise BadInput("give from and to, two version numbers (e.g. ?from=1&to=2)")
        letter = request.match_info["id"]
        numbers = (_version_number("from", request.query["from"]), _version_number("to", request.query["to"]))
        old, new = (self._store.version(letter, n) for n in numbers)
        if old is None or new is None:
            missing = [str(n) for n, v in zip(numbers, (old, new), strict=True) if v is None]
            return _not_found(f"letter {letter} has no version {' or '.join(missing)}")
        return web.json_response({"id": letter, "from": old.version, "to": new.version,
                                  "from_kind": old.kind, "to_kind": new.kind,
                                  "changes": field_changes(old.record, new.record)})

    async def feed(self, request: web.Request) -> web.StreamResponse:
        """An Atom feed of the newest letters matching the filters; 304 when unchanged."""
        page = parse_page(request.query, _keys(request))
        limit = page.limit if "limit" in request.query else FEED_LIMIT
        letters = self._store.page(page.query, limit)
        base = _base_url(request)
        info = atom.FeedInfo(self_url=base + str(request.rel_url), title=_feed_title(page.query),
                             base_url=base)
        body = atom.render(info, letters)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Authorization"}
        if _etag_matches(request.headers.get("If-None-Match"), etag):
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, content_type="application/atom+xml", charset="utf-8",
                            headers=headers)

    async def index(self, request: web.Request) -> web.StreamResponse:
        """The HTML page of feeds per ministry and per dossier."""
        check_keys(_keys(request), ())
        text = feeds_page.render(_base_url(request), self._store.ministries(), self._store.dossiers())
        return web.Response(text=text, content_type="text/html", charset="utf-8")


def _listed_json(row: Listed) -> str:
    head = json.dumps({"id": row.letter_id, "version": row.version, "kind": row.kind,
                       "published_at": row.first_at, "updated_at": row.updated_at})
    return head[:-1] + ',"record":' + row.summary_json + "}"


def _version_json(found: StoredVersion) -> dict[str, Any]:
    return {"version": found.version, "kind": found.kind, "stored_at": found.stored_at,
            "changed_fields": found.changed_fields, "record": found.record}


def _warnings(page: Page) -> list[str]:
    if page.clamped:
        return [f"limit {page.asked_limit} is over the maximum: clamped to {page.limit}"]
    return []


def _version_number(name: str, raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise BadInput(f"{name} {raw[:20]!r} is not a version number (1, 2, …)")
    return int(raw)


def _feed_title(query: LetterQuery) -> str:
    described = ", ".join(f"{k} {v}" for k, v in query.params().items())
    return "Kamerbrieven" + (f" ({described})" if described else "")


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _etag_matches(header: str | None, etag: str) -> bool:
    """``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 says for it) or is ``*``."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def _not_found(detail: str) -> web.Response:
    return _error(404, "not-found", detail)


def _error(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": code, "detail": detail}, status=status, headers=headers)


def _keys(request: web.Request) -> list[str]:
    """Every key of the query string, repeats included (``keys()`` drops them)."""
    return [key for key, _ in request.query.items()]
