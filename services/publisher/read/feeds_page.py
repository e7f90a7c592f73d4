"""``GET /feeds``: a small HTML page of the feeds one can subscribe to, per ministry and dossier.

Server-rendered, every value escaped, no script; it lists the ministries and dossiers that
have letters in the store, each with its feed URL.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from services.publisher.read.store import Facet

FEED_PATH = "/feeds/kamerbrieven.atom"
_STYLE = ("body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;"
          "color:#1b1b1b;background:#fff}h1{color:#154273}h2{border-bottom:2px solid #154273}"
          "li{margin:.3rem 0}code{background:#eef2f7;padding:.1rem .3rem}.n{color:#555}")


def feed_url(base_url: str, **filters: str) -> str:
    """The feed's absolute URL for these filters."""
    query = urlencode(filters)
    return f"{base_url}{FEED_PATH}" + (f"?{query}" if query else "")


def render(base_url: str, ministries: list[Facet], dossiers: list[Facet]) -> str:
    """The page as HTML text."""
    everything = feed_url(base_url)
    parts = [
        "<!DOCTYPE html>", '<html lang="nl"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>kamerstroom: feeds van Kamerbrieven</title>",
        f'<link rel="alternate" type="application/atom+xml" title="Alle Kamerbrieven" '
        f'href="{escape(everything)}">', f"<style>{_STYLE}</style></head><body>",
        "<h1>Feeds van Kamerbrieven</h1>",
        "<p>Abonneer je in je feedlezer op een Atom-feed. Elke feed neemt ook de filters "
        "<code>q</code>, <code>cites</code>, <code>chamber</code>, <code>since</code> en "
        "<code>until</code> van de read API.</p>",
        f'<p id="all"><a href="{escape(everything)}">Alle Kamerbrieven</a> '
        f"<code>{escape(everything)}</code></p>",
        _section("ministries", "Per ministerie", base_url, "ministry", ministries),
        _section("dossiers", "Per dossier", base_url, "dossier", dossiers),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _section(anchor: str, heading: str, base_url: str, key: str, facets: list[Facet]) -> str:
    if not facets:
        return f'<h2 id="{anchor}">{heading}</h2><p class="n">Nog geen brieven.</p>'
    items = []
    for facet in facets:
        url = feed_url(base_url, **{key: facet.value})
        label = facet.label if key == "ministry" else f"Dossier {facet.label}"
        noun = "brief" if facet.letters == 1 else "brieven"
        items.append(f'<li><a href="{escape(url)}">{escape(label)}</a> '
                     f'<span class="n">({facet.letters} {noun})</span> <code>{escape(url)}</code></li>')
    return f'<h2 id="{anchor}">{heading}</h2><ul>' + "".join(items) + "</ul>"
