// biome-ignore-all lint/suspicious/noExplicitAny: tests read Kubernetes inputs as untyped JSON
import * as pulumi from '@pulumi/pulumi';

/** A resource as the engine would have received it. */
export interface Declared {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** Pulumi's wire marker for a secret value (`{ [SECRET_SIG]: SECRET_VALUE, value }`). */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/**
 * Strict mocks: every resource is recorded with its inputs; any provider function call fails the test, so a
 * program that starts reading the cluster (or anything else) at plan time is caught.
 */
export async function useStrictMocks(
  outputsOf: (type: string, name: string) => Record<string, unknown> = () => ({}),
): Promise<Declared[]> {
  const declared: Declared[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputsOf(args.type, args.name) } };
      },
      call: (args) => {
        throw new Error(`unexpected provider call ${args.token}`);
      },
    },
    'ops-test',
    'test',
    false,
  );
  return declared;
}

/** Waits until every resource registration and output of the program has settled. */
export async function settled(): Promise<void> {
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** Values the mock saw as plain (not secret-wrapped) strings, with their path. */
export function plainStrings(value: unknown, path = ''): { path: string; value: string }[] {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainStrings(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    if (SECRET_SIG in value) return [];
    return Object.entries(value).flatMap(([k, v]) => plainStrings(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** Every container of a declared workload (Deployment, StatefulSet, LeaderWorkerSet), with where it sits. */
export function containersOf(resource: Declared): { at: string; container: Record<string, any> }[] {
  const spec = resource.inputs.spec as Record<string, any> | undefined;
  const templates: [string, any][] = [];
  if (spec?.template) templates.push(['template', spec.template]);
  const lws = spec?.leaderWorkerTemplate;
  if (lws?.leaderTemplate) templates.push(['leaderTemplate', lws.leaderTemplate]);
  if (lws?.workerTemplate) templates.push(['workerTemplate', lws.workerTemplate]);
  return templates.flatMap(([at, t]) =>
    ((t?.spec?.containers ?? []) as Record<string, any>[]).map((container) => ({
      at: `${resource.name}.${at}`,
      container,
    })),
  );
}

export const WORKLOAD_TYPES = [
  'kubernetes:apps/v1:Deployment',
  'kubernetes:apps/v1:StatefulSet',
  'kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet',
];

/** The value under a secret marker (or the value itself): for asserting on what a secret input holds. */
export function reveal(value: unknown): any {
  return value && typeof value === 'object' && SECRET_SIG in value
    ? (value as unknown as { value: unknown }).value
    : value;
}
