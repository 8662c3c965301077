import { baseLabels, type Role } from '../../src/core/labels.js';

/** The labels every object of the stack carries: ops' own (as on single-host containers) and Kubernetes' own. */
export function k8sLabels(deployment: string, role: Role, name: string): Record<string, string> {
  return {
    ...baseLabels(deployment, role, name),
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': deployment,
    'app.kubernetes.io/component': role,
    'app.kubernetes.io/part-of': 'ops',
    'app.kubernetes.io/managed-by': 'pulumi',
  };
}

/** Kubernetes object name for a Plan entry (Plan names are already DNS-safe). */
export function objectName(deployment: string, name: string): string {
  return `${deployment}-${name}`.slice(0, 63).replace(/-+$/, '');
}
