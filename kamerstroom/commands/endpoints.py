"""``kamerstroom endpoints add|list|remove|replay``: the admin API from the command line.

Talks to a running publisher at ``--api`` (default ``http://127.0.0.1:$KAMERSTROOM_HTTP_PORT``)
with ``KAMERSTROOM_ADMIN_TOKEN``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

import aiohttp

from shared.config import load_settings
from shared.errors import ConfigError, RetryLater

if TYPE_CHECKING:
    import argparse

    from kamerstroom.commands import Subparsers


def register(subparsers: Subparsers) -> None:
    endpoints = subparsers.add_parser("endpoints", help="manage webhook endpoints of a running publisher")
    endpoints.add_argument("--api", help="the publisher's base URL (default http://127.0.0.1:<http port>)")
    actions = endpoints.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="register an endpoint and print its signing secret")
    add.add_argument("url")
    add.add_argument("--description", default="")
    add.add_argument("--event-type", action="append", default=[], dest="event_types",
                     help="published, updated or withdrawn (repeatable)")
    add.add_argument("--ministry", action="append", default=[], dest="ministries", help="code, e.g. def")
    add.add_argument("--dossier", action="append", default=[], dest="dossiers", help="e.g. 36124")
    add.add_argument("--chamber", action="append", default=[], dest="chambers",
                     choices=("tk", "ek"), help="tk (Tweede Kamer) or ek (Eerste Kamer)")
    add.add_argument("--keyword", action="append", default=[], dest="keywords")
    add.set_defaults(func=_run, build=_add)

    listing = actions.add_parser("list", help="list endpoints")
    listing.set_defaults(func=_run, build=lambda a: ("GET", "/v1/endpoints", None))

    remove = actions.add_parser("remove", help="remove an endpoint")
    remove.add_argument("id")
    remove.set_defaults(func=_run, build=lambda a: ("DELETE", f"/v1/endpoints/{a.id}", None))

    replay = actions.add_parser("replay", help="send deliveries again (same webhook-id)")
    replay.add_argument("id")
    replay.add_argument("--delivery", action="append", default=[], dest="delivery_ids")
    replay.add_argument("--since", help="ISO 8601 time: deliveries created since then")
    replay.add_argument("--until", help="ISO 8601 time: ... and before this")
    replay.add_argument("--status", choices=["pending", "succeeded", "failed"])
    replay.set_defaults(func=_run, build=_replay)


def _add(args: argparse.Namespace) -> tuple[str, str, dict[str, Any]]:
    flt = {k: getattr(args, k) for k in ("event_types", "ministries", "chambers", "dossiers",
                                          "keywords")}
    return "POST", "/v1/endpoints", {"url": args.url, "description": args.description, "filter": flt}


def _replay(args: argparse.Namespace) -> tuple[str, str, dict[str, Any]]:
    body: dict[str, Any] = {"delivery_ids": args.delivery_ids}
    body.update({k: getattr(args, k) for k in ("since", "until", "status") if getattr(args, k)})
    return "POST", f"/v1/endpoints/{args.id}/replay", body


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.admin_token:
        raise ConfigError("set KAMERSTROOM_ADMIN_TOKEN to the publisher's admin token")
    base = (args.api or f"http://127.0.0.1:{settings.http_port}").rstrip("/")
    method, path, body = args.build(args)
    status, answer = asyncio.run(call(base, settings.admin_token, method, path, body))
    if status >= 400:
        print(f"kamerstroom: {method} {path} answered {status}: {json.dumps(answer, ensure_ascii=False)}",
              file=sys.stderr)
        return 1
    if args.action == "list":
        for endpoint in answer["data"]:
            state = "disabled" if endpoint["disabled"] else "enabled"
            print(f"{endpoint['id']}  {state}  {endpoint['url']}  {json.dumps(endpoint['filter'])}")
    elif answer is not None:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    return 0


async def call(base: str, token: str, method: str, path: str, body: Any) -> tuple[int, Any]:
    """One admin API call; returns the status and the decoded JSON answer (``None`` if empty)."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session, \
                session.request(method, base + path, json=body,
                                headers={"Authorization": f"Bearer {token}"}) as resp:
            text = await resp.text()
            return resp.status, (json.loads(text) if text else None)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RetryLater(f"the publisher at {base} does not answer: {exc}") from None


__all__ = ["register"]
