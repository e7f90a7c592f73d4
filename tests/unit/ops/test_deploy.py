"""The deployment files parse and name what the code names (queues, env vars, ports, paths).

No container engine runs here, so this is the check that ``deploy/`` cannot silently
drift from the code: topology from ``shared/messaging/topology.py``, settings from
``shared/config.py``, routes from ``shared/http.py``, metrics from ``shared/metrics.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import Counter, Gauge, Histogram

from kamerstroom.cli import build_parser
from shared import metrics
from shared.config import Settings
from shared.http import HealthServer
from shared.messaging.rabbitmq import event_log_arguments, retry_queue_arguments
from shared.messaging.topology import DELIVERY_LIMIT, Topology

DEPLOY = Path(__file__).parents[3] / "deploy"
K8S = DEPLOY / "k8s"
SERVICES = ("fetcher", "parser", "publisher")
ENV_NAME = re.compile(r"\bKAMERSTROOM_[A-Z_]+\b")


def _yaml(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _deployments() -> dict[str, dict[str, Any]]:
    docs = [d for f in sorted(K8S.glob("*.yaml")) for d in _yaml(f)]
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}


def _container(name: str) -> dict[str, Any]:
    spec = _deployments()[f"kamerstroom-{name}"]["spec"]["template"]["spec"]
    container: dict[str, Any] = spec["containers"][0]
    return container


def _metric_names() -> set[str]:
    names = set()
    for value in vars(metrics).values():
        if isinstance(value, Counter):
            names.add(value._name + "_total")
        elif isinstance(value, Gauge | Histogram):
            names.add(value._name)
    return names


def test_rabbitmq_definitions_declare_the_code_topology() -> None:
    """Exchanges, quorum queues with DLX and delivery limit, retry queues, the event log
    stream with its default retention, bindings: equal to the code's."""
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    t = Topology("kamerstroom")
    work = {"x-queue-type": "quorum", "x-dead-letter-exchange": t.dlx,
            "x-delivery-limit": DELIVERY_LIMIT}
    assert {(name, "topic", True) for name in t.exchanges} == {
        (e["name"], e["type"], e["durable"]) for e in definitions["exchanges"]}
    queues: dict[str, object] = {
        b.queue: (work if b.queue in t.work_queues else {"x-queue-type": "quorum"})
        for b in t.bindings}
    queues |= {t.retry_queue(s): retry_queue_arguments(t, s) for s in t.retry_delays}
    queues[t.event_log] = event_log_arguments(t)
    bindings = {(b.exchange, b.queue, b.pattern) for b in (*t.bindings, t.event_log_binding)}
    bindings |= {(t.webhooks, t.retry_queue(s), t.retry_routing_key(s)) for s in t.retry_delays}
    assert queues == {q["name"]: q["arguments"] for q in definitions["queues"]}
    assert bindings == {
        (b["source"], b["destination"], b["routing_key"]) for b in definitions["bindings"]}


def test_every_env_var_in_deploy_is_a_setting() -> None:
    """No deployment file sets a KAMERSTROOM_* variable the code does not read."""
    known = {f"KAMERSTROOM_{name.upper()}" for name in Settings.model_fields}
    used = {m for f in DEPLOY.rglob("*") if f.is_file() for m in ENV_NAME.findall(f.read_text())}
    assert set() == used - known
    assert {"KAMERSTROOM_AMQP_URL", "KAMERSTROOM_ADMIN_TOKEN"} <= used


def test_kubernetes_probes_hit_the_health_routes_on_the_configured_port() -> None:
    """Liveness is /healthz and readiness /readyz, on the port KAMERSTROOM_HTTP_PORT names."""
    routes = {r.resource.canonical for r in HealthServer("127.0.0.1", 0).app.router.routes()
              if r.resource is not None}
    config = _yaml(K8S / "configmap.yaml")[0]["data"]
    for name in SERVICES:
        container = _container(name)
        port = {p["name"]: p["containerPort"] for p in container["ports"]}["http"]
        assert (name, int(config["KAMERSTROOM_HTTP_PORT"])) == (name, port)
        assert ("/healthz", "/readyz") == (container["livenessProbe"]["httpGet"]["path"],
                                           container["readinessProbe"]["httpGet"]["path"])
    assert {"/healthz", "/readyz", "/metrics"} <= routes


def test_kubernetes_runs_each_service_by_its_command_name() -> None:
    """Each Deployment runs ``kamerstroom <service>``, a command the CLI has."""
    parser = build_parser()
    for name in SERVICES:
        args = _container(name)["args"]
        assert [name] == args
        assert name == parser.parse_args(args).command


def test_secrets_come_from_the_secret_and_grace_outlasts_the_shutdown_timeout() -> None:
    """The admin token and AMQP URL are Secret data; pods wait longer than the drain."""
    secret = _yaml(K8S / "secret.yaml")[0]
    config = _yaml(K8S / "configmap.yaml")[0]["data"]
    assert {"KAMERSTROOM_AMQP_URL", "KAMERSTROOM_ADMIN_TOKEN"} == set(secret["stringData"])
    assert not {"KAMERSTROOM_AMQP_URL", "KAMERSTROOM_ADMIN_TOKEN"} & set(config)
    for deployment in _deployments().values():
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert grace > float(config["KAMERSTROOM_SHUTDOWN_TIMEOUT"])


def test_only_one_fetcher_runs() -> None:
    """One fetcher per source: never two replicas, never two at once during a rollout."""
    fetcher = _deployments()["kamerstroom-fetcher"]["spec"]
    assert (1, "Recreate") == (fetcher["replicas"], fetcher["strategy"]["type"])


def test_compose_runs_rabbitmq_with_management_and_the_three_services() -> None:
    """Compose has the broker with its management plugin and one service per command, with health checks."""
    compose = _yaml(DEPLOY / "compose.yaml")[0]
    services = compose["services"]
    assert "management" in services["rabbitmq"]["image"]
    assert {"rabbitmq", *SERVICES} == set(services)
    for name in SERVICES:
        assert [name] == services[name]["command"]
        assert "8080" in " ".join(services[name]["healthcheck"]["test"])
        assert "service_healthy" == services[name]["depends_on"]["rabbitmq"]["condition"]


def test_dockerfile_is_slim_non_root_and_runs_the_cli() -> None:
    """One slim image, a numeric non-root user, ``kamerstroom`` as entrypoint."""
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert re.search(r"^USER 10001", text, re.M)
    assert 'ENTRYPOINT ["kamerstroom"]' in text


def test_alert_rules_use_only_metrics_the_code_exports() -> None:
    """Every kamerstroom_* name in the alert rules is defined in shared/metrics.py."""
    rules = _yaml(DEPLOY / "prometheus" / "alerts.yaml")[0]["groups"][0]["rules"]
    names = {m for r in rules for m in re.findall(r"kamerstroom_[a-z_]+", r["expr"])}
    alerts = {r["alert"] for r in rules}
    assert set() == names - _metric_names()
    assert {"KamerstroomSourceStale", "KamerstroomSourceFailing", "KamerstroomFeedDrift",
            "KamerstroomDeliveriesFailing", "KamerstroomDeadLettersGrowing"} <= alerts
