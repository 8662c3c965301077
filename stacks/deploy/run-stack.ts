import { fileURLToPath } from 'node:url';
import { LocalWorkspace } from '@pulumi/pulumi/automation/index.js';

/** What `ops deploy` asks for; the same shape is declared on the CLI side (it cannot import Pulumi's types). */
export interface RunStackRequest {
  target: 'cluster' | 'fleet';
  stackName: string;
  /** Absolute path of the Plan (cluster: required; fleet: unused by the program). */
  planFile?: string;
  preview: boolean;
  onOutput: (text: string) => void;
}

/** Runs `pulumi preview` or `pulumi up` on a stack of this package through the Automation API. */
export async function runStack(
  request: RunStackRequest,
): Promise<{ summary: string; outputs: Record<string, unknown> }> {
  const workDir = fileURLToPath(new URL(`../${request.target}`, import.meta.url));
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: request.stackName, workDir });
  if (request.planFile) await stack.setConfig('ops:planFile', { value: request.planFile });
  if (request.preview) {
    const result = await stack.preview({ onOutput: request.onOutput, diff: true });
    return { summary: JSON.stringify(result.changeSummary), outputs: {} };
  }
  const result = await stack.up({ onOutput: request.onOutput });
  const outputs = Object.fromEntries(
    Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? '[secret]' : v.value]),
  );
  return { summary: JSON.stringify(result.summary.resourceChanges ?? {}), outputs };
}
