/**
 * The job spec: one schema for CLI input, HTTP input and workflow input. Errors name the field and the fix.
 * Pure (no I/O, no Node APIs) so the job workflow can validate with it. Durations stay strings ("30s", "2h",
 * "3 days") so that parsing is idempotent: the workflow re-validates exactly what the client sent.
 *
 * Its constants and helpers are in job-model.ts (re-exported here), apart from zod: workflow code imports them
 * from there, and loads this module only where it validates (src/workflows/job-input.ts), so the zod schemas
 * below are built in the job's workflow context and never in a run's.
 */
import { z } from 'zod';
import {
  FAILURE_REASONS,
  GPU_RETIRED,
  INDEX_LIST,
  JobSpecError,
  MAX_INSTANCES,
  parseIndexList,
  RESERVED_PORTS,
  RESERVED_TAG_PREFIX,
  RULE_ACTIONS,
  SPOT_LIMITS,
} from './job-model';
import {
  dnsLabel,
  durationBetween,
  jobIdSchema,
  resourceGroupName,
  tenantSchema,
  userEnvVarName,
} from './validation';

export { jobIdSchema, tenantSchema };
export * from './job-model';

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

const failureRule = z
  .object(
    {
      action: z.enum(RULE_ACTIONS, {
        error: 'action must be "RestartInstance", "FailInstance", "FailJob" or "Ignore"',
      }),
      onExitCodes: z
        .object(
          {
            operator: z.enum(['In', 'NotIn'], { error: 'onExitCodes.operator must be "In" or "NotIn"' }),
            values: z
              .array(
                z
                  .number({ error: 'exit codes are whole numbers, e.g. 137' })
                  .int('exit codes are whole numbers, e.g. 137')
                  .min(-2147483648, 'exit codes are 32-bit whole numbers')
                  .max(2147483647, 'exit codes are 32-bit whole numbers'),
                { error: 'onExitCodes.values must be a list of exit codes, e.g. [137, 143]' },
              )
              .min(1, 'onExitCodes.values must list at least one exit code')
              .max(255, 'onExitCodes.values may list at most 255 exit codes'),
          },
          { error: 'onExitCodes must be an object: { operator: "In" | "NotIn", values: [exit codes] }' },
        )
        .strict()
        .optional(),
      onReason: z
        .enum(FAILURE_REASONS, { error: `onReason must be one of ${FAILURE_REASONS.join(', ')}` })
        .optional(),
    },
    { error: 'each rule must be an object with an action and onExitCodes and/or onReason' },
  )
  .strict()
  .superRefine((rule, ctx) => {
    if (!rule.onExitCodes && !rule.onReason) {
      ctx.addIssue({
        code: 'custom',
        message: 'a rule needs onExitCodes, onReason or both, to say which failures it matches',
      });
    }
    if (rule.action === 'RestartInstance' && rule.onReason === 'CreateFailed') {
      ctx.addIssue({
        code: 'custom',
        path: ['action'],
        message:
          'a group that could not be created cannot be restarted; use FailInstance, FailJob or Ignore for CreateFailed',
      });
    }
  });

/**
 * The job's failure policy: how many failed instances it tolerates before it stops (Kubernetes'
 * maxFailedIndexes, Step Functions' ToleratedFailureCount/-Percentage), and rules that decide per failure
 * (Kubernetes' podFailurePolicy, AWS Batch's evaluateOnExit). Absent: every instance runs, whatever fails.
 */
const jobFailurePolicy = z
  .object(
    {
      maxFailedInstances: z
        .number({ error: 'failurePolicy.maxFailedInstances must be a whole number, e.g. 3' })
        .int('failurePolicy.maxFailedInstances must be a whole number, e.g. 3')
        .min(0, 'failurePolicy.maxFailedInstances must be at least 0 (0: the first failure fails the job)')
        .max(MAX_INSTANCES, `failurePolicy.maxFailedInstances must be at most ${MAX_INSTANCES}`)
        .optional(),
      maxFailedPercent: z
        .number({ error: 'failurePolicy.maxFailedPercent must be a number from 0 to 100, e.g. 10' })
        .min(0, 'failurePolicy.maxFailedPercent must be from 0 to 100')
        .max(100, 'failurePolicy.maxFailedPercent must be from 0 to 100')
        .optional(),
      /** the first rule that matches a failure decides it; no match: onFailure decides, as without rules */
      rules: z.array(failureRule).max(20, 'failurePolicy.rules may hold at most 20 rules').optional(),
    },
    { error: 'failurePolicy must be an object with maxFailedInstances, maxFailedPercent and/or rules' },
  )
  .strict();

