#!/usr/bin/env bash
# Run the product on this computer: embedded SQLite, migrated, with a demo spa.
#   ./start.sh            -> http://127.0.0.1:8000
#   PORT=8080 ./start.sh  -> another port
# Environment: PORT, HOST, WEB_WORKERS, DATABASE_URL (see README), NO_DEMO=1 to skip demo data.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}

# PDFs (course of treatment) are drawn by WeasyPrint, which needs Pango; Chinese
# names need a CJK font. Installed from Debian's packages only when missing.
bin/debian-packages libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
  fonts-noto-cjk || echo "Printing PDFs will not work until those packages are installed."
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt

mkdir -p var
if [ ! -f .env ]; then
  # First run: this installation's own secrets. Keep .env safe and backed up:
  # without FIELD_ENCRYPTION_KEYS the health data cannot be read.
  secret=$(.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))")
  field_key=$(.venv/bin/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")
  umask 077
  printf 'SECRET_KEY=%s\nFIELD_ENCRYPTION_KEYS=%s\n' "$secret" "$field_key" > .env
  echo "Wrote .env with a new SECRET_KEY and FIELD_ENCRYPTION_KEYS (back it up)."
fi

.venv/bin/python manage.py migrate --noinput -v0
# The reports' rollups of records that were there before the reports existed (once).
.venv/bin/python manage.py rollups_rebuild --if-empty
.venv/bin/python manage.py collectstatic --noinput -v0
if [ "${NO_DEMO:-0}" != "1" ]; then
  .venv/bin/python manage.py seed_demo --if-empty
fi

host=${HOST:-127.0.0.1}
port=${PORT:-8000}

# The background worker (reminders, agendas) runs beside the web server; both stop
# together. For a chain, run workers as services of their own (see README).
.venv/bin/python manage.py run_huey --workers 2 --worker-type thread >var/worker.log 2>&1 &
worker=$!
echo "$worker" > var/worker.pid
stop() {
  kill "$worker" 2>/dev/null
  wait "$worker" 2>/dev/null
  rm -f var/worker.pid
}
trap stop EXIT INT TERM
echo
echo "Open http://$host:$port   Worker log: var/worker.log"
echo "Stop: Ctrl+C here, or: kill \$(cat var/web.pid)   (the worker stops with it)"
.venv/bin/gunicorn config.wsgi --bind "$host:$port" --workers "${WEB_WORKERS:-2}" \
  --pid var/web.pid --access-logfile - --error-logfile -
