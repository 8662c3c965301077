#!/usr/bin/env bash
# Makes the Docker daemon that scripts/ensure-docker.sh started accept `--gpus` on a machine without NVIDIA's
# toolkit, for the simulated GPU host test tier (test/gpu-sim/README.md): the daemon is restarted once with the
# stand-in nvidia-container-runtime-hook on its PATH (dockerd registers its `nvidia` device driver only when that
# executable is on its PATH at start, moby daemon/nvidia_linux.go) and the stand-in runtime registered as `nvidia`
# (what `nvidia-ctk runtime configure` does). Idempotent: a daemon that already accepts `--gpus` is left alone.
# Never touches a daemon ops did not start: under systemd, or a dockerd started some other way, it says why the
# tier is skipped and exits 0. Where NVIDIA's real toolkit is installed it changes nothing.
#   exit 0: --gpus works, or the tier is skipped (message says why)   exit 1: a restart was tried and failed
# With --restart it restarts that same daemon even when it already accepts --gpus, as a reboot would (journey 6,
# test/journeys/box-restart.e2e.test.ts): containers with a restart policy come back by themselves. The same
# ownership checks apply; exit 3 says the daemon is not ops's to restart (the message says why). With --restart
# --check it only answers whether it would (exit 0) or why not (exit 3), and changes nothing.
set -euo pipefail

RESTART=0 CHECK_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --restart) RESTART=1 ;;
    --check) CHECK_ONLY=1 ;;
    *)
      printf 'usage: %s [--restart [--check]]\n' "$0" >&2
      exit 2
      ;;
  esac
done

SOURCE_DIR="$(cd "$(dirname "$0")/../test/gpu-sim/toolkit" && pwd)"
# Installed outside the checkout: the daemon runs the hook for every GPU container, long after this script.
SIM_DIR="${OPS_GPU_SIM_DIR:-/usr/local/lib/ops-gpu-sim}"
LOG_FILE="${OPS_DOCKERD_LOG:-/var/log/ops-dockerd.log}"
PID_FILE=/var/run/docker.pid
WAIT_SECONDS="${OPS_DOCKER_WAIT_SECONDS:-60}"
PROBE_IMAGE=ops/gpu-sim-probe:empty

say() { printf 'ensure-gpu-sim-docker: %s\n' "$*" >&2; }
skip() {
  if [ "$RESTART" -eq 1 ]; then
    say "not restarting the Docker daemon: $*"
    exit 3
  fi
  say "simulated GPU host tier skipped: $*"
  exit 0
}
fail() {
  say "error: $*"
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }
docker_answers() { have docker && docker info >/dev/null 2>&1; }

# `docker run --gpus all` on an empty image: without an nvidia device driver the daemon refuses the request
# ("could not select device driver"); with one it builds the container and only fails to find the program.
daemon_offers_gpus() {
  docker image inspect "$PROBE_IMAGE" >/dev/null 2>&1 ||
    tar -cf - -T /dev/null | docker import -c 'LABEL ops.managed=true ops.role=gpu-sim-probe' - "$PROBE_IMAGE" >/dev/null
  local said
  said="$(docker run --rm --gpus all --network none "$PROBE_IMAGE" /ops-gpu-sim-probe 2>&1 || true)"
  [[ "$said" != *"could not select device driver"* ]]
}

# A real toolkit is the real thing: the same tests then run against it (and real nvidia-smi).
hook="$(command -v nvidia-container-runtime-hook 2>/dev/null || true)"
if [ -n "$hook" ] && [ "$(dirname "$(readlink -f "$hook")")" != "$(readlink -f "$SIM_DIR" 2>/dev/null || echo "$SIM_DIR")" ]; then
  [ "$RESTART" -eq 0 ] || skip "NVIDIA's container toolkit is installed ($hook): this is not the simulated host's daemon"
  say "NVIDIA's container toolkit is installed ($hook): nothing to simulate"
  exit 0
fi
docker_answers || fail "docker does not answer (run scripts/ensure-docker.sh first)"

