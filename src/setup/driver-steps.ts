import { aptInstall, aptInstallDir, aptTool, shellQuote } from './apt-commands.js';
import {
  APT_PREFERENCES_FILE,
  aptPreferencesText,
  type PinResolution,
  resolveDriverPin,
} from './driver-pin.js';
import type { HostFacts } from './host-facts.js';
import { explainModuleNotLoaded } from './module-diagnosis.js';
import {
  cudaKeyring,
  DRIVER_DOC,
  DRIVER_PACKAGE,
  DRIVER_PACKAGE_PREFIXES,
  hasGpu,
  installedDriver,
  KERNEL_MODULES_DOC,
  noGpu,
  VERSION_LOCKING_DOC,
} from './nvidia-repo.js';
import type { ProvisionOptions, ProvisionStep, StepCheck } from './provision-types.js';
import { MOK_NEXT_BOOT, mokEnrolSteps, mokPaths } from './secure-boot.js';

/** The pin resolved against what the box's apt offers for the chosen flavour. */
export function pinResolution(facts: HostFacts, options: ProvisionOptions): PinResolution | null {
  const { pin, flavour } = options.driver;
  if (!pin || !flavour) return null;
  return resolveDriverPin(pin, facts.apt[flavour]);
}

/** An installed driver that the pin does not describe, kept because replacing was not asked for. */
function keptAgainstPin(facts: HostFacts, options: ProvisionOptions): string | null {
  const installed = installedDriver(facts);
  const pin = options.driver.pin;
  if (!installed || !pin || options.driver.replace) return null;
  return installed === pin || installed.startsWith(`${pin}.`) ? null : installed;
}

const installedNames = (facts: HostFacts) =>
  facts.packages
    .map((p) => p.split('=')[0] ?? '')
    .filter(
      (n) =>
        DRIVER_PACKAGE_PREFIXES.some((prefix) => n.startsWith(prefix)) &&
        !n.startsWith('nvidia-driver-pinning'),
    );

const secureBoot: ProvisionStep = {
  id: 'secure-boot',
  title: 'Secure Boot: a DKMS signing key the firmware trusts',
  gpuOnly: true,
  doc: 'https://wiki.debian.org/SecureBoot#DKMS_and_secure_boot',
  check: (facts): StepCheck => {
    if (!hasGpu(facts)) return noGpu;
    if (facts.secureBoot === 'not-efi' || (!facts.efi && !facts.mokutil))
      return {
        status: 'satisfied',
        detail: 'no EFI firmware seen (/sys/firmware/efi): Secure Boot does not apply',
      };
    if (facts.secureBoot === 'disabled')
      return {
        status: 'satisfied',
        detail: 'Secure Boot is off (mokutil --sb-state): unsigned modules load',
      };
    if (facts.secureBoot === 'unknown')
      return { status: 'pending', detail: 'EFI boot but mokutil is missing: Secure Boot state unknown' };
    const cert = facts.mokCert ?? mokPaths(facts.distro.key).cert;
    if (facts.mokEnrolled)
      return { status: 'satisfied', detail: `Secure Boot is on; the DKMS signing key ${cert} is enrolled` };
    if (!facts.mokCert)
      return {
        status: 'pending',
        detail: 'Secure Boot is on and there is no DKMS signing key: the nvidia module would not load',
      };
    return {
      status: 'manual',
      detail: facts.mokPending
        ? `Secure Boot is on; ${cert} is queued for enrolment: ${MOK_NEXT_BOOT}`
        : `Secure Boot is on; DKMS signs the nvidia module with ${cert}, which the firmware does not trust yet: ${mokEnrolSteps(cert).join('; ')}`,
    };
  },
  apply: (ctx) => {
    const { key, cert } = mokPaths(ctx.distro);
    const b = ctx.options.bundleApt;
    // Debian wiki SecureBoot ("DKMS and secure boot") / Ubuntu UEFI/SecureBoot/DKMS: a self-signed MOK pair at the
    // path the distro's DKMS signs with; enrolling it needs the user at the next boot (the step reads manual then).
    // With mokutil missing the state is read first, so a box with Secure Boot off gets no key.
    return [
      `command -v mokutil >/dev/null || { ${aptInstall(['mokutil'], b)}; }`,
      `if mokutil --sb-state 2>&1 | grep -q 'SecureBoot enabled' && ! test -e ${cert}; then ` +
        `command -v openssl >/dev/null || { ${aptInstall(['openssl'], b)}; }; ` +
        `mkdir -p ${shellQuote(cert.replace(/\/[^/]+$/, ''))} && openssl req -new -x509 -nodes -days 36500 -subj "/CN=$(hostname) DKMS module signing key (ops)/" -newkey rsa:2048 -keyout ${key} -outform DER -out ${cert} && chmod 600 ${key}; fi`,
    ];
  },
  verify: () => [],
  manual:
    'create a DKMS signing key and enrol it with mokutil --import, or turn Secure Boot off in the firmware',
};

