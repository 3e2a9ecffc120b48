#!/usr/bin/env bash
# Refresh the message catalogues: ./scripts/i18n.sh  (extract → update vi → compile)
# Translate the new entries in tracker/translations/vi/LC_MESSAGES/messages.po, then run it again.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin
mkdir -p tracker/translations
"$py/pybabel" extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
  --project=tracker -o tracker/translations/messages.pot .
if [ -f tracker/translations/vi/LC_MESSAGES/messages.po ]; then
  "$py/pybabel" update -i tracker/translations/messages.pot -d tracker/translations -l vi --no-fuzzy-matching --ignore-obsolete
else
  "$py/pybabel" init -i tracker/translations/messages.pot -d tracker/translations -l vi
fi
"$py/pybabel" compile -d tracker/translations
