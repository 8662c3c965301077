#!/usr/bin/env bash
# Makes a Docker daemon available on a Debian/Ubuntu host, and debootstrap (used by `ops images build`).
# Idempotent: when `docker info` already works and debootstrap is installed it changes nothing and returns at once.
# Used by `make test` and `make demo` on a fresh machine. Packages come from the host's own apt sources.
#   exit 0: docker answers (and debootstrap is present)   exit 1: could not make it so (message says why)
set -euo pipefail

LOG_FILE="${OPS_DOCKERD_LOG:-/var/log/ops-dockerd.log}"
WAIT_SECONDS="${OPS_DOCKER_WAIT_SECONDS:-60}"

say() { printf 'ensure-docker: %s\n' "$*" >&2; }
fail() {
  say "error: $*"
  exit 1
}

have() { command -v "$1" >/dev/null 2>&1; }
# sbin is not on PATH for every shell; debootstrap lives there.
have_debootstrap() { have debootstrap || [ -x /usr/sbin/debootstrap ] || [ -x /sbin/debootstrap ]; }
have_dockerd() { have dockerd || [ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ]; }
docker_answers() { have docker && docker info >/dev/null 2>&1; }
# sd_booted(3): systemd is PID 1 exactly when /run/systemd/system exists; ps may not be installed.
systemd_is_init() { [ -d /run/systemd/system ]; }
dockerd_running() { [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; }

missing_packages() {
  local missing=()
  if ! docker_answers; then
    if ! have_dockerd; then
      missing+=(docker.io)
    elif ! have docker; then
      missing+=(docker-cli)
    fi
  fi
  have_debootstrap || missing+=(debootstrap)
  echo "${missing[@]:-}"
}

install_packages() {
  local packages=("$@")
  [ "$(id -u)" -eq 0 ] || fail "needs root to install ${packages[*]} (run: sudo $0)"
  have apt-get || fail "no apt-get here; install ${packages[*]} with this system's package manager"
  export DEBIAN_FRONTEND=noninteractive
  # Update the package lists only when there are none yet, or when the install fails on stale ones.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    say "apt-get update"
    apt-get update -qq || fail "apt-get update failed (see above); check the apt sources and the network"
  fi
  # Newer Debian (trixie, sid) and Ubuntu ship the docker CLI in its own package, docker-cli; older docker.io has it.
  if [[ " ${packages[*]} " == *" docker.io "* ]] && apt-cache show docker-cli >/dev/null 2>&1; then
    packages+=(docker-cli)
  fi
  say "installing ${packages[*]}"
  if ! apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; then
    say "install failed; refreshing package lists and retrying"
    apt-get update -qq || fail "apt-get update failed (see above); check the apt sources and the network"
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null ||
      fail "apt-get install ${packages[*]} failed (see above)"
  fi
}

start_daemon() {
  local started_pid="" waited=0
  if [ "$(id -u)" -ne 0 ]; then
    local answer
    answer="$(docker info 2>&1 || true)"
    if [[ "$answer" == *"permission denied"* ]]; then
      fail "docker runs but this user may not use it (run: sudo usermod -aG docker $USER, then log in again)"
    fi
    fail "docker is installed but not answering, and starting it needs root (run: sudo $0)"
  fi
  if systemd_is_init; then
    say "systemctl start docker"
    systemctl start docker || fail "systemctl start docker failed (see: journalctl -u docker)"
  elif dockerd_running; then
    say "dockerd is running but not answering yet; waiting"
  else
    say "starting dockerd in the background (log: $LOG_FILE)"
    mkdir -p "$(dirname "$LOG_FILE")"
    # Own session, so a Ctrl-C on the make that started it does not stop the daemon too.
    PATH="$PATH:/usr/sbin:/sbin" setsid nohup dockerd >>"$LOG_FILE" 2>&1 </dev/null &
    started_pid=$!
  fi
  until docker_answers; do
    if [ -n "$started_pid" ] && ! kill -0 "$started_pid" 2>/dev/null; then
      [ -f "$LOG_FILE" ] && tail -n 20 "$LOG_FILE" >&2
      fail "dockerd exited during startup (log: $LOG_FILE)"
    fi
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      [ -f "$LOG_FILE" ] && tail -n 20 "$LOG_FILE" >&2
      fail "docker did not answer within ${WAIT_SECONDS}s"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "docker is up (${waited}s)"
}

read -r -a packages <<<"$(missing_packages)"
if [ "${#packages[@]}" -gt 0 ]; then
  install_packages "${packages[@]}"
fi
docker_answers || start_daemon
have docker || fail "the docker CLI is still missing after installing docker.io"
exit 0
