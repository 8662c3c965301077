/**
 * The fleet stack's program: `ops:hosts` (each with its setup answers) → hosts provisioned over SSH behind one
 * gateway. Run by `ops deploy --target fleet` through the Automation API, or by `pulumi up` in this directory.
 */
import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { ValidationError } from '../../src/core/errors.js';
import { parseFleetConfig } from './fleet-config.js';
import { OpsFleet } from './ops-fleet.js';

const cfg = new pulumi.Config('ops');
const { config, problems } = parseFleetConfig({
  hosts: cfg.getObject('hosts'),
  ...(cfg.getObject('gateway') ? { gateway: cfg.getObject('gateway') } : {}),
  ...(cfg.get('opsCommand') ? { opsCommand: cfg.get('opsCommand') } : {}),
});
if (!config) throw new ValidationError('Pulumi config (ops:*)', problems);

const rootPackage = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const fleet = new OpsFleet('ops', {
  config,
  deployment: cfg.get('deployment') ?? pulumi.getStack(),
  defaultGatewayImage: `ops/gateway:${rootPackage.version}`,
  sshPrivateKey: cfg.requireSecret('sshPrivateKey'),
  gatewayApiKeys: cfg.requireSecret('gatewayApiKeys'),
});

export const inventories = fleet.inventories;
export const gatewayUrl = fleet.gatewayUrl;
