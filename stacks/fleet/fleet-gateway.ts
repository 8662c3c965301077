import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { stringify } from 'yaml';
import { LABEL } from '../../src/core/labels.js';

export interface FleetGatewayArgs {
  connection: command.types.input.remote.ConnectionArgs;
  deployment: string;
  image: string;
  port: number;
  planDocument: pulumi.Input<Record<string, unknown>>;
  /** Client API keys (a secret): they go to the host through stdin, into a 0600 env file, never a command line. */
  apiKeys: pulumi.Input<string>;
}

const DIR = '"$HOME/.config/ops/fleet"';

/** The docker invocation for the gateway container, labelled so it is replaced by label, never by name. */
export function gatewayRunScript(args: { deployment: string; image: string; port: number }): string {
  const labels = `--label ${LABEL.managed}=true --label ${LABEL.deployment}=${args.deployment} --label ${LABEL.role}=gateway`;
  return [
    `old=$(docker ps -aq --filter label=${LABEL.deployment}=${args.deployment} --filter label=${LABEL.role}=gateway)`,
    '[ -z "$old" ] || docker rm -f $old',
    `docker run -d --restart unless-stopped ${labels} --env-file ${DIR}/gateway.env -v ${DIR}/plan.yaml:/etc/ops/plan.yaml:ro -p ${args.port}:${args.port} ${args.image} gateway --plan /etc/ops/plan.yaml --host 0.0.0.0 --port ${args.port}`,
  ].join(' && ');
}

/** The one gateway of a fleet, on one of its hosts, routing by alias to the engines of every host. */
export class FleetGateway extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: FleetGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ops:fleet:FleetGateway', name, {}, opts);
    if (!args.image) throw new Error('gateway image is empty');
    const planYaml = pulumi.output(args.planDocument).apply((doc) => stringify(doc));
    const plan = new command.remote.Command(
      `${name}-plan`,
      {
        connection: args.connection,
        create: `mkdir -p ${DIR} && cat > ${DIR}/plan.yaml`,
        stdin: planYaml,
        triggers: [planYaml],
      },
      { parent: this },
    );
    const env = new command.remote.Command(
      `${name}-env`,
      {
        connection: args.connection,
        create: `mkdir -p ${DIR} && umask 077 && cat > ${DIR}/gateway.env`,
        stdin: pulumi.secret(pulumi.interpolate`OPS_GATEWAY_API_KEYS=${args.apiKeys}\n`),
      },
      { parent: this },
    );
    new command.remote.Command(
      `${name}-run`,
      { connection: args.connection, create: gatewayRunScript(args), triggers: [planYaml, args.image] },
      { parent: this, dependsOn: [plan, env] },
    );
    this.url = pulumi.output(args.connection).apply((c) => `http://${c.host}:${args.port}`);
    this.registerOutputs({ url: this.url });
  }
}
