"""Benchmarks: kamerstroom beside raw RabbitMQ and raw HTTP baselines measured in the same run.

``python -m bench [--quick] [--only NAME ...]`` runs the scenarios against the real broker
and writes ``bench/results/latest.json`` and ``bench/results/latest.md``. See
``docs/performance.md`` for what each scenario measures and what the figures mean.
"""
