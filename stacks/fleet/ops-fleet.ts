import * as pulumi from '@pulumi/pulumi';
import type { FleetConfig } from './fleet-config.js';
import { FleetGateway } from './fleet-gateway.js';
import { FleetHost } from './fleet-host.js';
import { fleetGatewayPlan } from './fleet-plan.js';

export interface OpsFleetArgs {
  config: FleetConfig;
  deployment: string;
  defaultGatewayImage: string;
  sshPrivateKey: pulumi.Input<string>;
  gatewayApiKeys: pulumi.Input<string>;
}

/** A fleet of single hosts: each set up by its own `ops setup`, all behind one gateway. */
export class OpsFleet extends pulumi.ComponentResource {
  readonly inventories: pulumi.Output<Record<string, unknown>>;
  readonly gatewayUrl: pulumi.Output<string>;

  constructor(name: string, args: OpsFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ops:fleet:OpsFleet', name, {}, opts);
    const { config } = args;
    const gatewayHost = config.hosts.find((h) => h.name === (config.gateway.host ?? config.hosts[0]?.name));
    if (!gatewayHost) throw new Error('the fleet has no host for the gateway');

    const hosts = config.hosts.map(
      (host) =>
        new FleetHost(
          `${name}-${host.name}`,
          { host, privateKey: args.sshPrivateKey, opsCommand: config.opsCommand },
          { parent: this },
        ),
    );
    const planDocument = pulumi.all(hosts.map((h) => h.planYaml)).apply((yamls) =>
      fleetGatewayPlan(
        yamls.map((planYaml, i) => ({
          host: config.hosts[i]?.name ?? '',
          address: hosts[i]?.address ?? '',
          planYaml,
        })),
        args.deployment,
        config.gateway.port,
      ),
    );
    const gateway = new FleetGateway(
      `${name}-gateway`,
      {
        connection: {
          host: gatewayHost.address,
          port: gatewayHost.port,
          user: gatewayHost.user,
          privateKey: args.sshPrivateKey,
        },
        deployment: args.deployment,
        image: config.gateway.image ?? args.defaultGatewayImage,
        port: config.gateway.port,
        planDocument,
        apiKeys: args.gatewayApiKeys,
      },
      { parent: this },
    );
    this.inventories = pulumi
      .all(hosts.map((h) => h.inventoryJson))
      .apply((texts) => Object.fromEntries(texts.map((t, i) => [config.hosts[i]?.name ?? '', safeJson(t)])));
    this.gatewayUrl = gateway.url;
    this.registerOutputs({ inventories: this.inventories, gatewayUrl: this.gatewayUrl });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { unparsed: text };
  }
}
