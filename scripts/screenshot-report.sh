#!/usr/bin/env bash
# Takes a PNG screenshot of a `burstplane report` HTML page with Debian's headless Chromium.
#
# Usage: scripts/screenshot-report.sh REPORT.html OUT.png [WIDTH,HEIGHT]
#
# WIDTH,HEIGHT is the window size in px (default 1400,4000); the page is cut at HEIGHT. The
# CHROMIUM variable names another Chromium binary (default: chromium on the PATH).
# Chromium loads only the file:// page: the flags turn off its background requests (updates,
# sync, QUIC), and the report references no other resource. Install Chromium with
# `apt-get update && apt-get install -y chromium`.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTH,HEIGHT]" >&2
    exit 2
fi
report=$1
out=$2
window=${3:-1400,4000}

if [[ ! -f "$report" ]]; then
    echo "error: report $report not found; expected the HTML file that \`burstplane report\` wrote" >&2
    exit 1
fi
if [[ ! "$window" =~ ^[0-9]+,[0-9]+$ ]]; then
    echo "error: invalid window size \`$window\`; expected WIDTH,HEIGHT in px, such as 1400,4000" >&2
    exit 2
fi
chromium=${CHROMIUM:-chromium}
if ! command -v "$chromium" >/dev/null 2>&1; then
    echo "error: $chromium not found; install it with \`apt-get update && apt-get install -y chromium\`" >&2
    exit 1
fi

report_path=$(realpath "$report")
out_dir=$(dirname "$out")
if [[ ! -d "$out_dir" ]]; then
    echo "error: output folder $out_dir not found; create it first" >&2
    exit 1
fi
out_path="$(realpath "$out_dir")/$(basename "$out")"
# Percent-encode the characters that would end or change a file:// URL's path.
url_path=${report_path//%/%25}
url_path=${url_path// /%20}
url_path=${url_path//#/%23}
url_path=${url_path//\?/%3F}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$out_path"

# Chromium prints its own start-up noise on stderr; keep it for a failure message only.
log="$profile/chromium.log"
if ! "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --window-size="$window" \
    --screenshot="$out_path" "file://$url_path" >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: chromium failed to take the screenshot of $report_path" >&2
    exit 1
fi
if [[ ! -s "$out_path" ]]; then
    cat "$log" >&2
    echo "error: chromium wrote no screenshot to $out_path" >&2
    exit 1
fi
echo "wrote $out_path"
