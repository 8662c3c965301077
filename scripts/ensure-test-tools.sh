#!/usr/bin/env bash
# Tools the tests need beyond Docker (scripts/ensure-docker.sh): tmux, which drives `ops setup` in a real terminal
# (test/setup/setup-tmux.e2e.test.ts); chromium, whose headless screenshots check the HTML report and
# `ops tco --format html` (test/report/html-screenshot.e2e.test.ts); iproute2 (`ip netns`) and nftables, which seal
# the zero-egress test's network namespace and record every packet that tries to leave it (test/egress/).
# Idempotent: returns at once when everything is there. Packages come from the
# host's own apt sources.
set -euo pipefail
say() { printf 'ensure-test-tools: %s\n' "$*" >&2; }
missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
[ "${#missing[@]}" -eq 0 ] && exit 0
[ "$(id -u)" -eq 0 ] || { say "needs root to install ${missing[*]} (run: sudo $0)"; exit 1; }
command -v apt-get >/dev/null 2>&1 || { say "no apt-get; install ${missing[*]} by hand"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
say "installing ${missing[*]}"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