/**
 * Ends the job `Completed` once chosen instances, or a count of them, have succeeded; the rest are cancelled
 * (Kubernetes' successPolicy rule). Both: that many of the chosen instances.
 */
const successPolicy = z
  .object(
    {
      succeededIndexes: z
        .string({
          error: 'successPolicy.succeededIndexes must be a string of indexes and ranges, e.g. "0-3,7"',
        })
        .regex(INDEX_LIST, 'successPolicy.succeededIndexes must list indexes and ranges, e.g. "0-3,7"')
        .optional(),
      succeededCount: z
        .number({ error: 'successPolicy.succeededCount must be a whole number, e.g. 3' })
        .int('successPolicy.succeededCount must be a whole number, e.g. 3')
        .min(1, 'successPolicy.succeededCount must be at least 1')
        .max(MAX_INSTANCES, `successPolicy.succeededCount must be at most ${MAX_INSTANCES}`)
        .optional(),
    },
    { error: 'successPolicy must be an object with succeededIndexes and/or succeededCount' },
  )
  .strict()
  .refine((policy) => policy.succeededIndexes !== undefined || policy.succeededCount !== undefined, {
    message: 'successPolicy needs succeededIndexes, succeededCount or both',
  });

/** Jobs of the same tenant this job waits for (AWS Batch's dependsOn). */
const dependsOn = z
  .object(
    {
      jobs: z
        .array(jobIdSchema, { error: 'dependsOn.jobs must be a list of job ids, e.g. ["extract-42"]' })
        .min(1, 'dependsOn.jobs must name at least one job')
        .max(20, 'dependsOn.jobs may name at most 20 jobs')
        .refine((jobs) => new Set(jobs).size === jobs.length, 'dependsOn.jobs must not name a job twice'),
      condition: z
        .enum(['AllSucceeded', 'AllFinished'], {
          error: 'dependsOn.condition must be "AllSucceeded" (the default) or "AllFinished"',
        })
        .default('AllSucceeded'),
    },
    { error: 'dependsOn must be an object: { jobs: [job ids], condition: "AllSucceeded" | "AllFinished" }' },
  )
  .strict();