const driverPin: ProvisionStep = {
  id: 'driver-pin',
  title: 'driver version pinned (NVIDIA pinning package or apt preferences)',
  gpuOnly: true,
  doc: VERSION_LOCKING_DOC,
  check: (facts, options): StepCheck => {
    if (!hasGpu(facts)) return noGpu;
    const pin = options.driver.pin;
    if (!pin)
      return {
        status: 'not-applicable',
        detail: "no pin: apt installs NVIDIA's newest driver (answer driver.pin to hold one)",
      };
    if (!options.driver.flavour)
      return { status: 'not-applicable', detail: 'no driver flavour serves these GPUs' };
    const kept = keptAgainstPin(facts, options);
    if (kept)
      return {
        status: 'kept',
        detail: `driver ${kept} kept; pin ${pin} applies when replacing it (driver.replace: true)`,
      };
    const r = pinResolution(facts, options);
    if (!r) return { status: 'not-applicable', detail: 'no pin' };
    switch (r.kind) {
      case 'refused':
        return { status: 'refused', detail: r.detail };
      case 'pinning-package':
        return facts.packages.some((p) => p.startsWith(`${r.package}=`))
          ? { status: 'satisfied', detail: `pinned by ${r.package}` }
          : { status: 'pending', detail: r.detail };
      case 'apt-preferences':
        return facts.aptPinFile
          ? { status: 'satisfied', detail: `pinned by ${APT_PREFERENCES_FILE} (${r.versionGlob})` }
          : { status: 'pending', detail: r.detail };
      default:
        return { status: 'pending', detail: r.detail };
    }
  },
  apply: (ctx) => {
    const pin = ctx.options.driver.pin ?? '';
    const flavour = ctx.options.driver.flavour ?? 'open';
    const r = pinResolution(ctx.facts, ctx.options);
    const b = ctx.options.bundleApt;
    const cache = aptTool('apt-cache', b);
    const writePrefs = `printf '%s' ${shellQuote(aptPreferencesText(`${pin}.*`))} > ${APT_PREFERENCES_FILE}`;
    if (r?.kind === 'pinning-package') return [...cudaKeyring(ctx), aptInstall([r.package], b)];
    if (r?.kind === 'apt-preferences') return [writePrefs];
    // Not verifiable before NVIDIA's repository was added: decide now, still before any driver package.
    const pkg = `nvidia-driver-pinning-${pin}`;
    const driver = DRIVER_PACKAGE[flavour];
    return [
      ...cudaKeyring(ctx),
      `if ${cache} show ${pkg} >/dev/null 2>&1; then ${aptInstall([pkg], b)}; ` +
        `elif ${cache} madison ${driver} | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep -qE '^(${pin.replace(/\./g, '\\.')})([.-]|$)'; then ${writePrefs}; ` +
        `else echo "pin ${pin} matches no driver package: no ${pkg}, no ${driver} ${pin}.*; available:" >&2; ${cache} madison ${driver} >&2; ${cache} pkgnames nvidia-driver-pinning- >&2; exit 2; fi`,
    ];
  },
  verify: () => [],
  manual: `install nvidia-driver-pinning-<branch> from NVIDIA's repository, or write an apt preferences pin (${VERSION_LOCKING_DOC})`,
};

