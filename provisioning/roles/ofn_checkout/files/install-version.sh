#!/bin/sh
# Install one version of OFN Checkout into a virtual environment of its own, from wheels only:
# the box needs no package registry. Bytecode is compiled now, once, because the services run on
# a read-only system (ProtectSystem=strict) and could never write it.
#   install-version.sh PYTHON TARGET RELEASE_DIR WHEEL_NAME
set -eu
python=$1
target=$2
release=$3
wheel=$4

rm -rf "$target"
"$python" -m venv --without-pip "$target"
# pip runs from its own wheel (sqlite-utils needs pip, so the wheelhouse always has it).
pip_wheel=$(ls "$release"/wheels/pip-*.whl | head -n 1)
"$target/bin/python" "$pip_wheel/pip" install --quiet --disable-pip-version-check --no-cache-dir \
    --no-index --find-links "$release/wheels" "$release/wheels/$wheel"
"$target/bin/python" -m compileall -q -j 0 "$target/lib" >/dev/null
cp -R "$release/docs" "$target/docs"
"$target/bin/ofn-checkout" --version >/dev/null
# Versions with the counter screen (`ofn-checkout run`) get the kiosk unit switched on.
if "$target/bin/ofn-checkout" run --help >/dev/null 2>&1; then
    touch "$target/.counter-screen"
fi
touch "$target/.installed"
