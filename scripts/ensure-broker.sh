#!/usr/bin/env bash
# Make sure a RabbitMQ broker answers at KAMERSTROOM_AMQP_URL (default 127.0.0.1:5672).
# If none answers and rabbitmq-server is installed, start it and wait until it is up.
# With --install (CI), install Debian's rabbitmq-server first when it is missing.
set -euo pipefail

url="${KAMERSTROOM_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}"
hostport=$(python3 - "$url" <<'PY'
import sys
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
print(f"{u.hostname or '127.0.0.1'} {u.port or 5672}")
PY
)
read -r host port <<<"$hostport"

answers() { python3 -c "import socket,sys; socket.create_connection(('$host', $port), timeout=2).close()" 2>/dev/null; }

if answers; then exit 0; fi

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if [ "${1:-}" = "--install" ]; then
    echo "installing rabbitmq-server (Debian package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq rabbitmq-server >/dev/null
  else
    echo "no RabbitMQ broker answers at $host:$port: install one (apt-get install rabbitmq-server) or set KAMERSTROOM_AMQP_URL" >&2
    exit 1
  fi
fi

case "$host" in
  127.*|localhost|::1) ;;
  *) echo "no RabbitMQ broker answers at $host:$port (not a local broker, not starting one)" >&2; exit 1 ;;
esac

echo "starting rabbitmq-server" >&2
rabbitmq-server -detached >/dev/null 2>&1 || true
# await_startup fails with status 69 until the node has registered: retry for a while.
for _ in $(seq 1 30); do
  if rabbitmqctl await_startup --timeout 60 >/dev/null 2>&1 && answers; then exit 0; fi
  sleep 2
done
echo "rabbitmq-server did not come up at $host:$port" >&2
exit 1
