#!/usr/bin/env bash
# The demo: the counter screen against the local OFN sandbox, with a simulated scale and printer,
# in this terminal (`ofn-checkout demo`). Installs what is missing first (see
# provisioning/install-deps.sh). Options go to `ofn-checkout demo`: `--data DIR` keeps the store,
# logs and receipts in DIR; `--scripted` runs a scripted day of trading instead (no person needed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/provisioning/install-deps.sh"
exec "$root/.venv/bin/ofn-checkout" demo "$@"
