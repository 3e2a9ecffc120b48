#!/usr/bin/env bash
# From a fresh clone to a running tracker with demo data, in one command: ./scripts/quickstart.sh
#
# Creates .venv (if missing), installs the tracker, migrates the SQLite database in the instance
# folder, seeds the demo province the first time, then serves http://${HOST}:${PORT}.
# Environment: HOST (127.0.0.1), PORT (5000), TRACKER_ENV (demo), TRACKER_SCHEDULER (embedded),
# and every other TRACKER_* setting of the README (TRACKER_INSTANCE_PATH, TRACKER_DATABASE_URL …).
set -euo pipefail
cd "$(dirname "$0")/.."

export HOST="${HOST:-127.0.0.1}"
export PORT="${PORT:-5000}"

if [ ! -x .venv/bin/python ]; then
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "The tracker needs Python 3.11 or newer (python3 is $(python3 --version 2>&1))." >&2; exit 1; }
  echo "==> Creating .venv"
  python3 -m venv .venv
fi

echo "==> Installing the tracker into .venv"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .

export TRACKER_ENV="${TRACKER_ENV:-demo}"
export TRACKER_SCHEDULER="${TRACKER_SCHEDULER:-embedded}"
FLASK=.venv/bin/flask

# The set-up commands are short-lived: they need no scheduler of their own.
echo "==> Migrating the database"
TRACKER_SCHEDULER=off "$FLASK" --app tracker db upgrade

echo "==> Seeding the demo province (only into an empty database) and a training open for check-in now in each demo commune"
TRACKER_SCHEDULER=off "$FLASK" --app tracker demo --if-empty --ensure-open-trainings

echo "==> Serving the tracker at http://${HOST}:${PORT} (Ctrl+C to stop)"
exec "$FLASK" --app tracker run --host "$HOST" --port "$PORT"
