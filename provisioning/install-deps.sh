#!/usr/bin/env bash
# Prepare this machine to run OFN Checkout from a source checkout: Debian packages, then a
# virtualenv in .venv with the project and (with --test) its test tools. Idempotent and quick on
# a second run. Used by tests/run.sh and sandbox/demo.sh (and scripted-day.sh); works as root on a fresh Debian 12.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras=""
[[ "${1:-}" == "--test" ]] && extras="[test]"

# Debian packages the project needs (the sandbox, device twins and provisioning tests add theirs here).
packages=(python3 python3-venv python3-dev gcc sqlite3 libusb-1.0-0)
# The tests also check the systemd units (systemd-analyze verify), the counter screen against the
# box's console font (console-setup-linux ships it) and in a real terminal (tmux), provision boxes
# over a real sshd (openssh-server) and check the first-boot files (cloud-init's schema, netplan's).
[[ -n "$extras" ]] && packages+=(systemd console-setup-linux tmux openssh-server cloud-init netplan.io)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "Missing Debian packages: ${missing[*]} (run this as root, or install them)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Installed for their tools only: this machine must not start running them at its next boot.
    if [[ " ${missing[*]} " == *" cloud-init "* ]]; then
        touch /etc/cloud/cloud-init.disabled
    fi
    if [[ " ${missing[*]} " == *" openssh-server "* ]] && [[ -d /run/systemd/system ]]; then
        systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
    fi
fi

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "OFN Checkout needs Python 3.11 or newer; $python is $("$python" --version 2>&1)" >&2
    exit 1
fi

venv="$root/.venv"
stamp="$venv/.installed$extras"
wanted="$(cat "$root/pyproject.toml" "$root/provisioning/constraints.txt" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "Installing OFN Checkout into $venv ..." >&2
if ! {
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --disable-pip-version-check \
        -c "$root/provisioning/constraints.txt" -e "$root$extras"
    # The provisioning tests install the app on this machine as on a box: from wheels only, so
    # they need this machine's wheelhouse, made now while the package registry is at hand.
    if [[ -n "$extras" ]]; then
        rm -rf "$venv/wheelhouse"
        "$venv/bin/ofn-checkout" provision wheelhouse --platform "$(uname -m)" \
            --python "$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --output "$venv/wheelhouse"
    fi
} >"$log" 2>&1; then
    cat "$log" >&2
    echo "Installing the Python packages failed (output above)" >&2
    exit 1
fi
echo "$wanted" > "$stamp"
