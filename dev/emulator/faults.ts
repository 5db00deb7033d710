/**
 * Fault injection: rules added by tests (`emulator.faults.add(...)`) or by config (`ACI_EMULATOR_FAULTS`,
 * a JSON array of the same rules). Each rule fires on matching requests/operations `times` times (default 1,
 * or 'always'), optionally only with some `probability`; every firing is counted for a chaos tally.
 */
import { z } from 'zod';

const HTTP_OPERATIONS = [
  'create',
  'get',
  'delete',
  'list',
  'start',
  'stop',
  'restart',
  'logs',
  'operationStatus',
  'usages',
  // Microsoft.ContainerInstance/containerGroupProfiles
  'createProfile',
  'getProfile',
  'deleteProfile',
  'listProfiles',
  // Microsoft.StandbyPool/standbyContainerGroupPools (getStandbyPool includes its runtime view)
  'createStandbyPool',
  'getStandbyPool',
  'deleteStandbyPool',
  'listStandbyPools',
] as const;
export type HttpOperation = (typeof HTTP_OPERATIONS)[number];

/** Operations that run as an ARM long-running operation (`create` includes updates by PUT). */
const PROVISIONING_OPERATIONS = ['create', 'start', 'restart'] as const;
export type ProvisioningOperation = (typeof PROVISIONING_OPERATIONS)[number];

const common = {
  /** only for this container group name (default: any) */
  group: z.string().min(1).optional(),
  times: z.union([z.number().int().positive(), z.literal('always')]).optional(),
  probability: z.number().min(0).max(1).optional(),
};
const httpOperation = z.enum(HTTP_OPERATIONS);
const provisioningOperation = z.enum(PROVISIONING_OPERATIONS);
const seconds = z.number().nonnegative();

const faultSpecSchema = z.discriminatedUnion('kind', [
  /** 429; with `Retry-After` when `retryAfterSeconds` is set (the SDK retries it), else none (the SDK gives up) */
  z.strictObject({
    kind: z.literal('throttle'),
    operation: httpOperation,
    retryAfterSeconds: seconds.optional(),
    ...common,
  }),
  /** 500 or 503 (503 with optional `Retry-After`) */
  z.strictObject({
    kind: z.literal('serverError'),
    operation: httpOperation,
    status: z.union([z.literal(500), z.literal(503)]).optional(),
    retryAfterSeconds: seconds.optional(),
    ...common,
  }),
  /** 409 ContainerGroupTransitioning */
  z.strictObject({ kind: z.literal('transitioning'), operation: httpOperation, ...common }),
  /** PUT → 400 ContainerGroupQuotaReached */
  z.strictObject({ kind: z.literal('quotaReached'), ...common }),
  /** the operation stays `Pending` for `pendingMs`, then `Creating` for `creatingMs` (default: the same) */
  z.strictObject({
    kind: z.literal('slowProvisioning'),
    operation: provisioningOperation.optional(),
    pendingMs: z.number().nonnegative(),
    creatingMs: z.number().nonnegative().optional(),
    ...common,
  }),
  /** the operation ends `Failed` with this error (op status `error{code,message}`) */
  z.strictObject({
    kind: z.literal('operationFailed'),
    operation: provisioningOperation.optional(),
    code: z.enum(['InaccessibleImage', 'ServiceUnavailable']),
    ...common,
  }),
]);

/** A fault rule. `operation` defaults to `create` for the provisioning kinds. */
export type FaultSpec = z.input<typeof faultSpecSchema>;
type ParsedFault = z.output<typeof faultSpecSchema>;
export type FaultKind = ParsedFault['kind'];
export type HttpFault = Extract<ParsedFault, { kind: 'throttle' | 'serverError' | 'transitioning' }>;
type FaultOf<K extends FaultKind> = Extract<ParsedFault, { kind: K }>;

export interface InjectedFault {
  kind: FaultKind;
  operation: HttpOperation;
  group?: string;
  /** epoch ms */
  time: number;
}

interface Rule {
  fault: ParsedFault;
  remaining: number;
}

export function parseFaults(json: string): FaultSpec[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`ACI_EMULATOR_FAULTS is not valid JSON: ${(error as Error).message}`);
  }
  const result = z.array(faultSpecSchema).safeParse(value);
  if (!result.success) {
    throw new Error(`ACI_EMULATOR_FAULTS is not a list of fault rules: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export class FaultInjector {
  private rules: Rule[] = [];
  private readonly log: InjectedFault[] = [];

  constructor(
    initial: readonly FaultSpec[] = [],
    private readonly random: () => number = Math.random,
  ) {
    for (const spec of initial) this.add(spec);
  }

  /** Adds a rule (validated; throws on a malformed one). */
  add(spec: FaultSpec): void {
    const fault = faultSpecSchema.parse(spec);
    const times = fault.times ?? 1;
    this.rules.push({ fault, remaining: times === 'always' ? Infinity : times });
  }

  /** Removes the rules not yet used up; the record of injected faults stays. */
  clear(): void {
    this.rules = [];
  }

  /** How many rules still have firings left. */
  pending(): number {
    return this.rules.length;
  }

  /** Every fault injected so far, oldest first. */
  injected(): readonly InjectedFault[] {
    return this.log;
  }

  /** Injected faults counted by `kind:operation`, e.g. `{ "throttle:create": 2 }`. */
  tally(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { kind, operation } of this.log) {
      const key = `${kind}:${operation}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  /** The HTTP-level fault (429, 5xx, 409) to answer this request with, if any. */
  takeHttp(operation: HttpOperation, group: string | undefined): HttpFault | undefined {
    return this.consume(
      (fault): fault is HttpFault =>
        (fault.kind === 'throttle' || fault.kind === 'serverError' || fault.kind === 'transitioning') &&
        fault.operation === operation,
      operation,
      group,
    );
  }

  /** The quota, slow-provisioning or failure fault for this operation on this group, if any. */
  takeProvisioning<K extends Exclude<FaultKind, HttpFault['kind']>>(
    kind: K,
    operation: ProvisioningOperation,
    group: string,
  ): FaultOf<K> | undefined {
    return this.consume(
      (fault): fault is FaultOf<K> =>
        fault.kind === kind &&
        ('operation' in fault ? (fault.operation ?? 'create') : 'create') === operation,
      operation,
      group,
    );
  }

  private consume<F extends ParsedFault>(
    matches: (fault: ParsedFault) => fault is F,
    operation: HttpOperation,
    group: string | undefined,
  ): F | undefined {
    for (const rule of this.rules) {
      const { fault } = rule;
      if (!matches(fault)) continue;
      if (fault.group !== undefined && fault.group.toLowerCase() !== group?.toLowerCase()) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((other) => other !== rule);
      this.log.push({
        kind: fault.kind,
        operation,
        ...(group === undefined ? {} : { group }),
        time: Date.now(),
      });
      return fault;
    }
    return undefined;
  }
}
