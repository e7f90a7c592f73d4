"""The aiohttp app of the local feed server, and a small runner for tests and the demo.

Routes (each answers like the official feed it stands for):

    /sru                                           SRU 2.0 searchRetrieve (KOOP, see ``sru``)
    /frbr/officielepublicaties/…                   a document a served SRU record links to
    /SyncFeed/2.0/Feed?category=C&skiptoken=N      Tweede Kamer SyncFeed (Atom), C one of
                                                   Document, DocumentActor, Kamerstukdossier
    /SyncFeed/2.0/Resources/{id}                   a Document's file (PDF or DOCX)
    /_faults                                       POST to inject faults, DELETE to clear

Feed pages carry an ``ETag`` and answer ``If-None-Match`` with 304.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from aiohttp import web

from kamerstroom.feedserver import faults as faults_module
from kamerstroom.feedserver import sru, tweedekamer
from kamerstroom.feedserver.faults import Faults

RECORDINGS = Path(__file__).parent / "recordings"
SRU_KEY = web.AppKey("sru_replay", sru.SruReplay)
TK_KEY = web.AppKey("tk_data", tweedekamer.TkData)
FAULTS_KEY = web.AppKey("faults", Faults)
SYNCFEED_VERSION = "2.0"  # the only version served; another answers 404 (as a moved API would)


def create_app(recordings: Path = RECORDINGS) -> web.Application:
    """The feed server with every route above, its data loaded from ``recordings``."""
    faults = Faults()
    app = web.Application(middlewares=[faults_module.middleware(faults)])
    app[FAULTS_KEY] = faults
    app[SRU_KEY] = sru.SruReplay(sru.load(recordings / "officielebekendmakingen"))
    app[TK_KEY] = tweedekamer.load(recordings / "tweedekamer")
    routes = app.router
    routes.add_get("/sru", _sru)
    routes.add_get("/frbr/officielepublicaties/{tail:.*}", _sru_document)
    routes.add_get(f"/SyncFeed/{SYNCFEED_VERSION}/Feed", _syncfeed)
    routes.add_get(f"/SyncFeed/{SYNCFEED_VERSION}/Resources/{{id}}", _tk_resource)
    routes.add_post("/_faults", _post_faults)
    routes.add_delete("/_faults", _clear_faults)
    return app


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _page(request: web.Request, body: str | bytes, content_type: str) -> web.Response:
    """A feed page with an ETag; 304 when the client already has this version."""
    data = body.encode() if isinstance(body, str) else body
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(body=data, content_type=content_type, charset="utf-8",
                        headers={"ETag": etag})


async def _sru(request: web.Request) -> web.Response:
    try:
        start = max(1, int(request.query.get("startRecord", "1")))
        maximum = max(1, min(1000, int(request.query.get("maximumRecords", "50"))))
    except ValueError:
        return web.Response(status=200, content_type="text/xml", text=_diagnostic(
            "info:srw/diagnostic/1/6", "Unsupported parameter value"))
    if start >= sru.KEY_PAGING_LIMIT:  # as upstream: page by key instead
        return web.Response(status=504, text="Gateway Time-out")
    query = request.query.get("query", "")
    if sru.unknown_prefix(query):  # upstream's indexes are dt.*, w.*, c.*
        return web.Response(body=faults_module.UNKNOWN_PREFIX.read_bytes(), content_type="text/xml")
    records = sru.matching(request.app[SRU_KEY].records, query)
    body = sru.response_xml(records, _base_url(request), start, maximum)
    return _page(request, body, "application/xml")


async def _sru_document(request: web.Request) -> web.Response:
    found = request.app[SRU_KEY].documents.get(request.path)
    if found is None:
        raise web.HTTPNotFound(text=f"no recording for {request.path}")
    body = found.read_bytes() if isinstance(found, Path) else found.encode()
    return web.Response(body=body, content_type="application/xml",
                        headers={"Last-Modified": "Thu, 02 Oct 2025 12:00:00 GMT"})


def _diagnostic(uri: str, message: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><diagnostics><diagnostic '
            'xmlns="http://www.loc.gov/zing/srw/diagnostic/">'
            f"<uri>{uri}</uri><message>{message}</message></diagnostic></diagnostics>")


async def _syncfeed(request: web.Request) -> web.Response:
    data = request.app[TK_KEY]
    if data.drift == "gone":
        return web.json_response({"error": "this API version is no longer available"}, status=410)
    category = request.query.get("category", "")
    if category not in tweedekamer.CATEGORIES:
        return web.json_response({"error": f"category {category!r} is not replayed"}, status=400)
    try:
        skiptoken = max(0, int(request.query.get("skiptoken", "0")))
    except ValueError:
        return web.json_response({"error": "skiptoken must be a number"}, status=400)
    body = tweedekamer.feed_xml(data, _base_url(request), category, skiptoken)
    return _page(request, body, "application/atom+xml")


async def _tk_resource(request: web.Request) -> web.Response:
    found = request.app[TK_KEY].enclosure(request.match_info["id"])
    if found is None:  # the real server answers a missing resource with a 500
        return web.Response(status=500, text="resource not found")
    body, content_type = found
    return web.Response(body=body, content_type=content_type)


async def _post_faults(request: web.Request) -> web.Response:
    return await faults_module.post_faults(request, request.app[FAULTS_KEY])


async def _clear_faults(request: web.Request) -> web.Response:
    request.app[FAULTS_KEY].clear()
    return web.json_response({"pending": 0})


class FeedServer:
    """Runs ``create_app()`` on ``host:port`` (port 0: any free port) until ``stop()``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 recordings: Path = RECORDINGS) -> None:
        self._host = host
        self._port = port
        self._app = create_app(recordings)
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def app(self) -> web.Application:
        return self._app

    @property
    def faults(self) -> Faults:
        """Inject faults into the next requests (see ``faults``)."""
        return self._app[FAULTS_KEY]

    @property
    def sru(self) -> sru.SruReplay:
        """The SRU replay's records (tests may replace them)."""
        return self._app[SRU_KEY]

    @property
    def tweedekamer(self) -> tweedekamer.TkData:
        return self._app[TK_KEY]

    async def start(self) -> str:
        """Start serving and return the base URL."""
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{self._host}:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def sru_url(self) -> str:
        return f"{self.url}/sru"

    @property
    def tk_url(self) -> str:
        return self.url

    def constructed(self) -> dict[str, str]:
        """Upstream ids whose served document is constructed, with what is constructed: the
        demo marks their events so that no constructed value passes for a recorded one."""
        marks = {i: "constructed document" for i in sru.SUBSTITUTES}
        marks.update({r.identifier: "constructed SRU record" for r in self._app[SRU_KEY].records
                      if "CONSTRUCTED record" in r.xml})
        return marks

    def earliest_day(self) -> date:
        """The earliest change date of any replayed record: a start date on or before it lets
        live polling see every replayed letter."""
        days = [date.fromisoformat(r.modified[:10]) for r in self._app[SRU_KEY].records
                if r.modified]
        days += [date.fromisoformat(e.bijgewerkt[:10]) for entities in self._app[TK_KEY].feeds.values()
                 for e in entities if e.bijgewerkt]
        return min(days)

    def expected_letters(self) -> dict[str, int]:
        """How many distinct letters each feed replays (what a full poll should queue)."""
        return {"officielebekendmakingen": len(self._app[SRU_KEY].letters()),
                "tweedekamer": len(self._app[TK_KEY].letters)}

