"""The deployment files parse and name what the code names (queues, env vars, ports, paths).

No container engine runs here, so this is the check that ``deploy/`` cannot silently
drift from the code: topology from ``shared/messaging/topology.py``, settings from
``shared/config.py``, routes from ``shared/http.py``, metrics from ``shared/metrics.py``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
STATEFUL = ("fetcher", "publisher")  # the services with stores: two replicas on PostgreSQL
DATABASE_URL = "KAMERSTROOM_DATABASE_URL"
ENV_NAME = re.compile(r"\bKAMERSTROOM_[A-Z_]+\b")


def _yaml(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _deployments() -> dict[str, dict[str, Any]]:
    docs = [d for f in sorted(K8S.glob("*.yaml")) for d in _yaml(f)]
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}


def _pod(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = _deployments()[f"kamerstroom-{name}"]["spec"]["template"]["spec"]
    return spec


def _container(name: str) -> dict[str, Any]:
    container: dict[str, Any] = _pod(name)["containers"][0]
    return container


def _subcommands() -> set[str]:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(commands.choices)


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
    assert {"KAMERSTROOM_AMQP_URL", "KAMERSTROOM_ADMIN_TOKEN", DATABASE_URL} <= used


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
    """The admin token and the AMQP and database URLs (passwords) are Secret data, never
    ConfigMap data; pods wait longer than the drain."""
    secret = _yaml(K8S / "secret.yaml")[0]
    config = _yaml(K8S / "configmap.yaml")[0]["data"]
    secrets = {"KAMERSTROOM_AMQP_URL", "KAMERSTROOM_ADMIN_TOKEN", DATABASE_URL}
    assert secrets == set(secret["stringData"])
    assert secret["stringData"][DATABASE_URL].startswith("postgresql://")
    assert not secrets & set(config)
    for deployment in _deployments().values():
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert grace > float(config["KAMERSTROOM_SHUTDOWN_TIMEOUT"])


def test_fetcher_and_publisher_run_two_rolling_replicas_without_a_data_volume() -> None:
    """On PostgreSQL two fetchers (one polls, holding the lease) and two publishers run, and
    roll without a gap (a new pod is up before an old one goes); no pod claims a volume."""
    for name in STATEFUL:
        spec = _deployments()[f"kamerstroom-{name}"]["spec"]
        assert (name, 2, "RollingUpdate") == (name, spec["replicas"], spec["strategy"]["type"])
        assert 0 == spec["strategy"]["rollingUpdate"]["maxUnavailable"]
    claims = [d for f in K8S.glob("*.yaml") for d in _yaml(f) if d["kind"] == "PersistentVolumeClaim"]
    volumes = [v for name in SERVICES for v in _pod(name)["volumes"]]
    assert [] == claims
    assert [] == [v["name"] for v in volumes if "persistentVolumeClaim" in v]


def test_an_init_container_upgrades_the_schema_before_each_stateful_service() -> None:
    """``kamerstroom db upgrade`` runs first in every fetcher and publisher pod, from the
    service's own image and with its configuration and Secret."""
    for name in STATEFUL:
        [init] = _pod(name)["initContainers"]
        container = _container(name)
        assert ["db", "upgrade"] == init["args"]
        assert (container["image"], container["envFrom"]) == (init["image"], init["envFrom"])
        assert init["securityContext"]["readOnlyRootFilesystem"]
    assert "db" == build_parser().parse_args(["db", "upgrade"]).command


def test_compose_runs_rabbitmq_with_management_and_the_three_services() -> None:
    """Compose has the broker with its management plugin, PostgreSQL, the migration and one
    service per command, with health checks."""
    compose = _yaml(DEPLOY / "compose.yaml")[0]
    services = compose["services"]
    assert "management" in services["rabbitmq"]["image"]
    assert {"rabbitmq", "postgres", "migrate", *SERVICES} == set(services)
    for name in SERVICES:
        assert [name] == services[name]["command"]
        assert "8080" in " ".join(services[name]["healthcheck"]["test"])
        assert "service_healthy" == services[name]["depends_on"]["rabbitmq"]["condition"]


def test_compose_keeps_every_store_in_postgresql_migrated_before_the_services() -> None:
    """PostgreSQL 15 with a health check and a volume; ``db upgrade`` runs once it is healthy,
    and every service starts after that, with the same database URL."""
    services = _yaml(DEPLOY / "compose.yaml")[0]["services"]
    postgres, migrate = services["postgres"], services["migrate"]
    assert postgres["image"].startswith("postgres:15")
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert ["db", "upgrade"] == migrate["command"]
    assert "service_healthy" == migrate["depends_on"]["postgres"]["condition"]
    url = migrate["environment"][DATABASE_URL]
    assert "postgres" == urlsplit(url).hostname and url.startswith("postgresql://")
    for name in SERVICES:
        assert (name, url) == (name, services[name]["environment"][DATABASE_URL])
        depends = {k: v["condition"] for k, v in services[name]["depends_on"].items()}
        assert {"postgres": "service_healthy", "migrate": "service_completed_successfully"
                }.items() <= depends.items()
        assert not any(v.endswith(":/var/lib/kamerstroom") for v in services[name].get("volumes", []))


def test_compose_runs_two_fetchers_and_two_publishers_each_with_a_host_port() -> None:
    """Two replicas of each stateful service, and a host port range wide enough for both
    (a single host port would stop the second replica from starting)."""
    services = _yaml(DEPLOY / "compose.yaml")[0]["services"]
    for name in STATEFUL:
        assert (name, 2) == (name, services[name]["deploy"]["replicas"])
        [mapping] = services[name]["ports"]
        first, last = mapping.split(":")[1].split("-")
        assert 2 == int(last) - int(first) + 1


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
