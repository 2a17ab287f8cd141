#!/usr/bin/env bash
# Fresh-clone smoke: clone this checkout into a new folder, run the README's first
# command there (its own venv, requirements.txt only, demo data) on a free port, and
# check that the login page answers, a demo login reaches the search page and the
# worker is alive; then stop both by their PIDs. Any failed step fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
git clone -q "$PWD" "$work/spa"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log="$work/start.log"
cleanup() {
  for f in "$work/spa/var/web.pid" "$work/spa/var/worker.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  [ -n "${starter:-}" ] && kill "$starter" 2>/dev/null || true
}
trap cleanup EXIT

echo "=== Fresh-clone smoke: ./start.sh in $work/spa on port $port ==="
(cd "$work/spa" && exec env -u DATABASE_URL -u REDIS_URL PORT="$port" ./start.sh) >"$log" 2>&1 &
starter=$!
up=0
for _ in $(seq 1 600); do
  if ! kill -0 "$starter" 2>/dev/null; then
    echo "start.sh exited before the site answered:" >&2
    tail -50 "$log" >&2
    exit 1
  fi
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/accounts/login/" || true)
  if [ "$code" = "200" ]; then up=1; break; fi
  sleep 1
done
[ "$up" = 1 ] || { echo "login page never answered 200" >&2; tail -50 "$log" >&2; exit 1; }
grep -q "demo1234" "$log" || { echo "start.sh printed no demo logins" >&2; exit 1; }
grep -q "Stop: Ctrl+C" "$log" || { echo "start.sh did not say how to stop it" >&2; exit 1; }

python3 .ci/smoke_login.py "http://127.0.0.1:$port" letan.q1 demo1234
python3 .ci/smoke_login.py "http://127.0.0.1:$port" chu demo1234

web_pid=$(cat "$work/spa/var/web.pid")
worker_pid=$(cat "$work/spa/var/worker.pid")
kill -0 "$worker_pid" || { echo "the worker is not running" >&2; tail -20 "$work/spa/var/worker.log" >&2; exit 1; }
kill -0 "$web_pid"
echo "web server (pid $web_pid) and worker (pid $worker_pid) are running; stopping them"
kill "$web_pid" "$worker_pid"
for _ in $(seq 1 30); do
  kill -0 "$web_pid" 2>/dev/null || kill -0 "$worker_pid" 2>/dev/null || break
  sleep 1
done
if kill -0 "$web_pid" 2>/dev/null || kill -0 "$worker_pid" 2>/dev/null; then
  echo "web server or worker did not stop" >&2
  exit 1
fi
wait "$starter" 2>/dev/null || true
rm -rf "$work"
echo "Fresh-clone smoke passed."
