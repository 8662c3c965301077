#!/usr/bin/env bash
# Prints the facts `ops setup` and `ops doctor` decide provisioning from, one `key=value` per line. Read-only: it
# changes nothing and needs no root. The same script runs on this machine, inside a test container, or on another
# box over SSH (`ssh box bash -s < scripts/provision/probe-host.sh > box.facts`, then
# `ops setup --dry-run --host-facts box.facts`).
set -u
have() { command -v "$1" >/dev/null 2>&1; }
fact() { printf '%s=%s\n' "$1" "$2"; }

if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  fact os.id "${ID:-}"
  fact os.version_id "${VERSION_ID:-}"
  fact os.pretty "${PRETTY_NAME:-}"
  fact os.version "${VERSION:-}"
fi
fact arch "$(uname -m)"
fact kernel "$(uname -r)"
[ "$(id -u)" -eq 0 ] && fact root 1
[ -d /run/systemd/system ] && fact systemd 1

# NVIDIA cards on the PCI bus (vendor 0x10de, class 0x03xxxx display controllers), with or without a driver.
pci=0
for dev in /sys/bus/pci/devices/*; do
  [ -r "$dev/vendor" ] || continue
  if [ "$(cat "$dev/vendor")" = 0x10de ] && [[ "$(cat "$dev/class" 2>/dev/null)" == 0x03* ]]; then pci=$((pci + 1)); fi
done
fact nvidia.pci_gpus "$pci"
if have nvidia-smi; then
  fact nvidia.smi "$(command -v nvidia-smi)"
  versions="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null)"
  if [ -n "$versions" ]; then
    fact nvidia.driver "$(printf '%s\n' "$versions" | head -n1 | tr -d ' ')"
    fact nvidia.smi_gpus "$(printf '%s\n' "$versions" | grep -c .)"
    fact nvidia.cuda "$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -n1)"
    # name and compute capability per GPU, one line: `name|cc;name|cc` (drivers before 510 print no compute_cap).
    fact nvidia.gpus "$(nvidia-smi --query-gpu=name,compute_cap --format=csv,noheader 2>/dev/null | sed 's/, */|/' | tr '\n' ';')"
  fi
fi
# nvidia-smi reaches the GPUs only through the loaded kernel module (/dev/nvidiactl), so a driver version from it
# means the module is loaded even where /proc/driver/nvidia is not visible (WSL2, a namespaced /proc).
if [ -r /proc/driver/nvidia/version ] || [ -n "${versions:-}" ]; then fact nvidia.module 1; fi
# Why a module did not load: the kernel's last word on nvidia (signature rejected, GPU not supported by the flavour).
kmsg="$( (dmesg 2>/dev/null || journalctl -k -b --no-pager 2>/dev/null) | grep -iE 'nvidia|NVRM' |
  grep -iE 'reject|verification failed|required key|not supported|unsigned|taint|failed' | tail -n1)"
[ -n "$kmsg" ] && fact nvidia.kmsg "$kmsg"
have dkms && fact nvidia.dkms "$(dkms status 2>/dev/null | grep -i '^nvidia' | head -n1)"

# Secure Boot: unsigned or unknown-key modules do not load while it is on.
[ -d /sys/firmware/efi ] && fact efi 1
if have mokutil; then
  fact mokutil 1
  fact secure_boot "$(mokutil --sb-state 2>&1 | head -n1)"
  for cert in /var/lib/shim-signed/mok/MOK.der /var/lib/dkms/mok.pub; do
    if [ -e "$cert" ]; then
      fact mok.cert "$cert"
      mokutil --test-key "$cert" 2>&1 | grep -q 'already enrolled' && fact mok.enrolled 1
      new="$(mokutil --list-new 2>/dev/null)"
      [ -n "$new" ] && fact mok.pending 1
      break
    fi
  done
fi

# What NVIDIA's repository offers, for checking a driver pin before anything is installed.
if have apt-cache; then
  fact apt.pinning "$(apt-cache pkgnames nvidia-driver-pinning- 2>/dev/null | sort | tr '\n' ' ')"
  fact apt.versions.open "$(apt-cache madison nvidia-open 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | tr '\n' ' ')"
  fact apt.versions.proprietary "$(apt-cache madison cuda-drivers 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | tr '\n' ' ')"
  fact apt.held "$(apt-mark showhold 2>/dev/null | grep -E 'nvidia|cuda' | tr '\n' ' ')"
fi
[ -e /etc/apt/preferences.d/ops-nvidia-driver-pin ] && fact apt.pin_file 1
if dpkg-query -W -f '${db:Status-Abbrev}' unattended-upgrades 2>/dev/null | grep -q '^ii' &&
  grep -qs 'Unattended-Upgrade "1"' /etc/apt/apt.conf.d/*; then fact unattended_upgrades 1; fi
grep -q '^nouveau ' /proc/modules 2>/dev/null && fact nouveau.loaded 1
if have dpkg-query; then
  pkgs="$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}=${Version}\n' 'cuda-drivers*' 'nvidia-open*' 'nvidia-driver*' \
    'nvidia-kernel-open-dkms' 'nvidia-container-toolkit' 'cuda-toolkit*' 'docker.io' 'docker-ce' 2>/dev/null |
    awk '$1 ~ /^.i/ {print $2}' | tr '\n' ' ')"
  fact packages "${pkgs% }"
fi
[ -e /var/run/reboot-required ] && fact reboot_required 1

if have nvcc; then
  fact cuda.toolkit "$(nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\).*/\1/p' | head -n1)"
elif [ -r /usr/local/cuda/version.json ]; then
  fact cuda.toolkit "$(sed -n 's/.*"cuda" *: *{ *"name"[^}]*"version" *: *"\([0-9.]*\)".*/\1/p' /usr/local/cuda/version.json | head -n1)"
fi
have nvidia-ctk && fact toolkit.version "$(nvidia-ctk --version 2>/dev/null | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p' | head -n1)"
for rule in /etc/udev/rules.d/71-nvidia-dev-char.rules /lib/udev/rules.d/71-nvidia-dev-char.rules; do
  [ -e "$rule" ] && fact nvidia.dev_char_rule "$rule"
done

for tool in curl gpg; do have "$tool" || missing="${missing:-} $tool"; done
[ -r /etc/ssl/certs/ca-certificates.crt ] || missing="${missing:-} ca-certificates"
fact prereq.missing "${missing:-}"

if have docker; then
  fact docker.cli "$(command -v docker)"
  server="$(docker version --format '{{.Server.Version}}' 2>/dev/null)"
  if [ -n "$server" ]; then
    fact docker.server "$server"
    fact docker.runtimes "$(docker info --format '{{range $name, $_ := .Runtimes}}{{$name}} {{end}}' 2>/dev/null)"
    fact docker.cgroup_driver "$(docker info --format '{{.CgroupDriver}}' 2>/dev/null)"
  fi
fi
if have dockerd || [ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ]; then fact docker.daemon_binary 1; fi

if have ufw; then
  fact firewall "ufw $(ufw status 2>/dev/null | sed -n 's/^Status: //p')"
elif have firewall-cmd; then
  fact firewall "firewalld $(firewall-cmd --state 2>/dev/null)"
fi
exit 0
