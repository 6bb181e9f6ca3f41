#!/usr/bin/env bash
# Opens a report in headless Chromium: saves a screenshot and the DOM as the browser built it.
#
#   tests/scripts/report_screenshot.sh REPORT_HTML SCREENSHOT_PNG DOM_HTML [WIDTH,HEIGHT]
#
# Needs Chromium (Debian: apt-get install chromium). Uses a fresh profile and no network.
set -euo pipefail
report=$(realpath "$1")
shot=$(realpath -m "$2")
dom=$(realpath -m "$3")
size=${4:-1280,2400}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "no Chromium found (Debian: apt-get install chromium)" >&2
    exit 3
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run
       --disable-component-update --disable-sync --hide-scrollbars
       --user-data-dir="$profile" --window-size="$size")
"$browser" "${flags[@]}" --screenshot="$shot" "file://$report" >/dev/null 2>&1
"$browser" "${flags[@]}" --dump-dom "file://$report" > "$dom" 2>/dev/null
test -s "$shot" && test -s "$dom"
