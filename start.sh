#!/usr/bin/env bash
# Run the product on this computer: embedded SQLite, migrated, with a demo spa.
#   ./start.sh            -> http://127.0.0.1:8000
# Environment: PORT, HOST, WEB_WORKERS, DATABASE_URL (see README), NO_DEMO=1 to skip demo data.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}

# PDFs (course of treatment) are drawn by WeasyPrint, which needs Pango; Chinese
# names need a CJK font. Installed from Debian's packages when missing.
if command -v apt-get >/dev/null && { ! ldconfig -p | grep -q libpango-1.0 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "Installing Pango and fonts for PDF printing (apt-get)…"
  { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk >/dev/null; } \
    || echo "Could not install them: printing PDFs will not work until they are installed."
fi
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
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT INT TERM
echo
echo "Open http://$host:$port  (Ctrl+C to stop). Worker log: var/worker.log"
.venv/bin/gunicorn config.wsgi --bind "$host:$port" --workers "${WEB_WORKERS:-2}" \
  --access-logfile - --error-logfile -
