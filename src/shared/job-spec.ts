/**
 * The job spec: one schema for CLI input, HTTP input and workflow input. Errors name the field and the fix.
 * Pure (no I/O, no Node APIs) so workflow code can import it. Durations stay strings ("30s", "2h", "3 days")
 * so that parsing is idempotent: the workflow re-validates exactly what the client sent.
 */
import { z } from 'zod';
import {
  dnsLabel,
  durationBetween,
  jobIdSchema,
  resourceGroupName,
  tenantSchema,
  userEnvVarName,
} from './validation';

export { jobIdSchema, tenantSchema };

/** Tag keys the project sets on container groups; user tags may not use the prefix. */
export const RESERVED_TAG_PREFIX = 'aci-batch-';
/** ACI reserves this port range for its own use. */
export const RESERVED_PORTS = { from: 20000, to: 30000 } as const;
export const MAX_INSTANCES = 10_000;

/** Why a spec may not ask for a GPU, and what to do instead. */
export const GPU_RETIRED =
  "ACI's GPU SKUs (K80, P100, V100) were retired on 14 July 2025: a container group that asks for one fails at " +
  'provisioning. Remove gpu from the spec; for GPU batch work use Azure Container Apps jobs on serverless GPU ' +
  '(consumption GPU workload profiles, A100 or T4).';

const envMap = z.record(userEnvVarName, z.string().max(32_768, 'environment values must be at most 32 KiB'));

const port = z
  .number({ error: 'a port must be a number' })
  .int('a port must be a whole number')
  .min(1, 'ports are 1-65535')
  .max(65535, 'ports are 1-65535')
  .refine(
    (p) => p < RESERVED_PORTS.from || p > RESERVED_PORTS.to,
    `ports ${RESERVED_PORTS.from}-${RESERVED_PORTS.to} are reserved by ACI; pick a port outside that range (e.g. 8080)`,
  );

const command = z
  .array(z.string(), { error: 'command must be a list of strings, e.g. ["python", "main.py"]' })
  .min(1);

const instanceParams = z
  .object(
    {
      env: envMap.optional(),
      command: command.optional(),
    },
    { error: 'each entry of instances must be an object with optional "env" and "command"' },
  )
  .strict();

const failurePolicy = z.discriminatedUnion(
  'action',
  [
    z.object({
      action: z.literal('restart'),
      maxRestarts: z
        .number()
        .int()
        .min(1, 'maxRestarts must be at least 1')
        .max(10, 'maxRestarts must be at most 10')
        .default(2),
      backoff: durationBetween('0s', '1h', 'onFailure.backoff').default('10s'),
      /** what happens when the restarts are used up */
      exhausted: z.enum(['delete', 'stop']).default('delete'),
    }),
    z.object({ action: z.literal('stop') }),
    z.object({ action: z.literal('delete') }),
  ],
  { error: 'onFailure.action must be "restart", "stop" or "delete"' },
);

