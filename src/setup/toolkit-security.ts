import { compareVersions } from '../cuda-compat/cuda-driver-table.js';

/**
 * NVIDIA Container Toolkit releases with published security fixes (NVIDIA security bulletins; CVE records by
 * NVIDIA's CNA): CVE-2024-0132 and CVE-2024-0133 affect "all versions up to and including v1.16.1", fixed in
 * 1.16.2 (https://nvidia.custhelp.com/app/answers/detail/a_id/5582); CVE-2025-23359 (a bypass of the 0132 fix) is
 * fixed in 1.17.4 (https://www.cve.org/CVERecord?id=CVE-2025-23359); CVE-2025-23266 ("NVIDIAScape", the enable-cuda-compat hook) and CVE-2025-23267 affect "all
 * versions up to and including 1.17.7", fixed in 1.17.8 (https://www.cve.org/CVERecord?id=CVE-2025-23266).
 */
export const TOOLKIT_SECURITY_FIXES: readonly { fixedIn: string; cves: string[] }[] = [
  { fixedIn: '1.16.2', cves: ['CVE-2024-0132', 'CVE-2024-0133'] },
  { fixedIn: '1.17.4', cves: ['CVE-2025-23359'] },
  { fixedIn: '1.17.8', cves: ['CVE-2025-23266', 'CVE-2025-23267'] },
];

/** The lowest toolkit version with every published fix above. */
export const MIN_SAFE_TOOLKIT = TOOLKIT_SECURITY_FIXES.reduce(
  (max, f) => (compareVersions(f.fixedIn, max) > 0 ? f.fixedIn : max),
  '0',
);

/** The CVEs an installed toolkit version is still open to (pure); empty when it has every fix. */
export function toolkitOpenCves(version: string): string[] {
  return TOOLKIT_SECURITY_FIXES.filter((f) => compareVersions(version, f.fixedIn) < 0).flatMap((f) => f.cves);
}
