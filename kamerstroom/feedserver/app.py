"""The aiohttp app of the local feed server, and a small runner for tests and the demo."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from kamerstroom.feedserver import sru

RECORDINGS = Path(__file__).parent / "recordings"
DOCS_KEY = web.AppKey("sru_documents", list[sru.KstDocument])


def create_app(recordings: Path = RECORDINGS) -> web.Application:
    """Routes: ``/sru`` (SRU 2.0 searchRetrieve) and the ``/frbr/…`` document URLs."""
    app = web.Application()
    app[DOCS_KEY] = sru.load_documents(recordings / "officielebekendmakingen")
    app.router.add_get("/sru", _sru)
    app.router.add_get("/frbr/officielepublicaties/kst/{id}/1/xml/{name}", _kst_xml)
    return app


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def _sru(request: web.Request) -> web.Response:
    docs = request.app[DOCS_KEY]
    try:
        start = max(1, int(request.query.get("startRecord", "1")))
        maximum = max(1, min(1000, int(request.query.get("maximumRecords", "50"))))
    except ValueError:
        return web.Response(status=200, content_type="text/xml", text=_diagnostic(
            "info:srw/diagnostic/1/6", "Unsupported parameter value"))
    body = sru.response_xml(docs, _base_url(request), start, maximum)
    return web.Response(text=body, content_type="application/xml")


async def _kst_xml(request: web.Request) -> web.Response:
    wanted = request.match_info["id"]
    for doc in request.app[DOCS_KEY]:
        if doc.identifier == wanted:
            return web.Response(body=doc.path.read_bytes(), content_type="application/xml")
    raise web.HTTPNotFound(text=f"no recording for {wanted}")


def _diagnostic(uri: str, message: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><diagnostics><diagnostic '
            'xmlns="http://www.loc.gov/zing/srw/diagnostic/">'
            f"<uri>{uri}</uri><message>{message}</message></diagnostic></diagnostics>")


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