const armId = (what: string, segment: string) =>
  z
    .string()
    .regex(
      new RegExp(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${segment}/.+`, 'i'),
      `${what} must be a full ARM resource id (/subscriptions/.../resourceGroups/.../providers/${segment}/...)`,
    );

export const jobSpecSchema = z
  .object({
    tenant: tenantSchema,
    jobId: jobIdSchema.optional(),
    image: z
      .string({ error: 'image is required, e.g. "myregistry.azurecr.io/batch/job:1.0"' })
      .min(1, 'image must not be empty')
      .regex(/^\S*$/, 'image must not contain spaces'),
    command: command.optional(),
    cpu: z
      .number()
      .min(0.1, 'cpu must be at least 0.1')
      .max(31, 'cpu must be at most 31 (ACI limit per container group)')
      .default(1),
    memoryGB: z
      .number()
      .min(0.1, 'memoryGB must be at least 0.1')
      .max(240, 'memoryGB must be at most 240 (ACI limit per container group)')
      .default(1.5),
    /** refused: ACI's GPU SKUs are retired (the field is known only to say so) */
    gpu: z.never({ error: GPU_RETIRED }).optional(),
    env: envMap.default({}),
    secretEnv: envMap.default({}),
    instances: z
      .union(
        [
          z
            .number()
            .int('instances must be a whole number')
            .min(1, 'instances must be at least 1')
            .max(MAX_INSTANCES, `instances must be at most ${MAX_INSTANCES}`),
          z
            .array(instanceParams)
            .min(1, 'instances must list at least one instance')
            .max(MAX_INSTANCES, `instances must list at most ${MAX_INSTANCES}`),
        ],
        { error: 'instances must be a count (e.g. 10) or a list of per-instance parameters' },
      )
      .default(1),
    /** within its tenant, under admission: 1 (first) to 5 (last); default the tenant's (3 unless configured) */
    priority: z
      .number()
      .int('priority must be a whole number from 1 (first) to 5 (last)')
      .min(1, 'priority must be from 1 (first) to 5 (last)')
      .max(5, 'priority must be from 1 (first) to 5 (last)')
      .optional(),
    maxParallel: z
      .number()
      .int()
      .min(1, 'maxParallel must be at least 1')
      .max(1000, 'maxParallel must be at most 1000')
      .default(10),
    timeLimit: durationBetween('1s', '30 days', 'timeLimit').default('1h'),
    monitorInterval: durationBetween('1s', '1h', 'monitorInterval').default('30s'),
    onFailure: failurePolicy.default({
      action: 'restart',
      maxRestarts: 2,
      backoff: '10s',
      exhausted: 'delete',
    }),
    /** on success the group is deleted (default) or stopped and kept for inspection */
    onSuccess: z.enum(['delete', 'stop']).default('delete'),
    logTailLines: z.number().int().min(0).max(1000).default(50),
    ports: z.array(port).max(5, 'ACI allows at most 5 ports per IP address').default([]),
    control: z
      .object({
        port,
        startPath: z.string().regex(/^\//, 'control.startPath must start with "/"').default('/start'),
        progressPath: z.string().regex(/^\//, 'control.progressPath must start with "/"').optional(),
      })
      .strict()
      .optional(),
    /** where the groups go without placement (default eastus); placement supersedes it */
    region: z
      .string()
      .regex(/^[a-z0-9]+$/, 'region is an Azure location name such as "eastus"')
      .optional(),
    resourceGroup: resourceGroupName.optional(),
    /** which capacity pools (or regions) the job may use, in order of preference, and whether Spot */
    placement: z
      .object({
        pools: z
          .array(dnsLabel('each of placement.pools (a pool name or a region)', 40), {
            error: 'placement.pools must list pool names or regions, e.g. ["eastus", "westus"]',
          })
          .min(1, 'placement.pools must name at least one pool or region')
          .max(10, 'placement.pools may name at most 10 pools')
          .refine((pools) => new Set(pools).size === pools.length, 'placement.pools names a pool twice'),
        /** never: Regular only; allow: Spot after Regular; prefer: Spot before Regular (up to 70% cheaper) */
        spot: z
          .enum(['never', 'allow', 'prefer'], { error: 'placement.spot must be never, allow or prefer' })
          .default('never'),
        /** what an evicted Spot run does: wait for ACI to restart its group (up to `maxWait`), or move to Regular */
        onEviction: z
          .object({
            action: z
              .enum(['regular', 'wait'], { error: 'placement.onEviction.action must be regular or wait' })
              .default('regular'),
            maxWait: durationBetween('0s', '1h', 'placement.onEviction.maxWait').default('10m'),
          })
          .strict()
          .default({ action: 'regular', maxWait: '10m' }),
      })
      .strict()
      .optional(),
    identity: armId('identity', 'Microsoft.ManagedIdentity').optional(),
    subnetId: armId('subnetId', 'Microsoft.Network').optional(),
    tags: z
      .record(
        z
          .string()
          .min(1)
          .max(512)
          .refine(
            (key) => !key.toLowerCase().startsWith(RESERVED_TAG_PREFIX),
            `tag names starting with "${RESERVED_TAG_PREFIX}" are set by aci-batch itself`,
          ),
        z.string().max(256, 'tag values must be at most 256 characters'),
      )
      .refine((tags) => Object.keys(tags).length <= 40, 'at most 40 tags (aci-batch adds its own)')
      .default({}),
  })
  .strict()
  .superRefine((spec, ctx) => {
    placementProblems(spec).forEach((issue) => ctx.addIssue({ code: 'custom', ...issue }));
    if (spec.control && !spec.ports.includes(spec.control.port)) {
      ctx.addIssue({
        code: 'custom',
        path: ['control', 'port'],
        message: `control.port ${spec.control.port} must also be listed in ports`,
      });
    }
    if (spec.subnetId && spec.ports.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['ports'],
        message: 'a container group in a subnet needs at least one port',
      });
    }
  });

/** ACI's limits for a Spot container group. */
export const SPOT_LIMITS = { cpu: 4, memoryGB: 16 } as const;
/** Where a job's groups go when it names neither a region nor placement. */
export const DEFAULT_REGION = 'eastus';

interface PlacementSpec {
  region?: string;
  resourceGroup?: string;
  placement?: { pools: string[]; spot: 'never' | 'allow' | 'prefer' };
  ports: number[];
  subnetId?: string;
  cpu: number;
  memoryGB: number;
}

/** Placement supersedes region and resource group; Spot groups have no IP, no subnet and ACI's size limits. */
function placementProblems(spec: PlacementSpec): Array<{ path: string[]; message: string }> {
  const problems: Array<{ path: string[]; message: string }> = [];
  if (!spec.placement) return problems;
  // a region the placement also names is consistent (if redundant); any other region, or a resource group
  // (pools carry theirs), contradicts it
  if (spec.region !== undefined && !spec.placement.pools.includes(spec.region)) {
    problems.push({
      path: ['region'],
      message: `placement supersedes region: "${spec.region}" is not among placement.pools; list it there and leave region out`,
    });
  }
  if (spec.resourceGroup !== undefined) {
    problems.push({
      path: ['resourceGroup'],
      message:
        'placement supersedes resourceGroup: each pool has its own resource group (the capacity file); leave resourceGroup out',
    });
  }
  if (spec.placement.spot === 'never') return problems;
  const spot = (path: string, message: string) =>
    problems.push({ path: [path], message: `${message}, or set placement.spot to never` });
  if (spec.ports.length > 0) {
    spot('ports', 'Spot groups cannot have a public IP (so no ports, and no control endpoint): remove ports');
  }
  if (spec.subnetId) spot('subnetId', 'Spot groups cannot join a virtual network: remove subnetId');
  if (spec.cpu > SPOT_LIMITS.cpu)
    spot('cpu', `Spot groups have at most ${SPOT_LIMITS.cpu} vCPU: ask for less`);
  if (spec.memoryGB > SPOT_LIMITS.memoryGB) {
    spot('memoryGB', `Spot groups have at most ${SPOT_LIMITS.memoryGB} GB: ask for less`);
  }
  return problems;
}

/** The region of a job without placement. */
export function regionOf(spec: Pick<JobSpec, 'region'>): string {
  return spec.region ?? DEFAULT_REGION;
}

/** What a user writes (defaults may be left out). */
export type JobSpecInput = z.input<typeof jobSpecSchema>;
/** A validated spec with every default filled in. */
export type JobSpec = z.output<typeof jobSpecSchema>;
export type FailurePolicy = JobSpec['onFailure'];
export type InstanceParams = z.output<typeof instanceParams>;
/** A spec whose job id is settled: what a job's workflow is started with (the edge decides the id). */
export type SubmittedJobSpec = JobSpec & { jobId: string };
/**
 * One instance's spec, as its run gets it: the instance's env and command merged over the job's, and no
 * instance list (the parent's history holds every child's input: it must not repeat the list per child).
 */
export type InstanceSpec = Omit<SubmittedJobSpec, 'instances' | 'maxParallel'>;

export class JobSpecError extends Error {
  override name = 'JobSpecError';
  constructor(
    message: string,
    /** one entry per problem: the field path and what to do */
    readonly problems: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

/** Validates a job spec; throws JobSpecError listing every problem as "field: what to do". */
export function parseJobSpec(input: unknown): JobSpec {
  const result = jobSpecSchema.safeParse(input);
  // the spec travels as JSON (workflow input, HTTP): return its JSON form, so -0 is already 0 and
  // parsing what this returns, before or after a round trip, gives the same spec
  if (result.success) return JSON.parse(JSON.stringify(result.data)) as JobSpec;
  const problems = result.error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(spec)',
    message: describeIssue(issue),
  }));
  throw new JobSpecError(
    `Invalid job spec:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    problems,
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field(s) ${issue.keys.join(', ')}; check the spelling`;
  // a bad record key (env name, tag name): the key schema's own message says what is wrong
  if (issue.code === 'invalid_key') return issue.issues.map((inner) => inner.message).join('; ');
  return issue.message;
}

export function instanceCount(spec: JobSpec): number {
  return typeof spec.instances === 'number' ? spec.instances : spec.instances.length;
}

/** The one place per-instance parameters are resolved: env merged over the job's, command replacing it. */
export function specForInstance(spec: SubmittedJobSpec, index: number): InstanceSpec {
  const { instances, maxParallel: _, ...common } = spec;
  const params = typeof instances === 'number' ? {} : (instances[index] ?? {});
  return {
    ...common,
    env: { ...spec.env, ...params.env },
    ...((params.command ?? spec.command) && { command: params.command ?? spec.command }),
  };
}
