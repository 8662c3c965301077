import { z } from 'zod';

const hostName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'must be lowercase letters, digits and dashes');

/** The `ops:*` config of the fleet stack (the SSH key and gateway keys are secrets, read apart). */
export const fleetConfigSchema = z.strictObject({
  hosts: z
    .array(
      z.strictObject({
        name: hostName,
        address: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(22),
        user: z.string().min(1).default('ops'),
        /** This host's `ops setup --config` answers (intent: quality vs speed, context, agents…). */
        answers: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1, 'a fleet needs at least one host'),
  gateway: z
    .strictObject({
      /** The fleet host (by name) that runs the one gateway. Default: the first host. */
      host: z.string().optional(),
      port: z.number().int().min(1).max(65535).default(8080),
      image: z.string().optional(),
    })
    .prefault({}),
  /** The ops CLI on the hosts. */
  opsCommand: z.string().default('ops'),
});

export type FleetConfig = z.infer<typeof fleetConfigSchema>;
export type FleetHostConfig = FleetConfig['hosts'][number];

/** Parses the fleet config; problems (bad fields, duplicate names, an unknown gateway host) are all returned. */
export function parseFleetConfig(raw: unknown): {
  config?: FleetConfig;
  problems: { path: string; message: string }[];
} {
  const result = fleetConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    return {
      problems: result.error.issues.map((i) => ({ path: `ops:${i.path.join('.')}`, message: i.message })),
    };
  }
  const problems: { path: string; message: string }[] = [];
  const names = result.data.hosts.map((h) => h.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i)
      problems.push({ path: `ops:hosts.${i}.name`, message: `duplicate host name ${n}` });
  });
  const gw = result.data.gateway.host;
  if (gw && !names.includes(gw))
    problems.push({ path: 'ops:gateway.host', message: `no host named ${gw} in ops:hosts` });
  return problems.length ? { problems } : { config: result.data, problems };
}
