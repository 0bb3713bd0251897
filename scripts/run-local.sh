#!/usr/bin/env bash
# Installs what it needs, builds, and runs the service locally:
# - with no REDIS_HOST/REDIS_PORT set, it starts its own redis-server on a free port
#   in a temporary directory (stopped on exit);
# - with no JWT_SECRET set, it uses a development secret;
# - it prints how to connect a client and how to publish a test event.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build
bin="$PWD/.build/debug/superset-websocket"

free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

if [ -z "${REDIS_HOST:-}${REDIS_PORT:-}" ]; then
  redis_dir=$(mktemp -d)
  export REDIS_PORT=$(free_port 6390)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$redis_dir" --save "" --appendonly no \
    --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
  trap 'kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null; rm -rf "$redis_dir"' EXIT
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do :; done
  echo "started redis-server on 127.0.0.1:$REDIS_PORT (data in $redis_dir)"
fi
export JWT_SECRET=${JWT_SECRET:-local-development-secret-not-for-production}
export PORT=${PORT:-$(free_port 8080)}
channel=demo-channel
token=$("$bin" dev-token --channel "$channel")

cat <<TXT

superset-websocket on ws://127.0.0.1:$PORT/  (health: curl http://127.0.0.1:$PORT/health)

Connect a client for channel "$channel" (in another terminal; prints raw frames):
  curl --no-buffer -i -H 'Connection: Upgrade' -H 'Upgrade: websocket' \\
       -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \\
       -H 'Cookie: async-token=$token' 'http://127.0.0.1:$PORT/?last_id=0-0'

Publish a test event the way Superset does (XADD to both streams):
  REDIS_PORT=$REDIS_PORT JWT_SECRET='$JWT_SECRET' $bin publish --channel $channel

TXT
# Run in the background and forward TERM/INT, so that the local Redis is cleaned up
# however this script is stopped (Ctrl-C, kill, timeout).
"$bin" serve &
serve=$!
trap 'kill -TERM "$serve" 2>/dev/null' TERM INT
wait "$serve" || true
wait "$serve" 2>/dev/null || true
