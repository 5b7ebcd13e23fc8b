#!/usr/bin/env bash
# Run every test: installs what is missing first (see provisioning/install-deps.sh).
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k journal`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/provisioning/install-deps.sh" --test
cd "$root"
exec .venv/bin/python -m pytest -n auto -p no:cacheprovider "$@"
