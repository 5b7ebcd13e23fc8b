#!/usr/bin/env bash
# The scripted demo (`bash sandbox/demo.sh --scripted`, for a terminal without a person): a day of
# trading at the demo hub through the real till, then what a manager reads. The local OFN sandbox
# runs beside it and the sync daemon posts the sales into the lane's counter order, through an outage.
# Installs what is missing first (see provisioning/install-deps.sh). Leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/provisioning/install-deps.sh"
ofn="$root/.venv/bin/ofn-checkout"
work="$(mktemp -d)"
sandbox_pid=""
cleanup() {
    [[ -n "$sandbox_pid" ]] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export OFN_CHECKOUT_LOG_DIR="$work/logs"

echo "== The local OFN (sandbox): a demo hub, its open order cycle and one counter order per till"
mkfifo "$work/sandbox.out"
"$ofn" sandbox --data "$work/ofn" --latency-ms 20 > "$work/sandbox.out" &
sandbox_pid=$!
read -r info < "$work/sandbox.out"
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$1)" "$info"; }
echo "$info" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["api_key"]="(hidden)"; print(json.dumps(d))'
url=$(field '["url"]'); field '["api_key"]' > "$work/api.key"; chmod 600 "$work/api.key"
# This till is lane 1; the other lanes' counter orders stay out of its pickup list.
others=$(python3 -c 'import json,sys; print(json.dumps([n for k, n in json.loads(sys.argv[1])["lanes"].items() if k != "1"]))' "$info")
sed -e "s#/var/lib/ofn-checkout/demo.db#$work/till.db#" -e "s#/var/lib/ofn-checkout/demo-api.key#$work/api.key#" \
    -e "s#http://127.0.0.1:8765#$url#" -e "s#^hub_id = 1#hub_id = $(field '["hub_id"]')#" \
    -e "s#^order_cycle_id = 1#order_cycle_id = $(field '["open_order_cycle_id"]')\ncounter_order = \"$(field '["lanes"]["1"]')\"\nother_counter_orders = $others#" \
    "$root/appliance/data/demo-config.toml" > "$work/config.toml"
export OFN_CHECKOUT_CONFIG="$work/config.toml"
echo

# simulate sets up a training store (its reports and receipts say so) and runs the day on one clock
# that ends now, so the reports printed next come after every sale they count.
echo "== The day so far at the demo hub: 120 sales up to now (returns, discounts, split payments included)"
"$ofn" simulate --sales 120 --seed "${SEED:-1}" --until-now --leave-open | tail -n 5
"$ofn" sync --once >/dev/null || true   # the catalogue and the pickup orders, from OFN; the sales go up
echo
echo "== The last receipt, as the customer would get it on request"
last=$("$ofn" report x --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["last_number"])')
"$ofn" receipt show "$last"
echo
echo "== A customer collects the order she placed online, and pays what is due at the counter"
"$ofn" pickup list | awk 'NR <= 4' 
number=$("$ofn" pickup list --json | python3 -c '
import json, sys
print(next(o["number"] for o in json.load(sys.stdin) if o["status"] == "to hand over" and o["to_pay"] != "0.00" and "@" not in o["customer"]))')
due=$("$ofn" pickup show "$number" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["to_pay"])')
"$ofn" pickup show "$number"
"$ofn" pickup hand-over "$number" --cashier Zoé --pay "cash:$due"
echo
echo "== X report: the shift so far"
"$ofn" report x
echo
echo "== The manager counts the drawer and closes the shift (Z report)"
expected=$("$ofn" report x --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["cash"]["expected"] / 100)')
"$ofn" report z --counted "$expected" --cashier Manager
echo
echo "== OFN goes down for 5 seconds; the sync daemon keeps trying, then posts everything once"
"$root/.venv/bin/python" -c 'import httpx, sys; httpx.put(sys.argv[1] + "/__sandbox/faults", json={"down_for": 5})' "$url"
"$ofn" sync --once || true
"$ofn" sync --once || true
sleep 5   # the outage the demo staged; the next pass finds OFN back
"$ofn" sync --once || true
"$ofn" sync status
echo "The online order, in OFN now: $("$ofn" pickup list | grep "$number")"
parked=$("$ofn" sync status --json | python3 -c 'import json,sys; print(" ".join(str(p["variant_id"]) for p in json.load(sys.stdin)["parked"]))')
if [[ -n "$parked" ]]; then
    echo
    echo "== The manager corrects OFN's stock of what the box sold beyond it, and retries"
    "$root/.venv/bin/python" -c '
import httpx, sys
levels = {variant: 200 for variant in sys.argv[2:]}
httpx.post(sys.argv[1] + "/__sandbox/stock", json={"levels": levels})' "$url" $parked
    "$ofn" sync retry
    "$ofn" sync --once
fi
echo
echo "== Fiscal journal check and accounting export"
"$ofn" journal verify
"$ofn" journal export --from "$(date +%F)" --to "$(date +%F)" --out "$work/export.csv"
head -n 3 "$work/export.csv"
