import type { Plan } from '../../plan/types.js';
import { resolveVllmLayout } from './vllm-layout.js';

/**
 * What the cluster stack would declare for a Plan, as lines a person reads (no Pulumi needed): one workload per
 * vLLM model with its GPUs and TP/PP, the gateway, and what is left out. Pure.
 */
export function clusterDeploySummary(plan: Plan): string[] {
  const lines: string[] = [];
  for (const entry of plan.engines) {
    if (entry.engine === 'vllm') {
      const { layout, problems } = resolveVllmLayout(entry);
      if (!layout) {
        lines.push(`  ${entry.name}: cannot be sized yet — ${problems.join('; ')}`);
        continue;
      }
      const kind = layout.multiNode ? `multi-node (${layout.pods} pods)` : 'Deployment';
      lines.push(
        `  ${entry.name}: vLLM ${kind}, ${layout.totalGpus} GPU(s) (TP=${layout.tensorParallel} PP=${layout.pipelineParallel}), --max-model-len ${entry.contextLength}, Service ClusterIP :8000`,
      );
    } else if (entry.engine === 'llama.cpp') {
      lines.push(
        `  ${entry.name}: skipped (llama.cpp runs on single hosts and fleets, not on the cluster target)`,
      );
    } else {
      lines.push(`  ${entry.name}: external ${entry.baseUrl}, routed by the gateway`);
    }
  }
  if (plan.gateway?.enabled ?? true)
    lines.push('  gateway: Deployment + Service ClusterIP :8080, Plan from a ConfigMap, keys from a Secret');
  lines.push(
    '  GPU Operator and kube-prometheus-stack (Helm), ServiceMonitors for engines, gateway and DCGM',
  );
  return lines;
}
