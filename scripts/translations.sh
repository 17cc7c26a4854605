#!/bin/sh
# Extract every operator-facing message into meldkamer/locale/meldkamer.pot, merge it into
# the Dutch and Papiamentu catalogues (.po) and compile them (.mo, committed).
# Usage: scripts/translations.sh [extract|update|compile|all]   (default: all)
# Fuzzy entries (unverified Papiamentu) are NOT compiled: they fall back to Dutch.
set -eu
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-$(dirname "$(command -v python3)")/pybabel}"
[ -x "$PYBABEL" ] || PYBABEL=pybabel
LOCALE=meldkamer/locale
KEYWORDS="-k tr -k N_ -k Text -k log:3 -k log_message:3 -k fail -k _fail -k MeldkamerError -k InvalidInput -k NotFound \
 -k Refused -k Conflict -k StoreError -k ReferenceDataError -k LinkProblem -k MapProblem \
 -k AlreadyInStatus -k OutcomeUnknown -k NotLoggedIn"
step="${1:-all}"
if [ "$step" = extract ] || [ "$step" = all ]; then
    # shellcheck disable=SC2086
    "$PYBABEL" extract -F babel.cfg --no-default-keywords $KEYWORDS --add-location=file \
        --no-wrap         --sort-output --project meldkamer --version 0.1 \
        --msgid-bugs-address "meldkamer developers" --copyright-holder "meldkamer developers" \
        -o "$LOCALE/meldkamer.pot.new" meldkamer ui
    # Keep the old template (and its date) when no message changed: no churn in the .po.
    if [ -f "$LOCALE/meldkamer.pot" ] && \
       grep -v '^"POT-Creation-Date' "$LOCALE/meldkamer.pot" > "$LOCALE/.old" && \
       grep -v '^"POT-Creation-Date' "$LOCALE/meldkamer.pot.new" > "$LOCALE/.new" && \
       cmp -s "$LOCALE/.old" "$LOCALE/.new"; then
        rm "$LOCALE/meldkamer.pot.new"
    else
        mv "$LOCALE/meldkamer.pot.new" "$LOCALE/meldkamer.pot"
    fi
    rm -f "$LOCALE/.old" "$LOCALE/.new"
fi
if [ "$step" = update ] || [ "$step" = all ]; then
    "$PYBABEL" update -i "$LOCALE/meldkamer.pot" -d "$LOCALE" -D meldkamer \
        --no-fuzzy-matching --ignore-obsolete --no-wrap
fi
if [ "$step" = compile ] || [ "$step" = all ]; then
    "$PYBABEL" compile -d "$LOCALE" -D meldkamer --statistics
fi
