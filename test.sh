#!/usr/bin/env bash
# Run the whole test suite (lint, migrations check, unit, page, race and browser tests).
#   ./test.sh                                   -> on embedded SQLite
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres ./test.sh   -> on PostgreSQL
# Extra arguments go to pytest (e.g. ./test.sh -k search).
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
# WeasyPrint (PDFs) needs Pango. Installed from Debian's packages only when missing.
bin/debian-packages chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 \
  libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk

export DJANGO_SETTINGS_MODULE=config.settings_test
.venv/bin/ruff check .
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "Model changes without a migration: run manage.py makemigrations" >&2; exit 1; }
exec .venv/bin/pytest "$@"
