#!/usr/bin/env bash
# The demo: a day of trading at the demo hub through the real till, then what a manager reads.
# (The full-screen till UI and the local OFN sandbox join this demo as they land.)
# Installs what is missing first (see provisioning/install-deps.sh). Leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/provisioning/install-deps.sh"
ofn="$root/.venv/bin/ofn-checkout"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OFN_CHECKOUT_LOG_DIR="$work/logs"
sed -e "s#/var/lib/ofn-checkout/demo.db#$work/till.db#" -e "s#/var/lib/ofn-checkout/demo-api.key#$work/api.key#" \
    "$root/appliance/data/demo-config.toml" > "$work/config.toml"
export OFN_CHECKOUT_CONFIG="$work/config.toml"

echo "== A morning at the demo hub: 120 sales (returns, discounts, split payments included)"
"$ofn" simulate --sales 120 --seed "${SEED:-1}" --start "$(date +%F)T09:00" --leave-open | tail -n 5
echo
echo "== The last receipt, as the customer would get it on request"
last=$("$ofn" report x --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["last_number"])')
"$ofn" receipt show "$last"
echo
echo "== X report: the shift so far"
"$ofn" report x
echo
echo "== The manager counts the drawer and closes the shift (Z report)"
expected=$("$ofn" report x --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["cash"]["expected"] / 100)')
"$ofn" report z --counted "$expected" --cashier Manager
echo
echo "== Fiscal journal check and accounting export"
"$ofn" journal verify
"$ofn" journal export --from "$(date +%F)" --to "$(date +%F)" --out "$work/export.csv"
head -n 3 "$work/export.csv"
