/**
 * What the ACI emulator saw, for the chaos assertions: how often each container group was created, which
 * groups are left, and when containers exited compared with when the workflow acted on it.
 */
import type { Emulator, GroupSnapshot, HttpOperation } from '../../dev/emulator';
import type { JobSummary } from '../../src/shared/messages';

/** The clock of the emulator's request log (epoch ms, high resolution). */
const preciseNow = (): number => performance.timeOrigin + performance.now();

/**
 * Groups (of `expectedNames`) not created exactly once, as "<name>: created N times". A PUT answered 201
 * created a group; a PUT answered 200 re-sent the definition of an existing one (an idempotent retry).
 */
export function groupsNotCreatedExactlyOnce(emulator: Emulator, expectedNames: readonly string[]): string[] {
  const creations = new Map<string, number>();
  for (const request of emulator.requests.all({ method: 'PUT', operation: 'create' })) {
    if (request.status === 201 && request.group) {
      const name = request.group.toLowerCase();
      creations.set(name, (creations.get(name) ?? 0) + 1);
    }
  }
  const wrong = expectedNames
    .map((name) => [name, creations.get(name) ?? 0] as const)
    .filter(([, count]) => count !== 1);
  const unexpected = [...creations.keys()].filter((name) => !expectedNames.includes(name));
  return [
    ...wrong.map(([name, count]) => `${name}: created ${count} times`),
    ...unexpected.map((name) => `${name}: created, but no run of these jobs owns it`),
  ];
}

/** PUTs that created or re-sent a group: more PUTs than groups means some were idempotent re-sends. */
export function putCount(emulator: Emulator): number {
  return emulator.requests.all({ method: 'PUT', operation: 'create' }).filter((r) => r.status < 300).length;
}

/**
 * Groups left in the emulator that no run kept by policy, and kept groups whose container still runs
 * (a kept group must be stopped). Empty when the jobs cleaned up after themselves.
 */
export function leakedGroups(emulator: Emulator, summaries: readonly JobSummary[]): GroupSnapshot[] {
  const kept = new Set(
    summaries.flatMap((summary) =>
      summary.runs.filter((run) => run.keptGroup).map((run) => run.groupName.toLowerCase()),
    ),
  );
  return emulator
    .groups()
    .filter(
      (group) =>
        !kept.has(group.name.toLowerCase()) ||
        group.containers.some((container) => container.pid !== undefined),
    );
}

/** A container seen exited in the emulator: one per group and attempt (restartCount). */
export interface ContainerExit {
  group: string;
  restartCount: number;
  exitCode: number | undefined;
  /** when the watcher first saw it, on the request log's clock */
  seenAt: number;
}

/** Polls the emulator's groups and records each container exit; `stop()` ends the polling. */
export function watchContainerExits(
  emulator: Emulator,
  intervalMs = 50,
): { exits: ContainerExit[]; stop(): void } {
  const exits: ContainerExit[] = [];
  const seen = new Set<string>();
  const timer = setInterval(() => {
    for (const group of emulator.groups()) {
      const container = group.containers[0];
      if (container?.state !== 'Terminated') continue;
      const key = `${group.name}#${container.restartCount}`;
      if (seen.has(key)) continue;
      seen.add(key);
      exits.push({
        group: group.name,
        restartCount: container.restartCount,
        exitCode: container.exitCode,
        seenAt: preciseNow(),
      });
    }
  }, intervalMs);
  return { exits, stop: () => clearInterval(timer) };
}

/** What a run does once it has settled an attempt: restart the group, or read its logs and remove it. */
const SETTLING_OPERATIONS: readonly HttpOperation[] = ['restart', 'logs', 'delete', 'stop'];

/** The workflow's first action on a group after its container exited. */
export interface ActionAfterExit {
  exit: ContainerExit;
  operation: HttpOperation;
  /** ms from the exit to the action */
  delayMs: number;
}

/** For each exit, the run's first restart, logs, delete or stop request on the group after it (if any). */
export function actionsAfterExits(emulator: Emulator, exits: readonly ContainerExit[]): ActionAfterExit[] {
  return exits.flatMap((exit) => {
    const action = emulator.requests
      .all({ group: exit.group })
      .find(
        (request) =>
          request.time > exit.seenAt &&
          request.operation !== undefined &&
          SETTLING_OPERATIONS.includes(request.operation),
      );
    return action?.operation
      ? [{ exit, operation: action.operation, delayMs: action.time - exit.seenAt }]
      : [];
  });
}