const armId = (what: string, segment: string) =>
  z
    .string()
    .regex(
      new RegExp(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${segment}/.+`, 'i'),
      `${what} must be a full ARM resource id (/subscriptions/.../resourceGroups/.../providers/${segment}/...)`,
    );

const jobSpecObject = z
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
    failurePolicy: jobFailurePolicy.optional(),
    successPolicy: successPolicy.optional(),
    dependsOn: dependsOn.optional(),
    /**
     * The index each instance runs as (ACI_BATCH_INSTANCE_INDEX, run ids, group names), by position in
     * `instances`: a rerun keeps the indexes of the instances it runs again. Default 0 to instances − 1.
     */
    instanceIndexes: z
      .array(
        z
          .number()
          .int('instanceIndexes must be whole numbers')
          .min(0, 'instanceIndexes must be at least 0')
          .max(MAX_INSTANCES - 1, `instanceIndexes must be below ${MAX_INSTANCES}`),
        { error: 'instanceIndexes must be a list of instance indexes, one per instance' },
      )
      .max(MAX_INSTANCES, `instanceIndexes may list at most ${MAX_INSTANCES} indexes`)
      .optional(),
    /** the job this one reruns (set by `aci-batch rerun` and `POST /v1/jobs/{jobId}/rerun`) */
    rerunOf: jobIdSchema.optional(),
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
  .strict();

export const jobSpecSchema = jobSpecObject.superRefine((spec, ctx) => {
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
  checkIndexes(spec, ctx);
  if (spec.jobId !== undefined && spec.dependsOn?.jobs.includes(spec.jobId)) {
    ctx.addIssue({
      code: 'custom',
      path: ['dependsOn', 'jobs', spec.dependsOn.jobs.indexOf(spec.jobId)],
      message: 'a job cannot depend on itself',
    });
  }
});

type ParsedSpec = Pick<z.output<typeof jobSpecObject>, 'instances' | 'instanceIndexes' | 'successPolicy'>;

/** instanceIndexes one per instance, none twice; successPolicy naming instances the job has. */
function checkIndexes(spec: ParsedSpec, ctx: z.core.$RefinementCtx): void {
  const count = typeof spec.instances === 'number' ? spec.instances : spec.instances.length;
  const indexes = spec.instanceIndexes;
  if (indexes) {
    if (indexes.length !== count) {
      ctx.addIssue({
        code: 'custom',
        path: ['instanceIndexes'],
        message: `instanceIndexes must list one index per instance (${count}), not ${indexes.length}`,
      });
    }
    const seen = new Set<number>();
    indexes.forEach((index, position) => {
      if (seen.has(index)) {
        ctx.addIssue({
          code: 'custom',
          path: ['instanceIndexes', position],
          message: `instance index ${index} is listed twice; each instance runs as its own index`,
        });
      }
      seen.add(index);
    });
  }
  const policy = spec.successPolicy;
  if (!policy) return;
  const known = indexes ? new Set(indexes) : undefined;
  const has = (index: number) => (known ? known.has(index) : index < count);
  let chosen = count;
  if (policy.succeededIndexes !== undefined) {
    const parsed = parseIndexList(policy.succeededIndexes);
    const missing = parsed.problem ?? parsed.indexes.find((index) => !has(index));
    if (typeof missing === 'string') {
      ctx.addIssue({ code: 'custom', path: ['successPolicy', 'succeededIndexes'], message: missing });
      return;
    }
    if (missing !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['successPolicy', 'succeededIndexes'],
        message: `instance ${missing} is not one of this job's instances (${indexes ? `instanceIndexes` : `0 to ${count - 1}`})`,
      });
      return;
    }
    chosen = parsed.indexes.length;
  }
  if (policy.succeededCount !== undefined && policy.succeededCount > chosen) {
    ctx.addIssue({
      code: 'custom',
      path: ['successPolicy', 'succeededCount'],
      message: `successPolicy.succeededCount ${policy.succeededCount} is more than the ${chosen} instances it counts from; lower it`,
    });
  }
}

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

/** What a user writes (defaults may be left out). */
export type JobSpecInput = z.input<typeof jobSpecSchema>;
/** A validated spec with every default filled in. */
export type JobSpec = z.output<typeof jobSpecSchema>;
export type FailurePolicy = JobSpec['onFailure'];
export type JobFailurePolicy = NonNullable<JobSpec['failurePolicy']>;
export type FailureRule = NonNullable<JobFailurePolicy['rules']>[number];
export type SuccessPolicy = NonNullable<JobSpec['successPolicy']>;
export type DependsOn = NonNullable<JobSpec['dependsOn']>;
export type InstanceParams = z.output<typeof instanceParams>;
/** A spec whose job id is settled: what a job's workflow is started with (the edge decides the id). */
export type SubmittedJobSpec = JobSpec & { jobId: string };
/** What only the job needs: its runs never get these (their inputs would repeat them per child). */
type JobOnlyFields =
  'instances' | 'maxParallel' | 'instanceIndexes' | 'successPolicy' | 'dependsOn' | 'rerunOf';
/**
 * One instance's spec, as its run gets it: the instance's env and command merged over the job's, and no
 * instance list (the parent's history holds every child's input: it must not repeat the list per child).
 * The failure policy stays: its rules decide the run's restarts.
 */
export type InstanceSpec = Omit<SubmittedJobSpec, JobOnlyFields>;

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
