import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { stringify } from 'yaml';
import type { FleetHostConfig } from './fleet-config.js';

/** Where `ops` keeps its current Plan on a host (OPS_HOME, else XDG data dir; src/core/state-dir.ts). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, run on the host
const REMOTE_PLAN = '"${OPS_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/ops}/plan.yaml"';

/** The script that runs `ops setup` with answers read from stdin (never on the command line). */
export function setupScript(opsCommand: string): string {
  return `set -e; f=$(mktemp); trap 'rm -f "$f"' EXIT; cat > "$f"; ${opsCommand} setup --config "$f" --yes`;
}

export interface FleetHostArgs {
  host: FleetHostConfig;
  privateKey: pulumi.Input<string>;
  opsCommand: string;
}

/** One host of the fleet: `ops setup --config` with its own answers, then its inventory and Plan read back. */
export class FleetHost extends pulumi.ComponentResource {
  /** `ops detect --json` of the host. */
  readonly inventoryJson: pulumi.Output<string>;
  readonly planYaml: pulumi.Output<string>;
  readonly address: string;

  constructor(name: string, args: FleetHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ops:fleet:FleetHost', name, {}, opts);
    const { host } = args;
    if (!host.address) throw new Error(`host ${host.name} has no address`);
    const connection = { host: host.address, port: host.port, user: host.user, privateKey: args.privateKey };
    const answers = stringify(host.answers);
    const setup = new command.remote.Command(
      `${name}-setup`,
      {
        connection,
        create: setupScript(args.opsCommand),
        stdin: answers,
        // New answers re-run setup (it is idempotent on the host).
        triggers: [answers],
      },
      { parent: this },
    );
    const detect = new command.remote.Command(
      `${name}-detect`,
      { connection, create: `${args.opsCommand} detect --json`, triggers: [answers] },
      { parent: this, dependsOn: [setup] },
    );
    const plan = new command.remote.Command(
      `${name}-plan`,
      { connection, create: `cat ${REMOTE_PLAN}`, triggers: [answers] },
      { parent: this, dependsOn: [setup] },
    );
    this.address = host.address;
    this.inventoryJson = detect.stdout;
    this.planYaml = plan.stdout;
    this.registerOutputs({ inventoryJson: this.inventoryJson, planYaml: this.planYaml });
  }
}
