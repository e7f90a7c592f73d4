"""One Prometheus text exposition from this process's registry and a child process's.

``kamerstroom run`` with the parser in a child process serves one ``/metrics``: its own
families, and the child's samples with ``process="<name>"`` added. Both processes define
the same families (``shared.metrics``, prometheus-client's ``process_*`` and ``python_*``),
so each family is written once, with the samples of both; the label keeps them apart, so
no series is ever written twice. Process metrics (``process_cpu_seconds_total``,
``process_resident_memory_bytes``, ...) stay per process: ``sum without (process)`` gives
the whole of ``run``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import prometheus_client
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector, CollectorRegistry

# The label that names the child process on its samples.
PROCESS_LABEL = "process"


def merge(own: str, child: str, process: str) -> bytes:
    """``own`` exposition with ``child``'s samples added under ``process="<process>"``.

    Families keep ``own``'s order, the child's other families follow; a family's help and
    type are ``own``'s when both have it. Raises ``ValueError`` if either text does not parse.
    """
    families = {family.name: family for family in text_string_to_metric_families(own)}
    for family in text_string_to_metric_families(child):
        target = families.setdefault(family.name, _empty_like(family))
        target.samples.extend(sample._replace(labels={**sample.labels, PROCESS_LABEL: process})
                              for sample in family.samples)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families.values()))
    return prometheus_client.generate_latest(registry)


def _empty_like(family: Metric) -> Metric:
    return Metric(family.name, family.documentation, family.type, family.unit)


class _Families(Collector):
    """A collector that yields families already collected (here: parsed)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)
