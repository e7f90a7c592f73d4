"""``kamerstroom endpoints ACTION``: the publisher's admin API from the command line.

One action per admin route: ``add``, ``list``, ``show``, ``update``, ``remove``, ``test``,
``rotate-secret``, ``deliveries``, ``replay``, and ``secret`` (a static
``KAMERSTROOM_WEBHOOK_URLS`` endpoint's signing secret, which no other route returns).
Each prints what it did in a line or two (``--json``: the API's answer as it came).

Talks to a running publisher at ``--api`` (default ``http://127.0.0.1:$KAMERSTROOM_HTTP_PORT``)
with ``KAMERSTROOM_ADMIN_TOKEN``. An answer of 400 or more is one line on stderr, exit 1.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp

from shared.config import load_settings
from shared.errors import ConfigError, RetryLater

if TYPE_CHECKING:
    import argparse

    from kamerstroom.commands import Subparsers

Request = tuple[str, str, Any]
FILTERS = ("event_types", "ministries", "dossiers", "keywords", "chambers", "cites")


def register(subparsers: Subparsers) -> None:
    endpoints = subparsers.add_parser("endpoints", help="manage webhook endpoints of a running publisher")
    endpoints.add_argument("--api", help="the publisher's base URL (default http://127.0.0.1:<http port>)")
    endpoints.add_argument("--json", action="store_true", help="print the API's JSON answer")
    actions = endpoints.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="register an endpoint and print its signing secret")
    add.add_argument("url")
    add.add_argument("--description", default="")
    _filter_options(add)
    add.set_defaults(func=_run, build=_add)

    _simple(actions, "list", "list endpoints", lambda a: ("GET", "/v1/endpoints", None))
    _simple(actions, "show", "show one endpoint", lambda a: ("GET", f"/v1/endpoints/{a.id}", None), True)

    update = actions.add_parser("update", help="change an endpoint's URL, description, filter or state")
    update.add_argument("id")
    update.add_argument("--url")
    update.add_argument("--description")
    state = update.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_const", const=True, dest="disabled")
    state.add_argument("--enable", action="store_const", const=False, dest="disabled")
    _filter_options(update, replace_note=True)
    update.set_defaults(func=_run, build=_update)

    _simple(actions, "remove", "remove an endpoint",
            lambda a: ("DELETE", f"/v1/endpoints/{a.id}", None), True)
    _simple(actions, "test", "send a signed test event now and show the answer",
            lambda a: ("POST", f"/v1/endpoints/{a.id}/test", None), True)
    _simple(actions, "rotate-secret", "issue a new signing secret (the old one stays valid 24 h)",
            lambda a: ("POST", f"/v1/endpoints/{a.id}/rotate-secret", None), True)
    _simple(actions, "secret", "show an endpoint's current signing secret (e.g. a static one)",
            lambda a: ("GET", f"/v1/endpoints/{a.id}/secret", None), True)

    deliveries = actions.add_parser("deliveries", help="an endpoint's deliveries and their attempts")
    deliveries.add_argument("id")
    deliveries.add_argument("--status", choices=["pending", "succeeded", "failed"])
    deliveries.add_argument("--limit", type=int, default=100)
    deliveries.set_defaults(func=_run, build=_deliveries)

    replay = actions.add_parser("replay", help="send deliveries again (same webhook-id)")
    replay.add_argument("id")
    replay.add_argument("--delivery", action="append", default=[], dest="delivery_ids")
    replay.add_argument("--since", help="ISO 8601 time: deliveries created since then")
    replay.add_argument("--until", help="ISO 8601 time: ... and before this")
    replay.add_argument("--status", choices=["pending", "succeeded", "failed"])
    replay.set_defaults(func=_run, build=_replay)


def _simple(actions: Any, name: str, help_text: str, build: Callable[[Any], Request],
            with_id: bool = False) -> None:
    parser = actions.add_parser(name, help=help_text)
    if with_id:
        parser.add_argument("id")
    parser.set_defaults(func=_run, build=build)


def _filter_options(parser: argparse.ArgumentParser, replace_note: bool = False) -> None:
    note = " (any given replaces the whole filter)" if replace_note else " (repeatable)"
    default: list[str] | None = None if replace_note else []
    parser.add_argument("--event-type", action="append", default=default, dest="event_types",
                        help="published, updated or withdrawn" + note)
    parser.add_argument("--ministry", action="append", default=default, dest="ministries",
                        help="code, e.g. def" + note)
    parser.add_argument("--dossier", action="append", default=default, dest="dossiers",
                        help="e.g. 36124" + note)
    parser.add_argument("--keyword", action="append", default=default, dest="keywords", help=note.strip())
    parser.add_argument("--chamber", action="append", default=default, dest="chambers",
                        choices=["tk", "ek"], help="tk or ek" + note)
    parser.add_argument("--cites", action="append", default=default, dest="cites",
                        help="a dossier number, e.g. 36124: letters that cite it" + note)


def _filter(args: argparse.Namespace) -> dict[str, Any]:
    # Only the filter fields given (a publisher without the newer ones refuses unknown keys).
    return {k: v for k in FILTERS if (v := getattr(args, k, None))}


def _add(args: argparse.Namespace) -> Request:
    return "POST", "/v1/endpoints", {"url": args.url, "description": args.description,
                                     "filter": _filter(args)}


def _update(args: argparse.Namespace) -> Request:
    body: dict[str, Any] = {k: getattr(args, k) for k in ("url", "description", "disabled")
                            if getattr(args, k) is not None}
    if any(getattr(args, k) is not None for k in FILTERS):
        body["filter"] = _filter(args)
    if not body:
        raise ConfigError("endpoints update: nothing to change (give --url, --description, "
                          "--enable/--disable or a filter option)")
    return "PATCH", f"/v1/endpoints/{args.id}", body


def _deliveries(args: argparse.Namespace) -> Request:
    query = f"?limit={args.limit}" + (f"&status={args.status}" if args.status else "")
    return "GET", f"/v1/endpoints/{args.id}/deliveries{query}", None


def _replay(args: argparse.Namespace) -> Request:
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
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print(describe(args, answer))
    return 0


def describe(args: argparse.Namespace, answer: Any) -> str:
    """What the action did, for a person."""
    action = args.action
    if action == "list":
        return "\n".join(_line(e) for e in answer["data"]) or "no endpoints"
    if action in ("show", "update"):
        verb = "updated " if action == "update" else ""
        return verb + _line(answer) + "\n" + json.dumps(answer, indent=2, ensure_ascii=False)
    if action == "add":
        return f"added {_line(answer)}\nsigning secret: {answer['secret']}  (shown once; keep it)"
    if action == "remove":
        return f"removed {args.id}"
    if action in ("rotate-secret", "secret"):
        expires = answer.get("previous_secret_expires_at")
        tail = f"\nthe previous secret stays valid until {expires}" if expires else ""
        return f"{args.id} signing secret: {answer['secret']}{tail}"
    if action == "test":
        outcome = "answered" if answer.get("status_code") else "failed"
        return (f"test event to {args.id}: {outcome} {answer.get('status_code') or answer.get('error')}"
                f" in {answer.get('latency_ms')} ms ({'ok' if answer.get('ok') else 'not ok'})")
    if action == "deliveries":
        rows = [f"{d['id']}  {d['status']:<9}  attempts {d['attempts']}  {d['event_type']}  "
                f"{d['created_at']}" for d in answer["data"]]
        return "\n".join(rows) or "no deliveries"
    if action == "replay":
        ids = answer.get("delivery_ids") or []
        return f"replayed {answer.get('replayed', len(ids))} deliveries of {args.id}" + \
            "".join(f"\n  {i}" for i in ids)
    return json.dumps(answer, indent=2, ensure_ascii=False)


def _line(endpoint: dict[str, Any]) -> str:
    state = "disabled" if endpoint["disabled"] else "enabled"
    active = {k: v for k, v in endpoint["filter"].items() if v}
    return f"{endpoint['id']}  {state}  {endpoint['url']}  {json.dumps(active) if active else 'all events'}"


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
