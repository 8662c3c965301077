import type { HostFacts } from './host-facts.js';
import { installedDriver } from './nvidia-repo.js';
import { MOK_NEXT_BOOT, mokEnrolSteps, mokPaths } from './secure-boot.js';

/**
 * Why the nvidia kernel module is not loaded, from the facts (pure), most specific cause first: the kernel's own
 * message, Secure Boot with a key the firmware does not trust, DKMS without a build for the running kernel, nouveau
 * holding the card, a pending reboot. Returns the cause and what to do.
 */
export function explainModuleNotLoaded(facts: HostFacts): { cause: string; fix: string } {
  const log = facts.nvidiaKernelLog ?? '';
  const cert = facts.mokCert ?? mokPaths(facts.distro.key).cert;
  if (
    /reject|required key|verification failed|unsigned/i.test(log) ||
    (facts.secureBoot === 'enabled' && !facts.mokEnrolled)
  ) {
    const why = log
      ? `the kernel refused it: "${log.trim()}"`
      : 'Secure Boot is on and the key DKMS signs the module with is not enrolled';
    return {
      cause: `Secure Boot: ${why}`,
      fix: facts.mokPending
        ? `the key is queued: reboot; ${MOK_NEXT_BOOT}`
        : `enrol the signing key: ${mokEnrolSteps(cert).join('; ')}`,
    };
  }
  if (/not supported/i.test(log)) {
    return {
      cause: `the driver does not support this GPU: "${log.trim()}"`,
      fix: 'ops setup picks the kernel-module flavour from the cards (open for Turing and newer, proprietary before Turing); replace the driver with driver.flavour: auto and driver.replace: true',
    };
  }
  if (facts.nouveauLoaded)
    return {
      cause: 'nouveau (the open-source driver) holds the card',
      fix: 'ops setup blacklists nouveau; then reboot',
    };
  const driver = installedDriver(facts);
  if (!driver) return { cause: 'no NVIDIA driver is installed', fix: 'ops setup installs it' };
  if (facts.dkmsNvidia !== null && !/installed/.test(facts.dkmsNvidia)) {
    return {
      cause: `DKMS has not built the nvidia module for kernel ${facts.kernel ?? '(running)'} (${facts.dkmsNvidia || 'no nvidia entry'})`,
      fix: 'install the headers for the running kernel (apt-get install linux-headers-$(uname -r)), then dkms autoinstall, then modprobe nvidia',
    };
  }
  if (facts.rebootRequired)
    return {
      cause: `driver ${driver} is installed; the system asks for a reboot to load it`,
      fix: 'reboot, then ops setup again',
    };
  return {
    cause: `driver ${driver} is installed but its module is not loaded`,
    fix: 'sudo modprobe nvidia and read its error (sudo dmesg | tail); a reboot loads it too',
  };
}
