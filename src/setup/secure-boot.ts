import type { DistroKey } from './distro.js';

/**
 * Secure Boot and the NVIDIA modules. With Secure Boot on, the kernel loads only modules signed by a key the
 * firmware trusts; DKMS builds the nvidia modules on the box and signs them with a local Machine Owner Key (MOK),
 * which must be enrolled once through shim's MOK Manager at the next boot. Sources: NVIDIA driver README, "Signing
 * the NVIDIA Kernel Module" (https://download.nvidia.com/XFree86/Linux-x86_64/470.239.06/README/installdriver.html);
 * `mokutil --sb-state` reports the state; Debian's DKMS signs with /var/lib/dkms/mok.key + mok.pub
 * (https://wiki.debian.org/SecureBoot#DKMS_and_secure_boot), Ubuntu's with /var/lib/shim-signed/mok/MOK.priv +
 * MOK.der (https://wiki.ubuntu.com/UEFI/SecureBoot/DKMS). Enrolment: `mokutil --import <cert>` asks for a one-time
 * password; at the next boot choose Enroll MOK → Continue → Yes → that password → Reboot.
 */
export type SecureBootState = 'enabled' | 'disabled' | 'not-efi' | 'unknown';

/** The DKMS signing key pair the distro's DKMS uses. */
export function mokPaths(distro: DistroKey | null): { key: string; cert: string } {
  return distro?.startsWith('ubuntu')
    ? { key: '/var/lib/shim-signed/mok/MOK.priv', cert: '/var/lib/shim-signed/mok/MOK.der' }
    : { key: '/var/lib/dkms/mok.key', cert: '/var/lib/dkms/mok.pub' };
}

/** Parses `mokutil --sb-state` output (pure). */
export function parseSbState(text: string): SecureBootState {
  if (/SecureBoot enabled/i.test(text)) return 'enabled';
  if (/SecureBoot disabled/i.test(text)) return 'disabled';
  if (/EFI variables are not supported/i.test(text)) return 'not-efi';
  return 'unknown';
}

/** What the user does by hand to enrol the key, and what they will see at the next boot. */
export function mokEnrolSteps(cert: string): string[] {
  return [
    `sudo mokutil --import ${cert}   (choose a one-time password; you type it once more at the next boot)`,
    'reboot; the blue MOK Manager screen appears before Linux starts (it waits ~10 s: press a key)',
    'choose Enroll MOK → Continue → Yes, type the one-time password, then Reboot',
    'after the boot, run ops setup again (it checks the module loads and goes on)',
  ];
}

/** The next-boot part alone, for when `mokutil --import` was already run. */
export const MOK_NEXT_BOOT =
  'at the next boot, in the blue MOK Manager screen: Enroll MOK → Continue → Yes → the one-time password → Reboot';