# The stand-ins the daemon runs (refreshed on every run: the hook is looked up per container, no restart needed),
# and what the hook puts into GPU containers: the nvidia-smi stand-in with one RTX 4090's report.
install_stand_ins() {
  mkdir -p "$SIM_DIR/inject"
  install -m 0755 "$SOURCE_DIR/nvidia-container-runtime-hook" "$SOURCE_DIR/nvidia-container-runtime" "$SIM_DIR/"
  install -m 0755 "$SOURCE_DIR/../bin/nvidia-smi" "$SIM_DIR/inject/nvidia-smi"
  install -m 0644 "$SOURCE_DIR/../../fixtures/nvidia-smi/rtx-4090-550.xml" "$SIM_DIR/inject/nvidia-smi.xml"
  # A container given N devices by index sees N cards (the hook picks the report by NVIDIA_VISIBLE_DEVICES).
  install -m 0644 "$SOURCE_DIR/../../fixtures/nvidia-smi/rtx-4090-x2-535.xml" "$SIM_DIR/inject/nvidia-smi-2gpu.xml"
  install -m 0644 "$SOURCE_DIR/../../fixtures/nvidia-smi/h100-sxm-x8-550.xml" "$SIM_DIR/inject/nvidia-smi-8gpu.xml"
}
[ "$(id -u)" -ne 0 ] || [ ! -d "$SIM_DIR" ] || install_stand_ins
if [ "$RESTART" -eq 0 ] && daemon_offers_gpus; then
  say "the Docker daemon already accepts --gpus"
  exit 0
fi

# Whose daemon is it? Only one started by ops (setsid nohup dockerd, scripts/ensure-docker.sh) is ours to restart.
[ "$(id -u)" -eq 0 ] || skip "restarting the Docker daemon needs root (run: sudo $0)"
[ -d /run/systemd/system ] && skip "the Docker daemon is managed by systemd, not started by ops; install NVIDIA's container toolkit to test GPUs here"
[ -f "$PID_FILE" ] || skip "no $PID_FILE: this Docker daemon was not started by ops"
pid="$(cat "$PID_FILE")"
[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || skip "$PID_FILE does not name a running dockerd"
[ -f "$LOG_FILE" ] || skip "no $LOG_FILE: this Docker daemon was not started by scripts/ensure-docker.sh"
# As scripts/ensure-docker.sh starts it, or as this script restarts it.
cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
[ "$cmdline" = "dockerd " ] || [ "$cmdline" = "dockerd --add-runtime nvidia=$SIM_DIR/nvidia-container-runtime " ] ||
  skip "dockerd runs with options ops did not give it ($cmdline); not restarting it"

if [ "$CHECK_ONLY" -eq 1 ]; then
  say "dockerd (pid $pid) was started by ops and may be restarted"
  exit 0
fi
install_stand_ins

say "restarting dockerd (pid $pid) with the stand-in NVIDIA hook on its PATH (log: $LOG_FILE)"
kill -TERM "$pid"
waited=0
while kill -0 "$pid" 2>/dev/null; do
  [ "$waited" -lt "$WAIT_SECONDS" ] || fail "dockerd (pid $pid) did not stop within ${WAIT_SECONDS}s"
  sleep 1
  waited=$((waited + 1))
done
# Same form as scripts/ensure-docker.sh (own session, so a Ctrl-C on make does not stop it), plus the stand-ins.
PATH="$SIM_DIR:$PATH:/usr/sbin:/sbin" setsid nohup dockerd --add-runtime "nvidia=$SIM_DIR/nvidia-container-runtime" \
  >>"$LOG_FILE" 2>&1 </dev/null &
started=$!
waited=0
until docker_answers; do
  kill -0 "$started" 2>/dev/null || {
    tail -n 20 "$LOG_FILE" >&2
    fail "dockerd exited during startup (log: $LOG_FILE)"
  }
  [ "$waited" -lt "$WAIT_SECONDS" ] || fail "docker did not answer within ${WAIT_SECONDS}s"
  sleep 1
  waited=$((waited + 1))
done
daemon_offers_gpus || fail "dockerd restarted but still refuses --gpus (log: $LOG_FILE)"
say "docker accepts --gpus (stand-in hook in $SIM_DIR)"
