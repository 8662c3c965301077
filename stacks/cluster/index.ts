/**
 * The cluster stack's program: the Plan (ops:planFile) + the `ops:*` config → an OpsCluster.
 * Run by `ops deploy --target cluster` through the Automation API, or by `pulumi up` in this directory.
 */
import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { ValidationError } from '../../src/core/errors.js';
import { readPlanForRemote } from '../shared/read-plan.js';
import { OpsCluster } from './ops-cluster.js';
import { parseClusterStackConfig } from './stack-config.js';

const cfg = new pulumi.Config('ops');
const keys = [
  'namespace',
  'storageClass',
  'modelCache',
  'images',
  'gpuOperator',
  'monitoring',
  'gpuNodeSelector',
  'gpuTolerations',
  'multiNode',
  'cluster',
  'modelShapes',
  'engineServiceType',
  'gatewayServiceType',
  'engineResources',
  'gatewayResources',
  'gatewayReplicas',
] as const;
const raw = Object.fromEntries(
  keys.flatMap((k) => {
    const value = cfg.getObject<unknown>(k) ?? cfg.get(k);
    return value === undefined ? [] : [[k, value]];
  }),
);
const { config, problems } = parseClusterStackConfig(raw);
if (!config) throw new ValidationError('Pulumi config (ops:*)', problems);

const rootPackage = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const cluster = new OpsCluster('ops', {
  plan: readPlanForRemote(cfg.require('planFile')),
  config,
  defaultGatewayImage: `ops/gateway:${rootPackage.version}`,
  gatewayApiKeys: cfg.getSecret('gatewayApiKeys'),
  externalApiKeys: cfg.getSecretObject<Record<string, string>>('externalApiKeys'),
});

export const namespace = cluster.namespace;
export const engineUrls = cluster.engineUrls;
export const gatewayUrl = cluster.gatewayUrl;
export const gpus = cluster.gpus;