const nvidiaDriver: ProvisionStep = {
  id: 'nvidia-driver',
  title: 'NVIDIA driver',
  gpuOnly: true,
  doc: KERNEL_MODULES_DOC,
  check: (facts, options): StepCheck => {
    if (!hasGpu(facts)) return noGpu;
    const { flavour, reason, pin } = options.driver;
    const installed = installedDriver(facts);
    if (!flavour && !installed) return { status: 'manual', detail: reason };
    if (!installed) {
      const pkg = DRIVER_PACKAGE[flavour ?? 'open'];
      return {
        status: 'pending',
        detail: `${facts.pciGpus || facts.smiGpus} NVIDIA GPU(s), no driver: ${pkg}${pin ? ` (pin ${pin})` : ''} — ${reason}`,
      };
    }
    if (pin && !(installed === pin || installed.startsWith(`${pin}.`))) {
      return options.driver.replace && flavour
        ? {
            status: 'pending',
            detail: `driver ${installed} installed; replacing it with the pinned ${pin} — ${reason}`,
          }
        : {
            status: 'kept',
            detail: `driver ${installed} kept (pinned ${pin} differs; answer driver.replace: true to change it)`,
          };
    }
    return { status: 'satisfied', detail: `driver ${installed}${facts.driverVersion ? '' : ' (installed)'}` };
  },
  apply: (ctx) => {
    const b = ctx.options.bundleApt;
    if (ctx.options.debDir && !b) return [aptInstallDir(ctx.options.debDir)];
    const pkg = DRIVER_PACKAGE[ctx.options.driver.flavour ?? 'open'];
    // A pin by apt preferences (priority 1001) may mean a downgrade when replacing.
    const install = aptInstall([pkg], b).replaceAll(
      'install -y',
      `install -y${ctx.options.driver.replace ? ' --allow-downgrades' : ''}`,
    );
    const headers = aptInstall(['linux-headers-$(uname -r)'], b);
    // A bundle carries the headers only when they were fetched with the driver (--packages-dir); DKMS says so if not.
    const withHeaders = b
      ? `if ${aptTool('apt-cache', b)} show "linux-headers-$(uname -r)" >/dev/null 2>&1; then ${headers}; fi`
      : headers;
    return [...cudaKeyring(ctx), withHeaders, install];
  },
  verify: () => ['nvidia-smi -L'],
  manual:
    "install the NVIDIA driver with your distribution's own packages or NVIDIA's .run installer, then run ops setup again",
  mayNeedReboot: true,
};

const driverHold: ProvisionStep = {
  id: 'driver-hold',
  title: 'pinned driver held against upgrades (apt-mark hold; unattended-upgrades skips held packages)',
  gpuOnly: true,
  doc: VERSION_LOCKING_DOC,
  check: (facts, options): StepCheck => {
    if (!hasGpu(facts)) return noGpu;
    if (!options.driver.pin) {
      return facts.unattendedUpgrades
        ? {
            status: 'not-applicable',
            detail: 'driver not pinned',
            concern:
              'unattended-upgrades is on and the driver is not pinned: an upgrade overnight leaves the loaded module and the libraries at different versions (NVML "Driver/library version mismatch") until a reboot; pin it with driver.pin',
          }
        : { status: 'not-applicable', detail: 'driver not pinned' };
    }
    const names = installedNames(facts);
    if (names.length === 0)
      return { status: 'pending', detail: 'the driver packages are held once installed' };
    const loose = names.filter((n) => !facts.heldPackages.includes(n));
    const uu = facts.unattendedUpgrades ? '; unattended-upgrades is on and skips them' : '';
    return loose.length === 0
      ? { status: 'satisfied', detail: `held: ${names.join(', ')}${uu}` }
      : { status: 'pending', detail: `not held: ${loose.join(', ')}${uu}` };
  },
  apply: () => [
    `apt-mark hold $(dpkg-query -W -f '\${db:Status-Abbrev} \${Package}\\n' ${DRIVER_PACKAGE_PREFIXES.map((p) => `'${p}*'`).join(' ')} 2>/dev/null | awk '$1 ~ /^.i/ && $2 !~ /pinning/ {print $2}')`,
  ],
  verify: () => [],
  manual: 'apt-mark hold the driver packages',
};

const kernelModule: ProvisionStep = {
  id: 'kernel-module',
  title: 'nvidia kernel module loaded (nouveau off)',
  gpuOnly: true,
  doc: DRIVER_DOC,
  check: (facts) => {
    if (!hasGpu(facts)) return noGpu;
    if (facts.driverVersion && facts.nvidiaModule && !facts.nouveauLoaded)
      return { status: 'satisfied', detail: 'nvidia module loaded, nvidia-smi answers' };
    if (!installedDriver(facts)) return { status: 'pending', detail: 'no driver installed yet' };
    const { cause, fix } = explainModuleNotLoaded(facts);
    return { status: 'pending', detail: cause, fix };
  },
  apply: () => [
    // NVIDIA's driver packages blacklist nouveau themselves; this covers a driver installed some other way.
    `if grep -q '^nouveau ' /proc/modules; then printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' > /etc/modprobe.d/ops-blacklist-nouveau.conf; update-initramfs -u; fi`,
    'modprobe nvidia || echo "the nvidia module did not load: reboot, then run ops setup again"',
  ],
  verify: () => ['nvidia-smi -L'],
  manual: 'blacklist nouveau, load the nvidia module (or reboot), then run ops setup again',
  mayNeedReboot: true,
};

/** The driver steps in order: Secure Boot key before DKMS builds, the pin before the driver, the hold after it. */
export const DRIVER_STEPS: readonly ProvisionStep[] = [
  secureBoot,
  driverPin,
  nvidiaDriver,
  driverHold,
  kernelModule,
];
