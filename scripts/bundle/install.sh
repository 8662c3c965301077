#!/bin/sh
# Starts `ops bundle install` on a machine that has no ops yet (and no network): unpacks ops, its packages and node
# from the bundle, checks them against the bundle's SHA256SUMS, and runs the install with them, which then verifies
# every other part itself. Written into every bundle that carries ops, as parts/install.sh:
#   tar -xf box.ops-bundle parts/install.sh && sh parts/install.sh box.ops-bundle [ops bundle install options]
set -eu
[ $# -ge 1 ] || { echo "usage: sh parts/install.sh BUNDLE [ops bundle install options]" >&2; exit 2; }
bundle=$(readlink -f "$1"); shift
work=$(mktemp -d)
tar -xf "$bundle" -C "$work" SHA256SUMS parts/ops/ops.tgz parts/ops/node_modules.tar parts/ops/node
if ! (cd "$work" && grep ' parts/ops/' SHA256SUMS | sha256sum -c --quiet -); then
  echo "install.sh: ops's own parts in $bundle are damaged; nothing was installed" >&2
  exit 5
fi
mkdir -p "$work/ops"
tar -xzf "$work/parts/ops/ops.tgz" -C "$work/ops" --strip-components=1
tar -xf "$work/parts/ops/node_modules.tar" -C "$work/ops"
chmod 755 "$work/parts/ops/node"
exec "$work/parts/ops/node" "$work/ops/bin/ops.js" bundle install "$bundle" "$@"
