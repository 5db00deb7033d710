/**
 * What happens inside a container group over time: an operation goes Pending → Creating → Succeeded|Failed
 * while images are "pulled" and processes started; processes exit and set container and group states;
 * restart policies restart them; stop/restart/delete kill them (SIGTERM, then SIGKILL after a grace period).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { inaccessibleImage, serviceUnavailable, type ArmErrorBody } from './arm-errors';
import { CONFIG_MAP_DIR_ENV, type ConfigMapStore } from './config-maps';
import { ContainerLog } from './container-log';
import type { FaultInjector } from './faults';
import { resolveImage, type ImageMap } from './images';
import {
  EVICTED,
  addEvent,
  derivedGroupState,
  restartsAfterExit,
  terminatedState,
  type ArmEvent,
  type AsyncOperation,
  type ContainerRecord,
  type GroupRecord,
  type ProvisioningState,
} from './model';
import { startProcess, type ContainerProcess, type ProcessExit, type ProcessSpec } from './runtime';
import { requestedCores, requestedMemoryInGB, type GroupSpec } from './spec';

export interface ProvisioningPlan {
  /**
   * deploy: start fresh containers; redeploy: kill what runs, then deploy fresh (start, changed PUT);
   * restart: kill and start the same containers again (restartCount + 1); unchanged: nothing to do (same PUT,
   * or a config-map-only change); adopt: a warm group taken from a standby pool, whose containers already run;
   * recover: the platform restarts an evicted Spot group (restartCount + 1, previousState the eviction)
   */
  mode: 'deploy' | 'redeploy' | 'restart' | 'unchanged' | 'adopt' | 'recover';
  pendingMs: number;
  creatingMs: number;
  /** fault rules are not consulted (platform-made operations: standby pool refills, recoveries, takes) */
  skipFaults?: boolean;
}

export interface LifecycleConfig {
  images: ImageMap;
  killGraceMs: number;
  configMaps: ConfigMapStore;
}

/**
 * What an eviction shows (UNCONFIRMED: ACI documents that evicted Spot groups are restarted automatically, not
 * how an eviction looks): this event on the group and on each container.
 */
export const EVICTION_EVENT: EventSpec = {
  name: EVICTED,
  message:
    'The container group was evicted because Azure reclaimed the Spot capacity. It restarts automatically when capacity is available.',
  type: 'Warning',
};

/** Kubernetes-style crash-loop back-off for restart policies Always/OnFailure, capped. */
const RESTART_BACKOFF_BASE_MS = 1_000;
const RESTART_BACKOFF_MAX_MS = 30_000;

type EventSpec = Pick<ArmEvent, 'name' | 'message' | 'type'>;

export class Lifecycle {
  /** every process started and not yet exited, whatever group (or standby pool) it belongs to */
  private readonly live = new Set<ContainerProcess>();

  constructor(
    private readonly config: LifecycleConfig,
    private readonly faults: FaultInjector,
  ) {}

  freshContainers(spec: GroupSpec): ContainerRecord[] {
    return spec.properties.containers.map((container) => ({
      name: container.name,
      image: container.properties.image,
      restartCount: 0,
      events: [],
      log: new ContainerLog(),
    }));
  }

  /** Runs an operation to its end. Rejects with an AbortError when the group is deleted meanwhile. */
  async provision(group: GroupRecord, operation: AsyncOperation, plan: ProvisioningPlan): Promise<void> {
    const { signal } = group.lifetime;
    const skipFaults = plan.skipFaults === true || plan.mode === 'adopt' || plan.mode === 'recover';
    const slow = skipFaults
      ? undefined
      : this.faults.takeProvisioning('slowProvisioning', operation.kind, group.name);
    const failure = skipFaults
      ? undefined
      : this.faults.takeProvisioning('operationFailed', operation.kind, group.name);
    const pendingMs = slow ? slow.pendingMs : plan.pendingMs;
    const creatingMs = slow ? (slow.creatingMs ?? slow.pendingMs) : plan.creatingMs;

    const previousStates = new Map<ContainerRecord, ContainerRecord['currentState']>();
    if (plan.mode === 'restart' || plan.mode === 'redeploy') await this.killAll(group, operation);
    if (plan.mode === 'restart') for (const c of group.containers) previousStates.set(c, c.currentState);
    // an evicted container waits (Waiting/Evicted); the run the eviction ended is its previousState
    if (plan.mode === 'recover') for (const c of group.containers) previousStates.set(c, c.previousState);
    if (plan.mode === 'redeploy') group.containers = this.freshContainers(group.spec);

    await sleep(pendingMs, undefined, { signal });
    if (plan.mode === 'unchanged') {
      // an identical PUT changes nothing: the group keeps its state and its processes
      setStatus(group, operation, 'Succeeded');
      group.operation = undefined;
      return;
    }
    if (plan.mode === 'adopt') {
      // a warm group from a standby pool: provisioned and running already, nothing to pull or start
      setStatus(group, operation, 'Creating');
      await sleep(creatingMs, undefined, { signal });
      return this.finish(group, operation, 'Succeeded');
    }
    if (failure?.code === 'ServiceUnavailable') {
      const error = serviceUnavailable(
        group.location,
        requestedCores(group.spec),
        requestedMemoryInGB(group.spec),
      );
      addEvent(operation.events, { name: 'InsufficientCapacity.', message: error.message, type: 'Warning' });
      return this.finish(group, operation, 'Failed', error);
    }

    setStatus(group, operation, 'Creating');
    const pullStarted = Date.now();
    for (const c of group.containers) {
      c.currentState = { state: 'Waiting', detailStatus: '' };
      this.event(c, operation, { name: 'Pulling', message: `Pulling image "${c.image}"`, type: 'Normal' });
    }
    await sleep(creatingMs, undefined, { signal });

    const missing = group.containers.find((c) => !resolveImage(this.config.images, c.image));
    const inaccessible = missing ?? (failure ? group.containers[0] : undefined);
    if (inaccessible) {
      const error = inaccessibleImage(inaccessible.image, group.name);
      this.event(inaccessible, operation, {
        name: 'Failed',
        message: `Failed to pull image "${inaccessible.image}": ${error.message}`,
        type: 'Warning',
      });
      return this.finish(group, operation, 'Failed', error);
    }

    const pullSeconds = ((Date.now() - pullStarted) / 1000).toFixed(3);
    for (const c of group.containers) {
      signal.throwIfAborted();
      this.event(c, operation, {
        name: 'Pulled',
        message: `Successfully pulled image "${c.image}" in ${pullSeconds}s`,
        type: 'Normal',
      });
      // a restart counts only for a container that ran (not one whose image never came)
      const previousState = previousStates.get(c);
      if (plan.mode === 'recover' && previousState?.state !== 'Terminated') c.previousState = undefined;
      if (previousState?.state === 'Terminated') {
        c.restartCount += 1;
        c.previousState = previousState;
      }
      c.processSpec = this.processSpec(group, c);
      await this.spawn(group, c, operation);
    }
    this.finish(group, operation, 'Succeeded');
  }

  /** SIGKILL to every live process at once (synchronous): for a forced exit of the whole program. */
  killEveryProcessNow(): void {
    for (const child of this.live) child.killNow();
  }

  /** Kills every process of the group and waits until they are gone. */
  async killAll(group: GroupRecord, operation?: AsyncOperation): Promise<void> {
    await Promise.all(group.containers.map((c) => this.kill(c, operation)));
  }

  /**
   * A Spot eviction: every process is killed; each container then waits for the platform's restart
   * (currentState Waiting/Evicted), the run the eviction ended becomes its previousState (Terminated, detailStatus
   * Evicted), and an Evicted warning lands on the group and on each container. UNCONFIRMED shape (see model.ts).
   */
  async evict(group: GroupRecord): Promise<void> {
    const running = new Set(group.containers.filter((c) => c.process !== undefined || c.restartTimer));
    await this.killAll(group);
    const now = Date.now();
    for (const c of group.containers) {
      if (running.has(c) && c.currentState?.state === 'Terminated') {
        c.previousState = { ...c.currentState, detailStatus: EVICTED };
      }
      c.currentState = { state: 'Waiting', detailStatus: EVICTED };
      addEvent(c.events, EVICTION_EVENT, now);
    }
    addEvent(group.events, EVICTION_EVENT, now);
  }

  private kill(c: ContainerRecord, operation: AsyncOperation | undefined): Promise<void> {
    if (c.restartTimer) {
      clearTimeout(c.restartTimer);
      c.restartTimer = undefined;
      if (c.previousState) c.currentState = c.previousState;
    }
    if (c.killing) return c.killing;
    const process = c.process;
    if (!process) return Promise.resolve();
    this.event(c, operation, { name: 'Killing', message: `Stopping container ${c.name}`, type: 'Normal' });
    c.killing = process.terminate(this.config.killGraceMs).then((exit) => {
      c.process = undefined;
      c.killing = undefined;
      c.currentState = terminatedState(c.currentState?.startTime, exit.exitCode);
    });
    return c.killing;
  }

  private processSpec(group: GroupRecord, c: ContainerRecord): ProcessSpec {
    const spec = group.spec.properties.containers.find((container) => container.name === c.name);
    const image = resolveImage(this.config.images, c.image);
    if (!spec || !image) throw new Error(`No runnable definition for container ${c.name}`);
    const env: NodeJS.ProcessEnv = {};
    // Enough of the emulator's environment for `node` and friends to resolve, as an image's PATH would.
    for (const name of ['PATH', 'HOME'] as const)
      if (process.env[name] !== undefined) env[name] = process.env[name];
    for (const variable of spec.properties.environmentVariables) {
      env[variable.name] = variable.secureValue ?? variable.value ?? '';
    }
    env.ACI_EMULATOR_IP = group.ip;
    env[CONFIG_MAP_DIR_ENV] = this.config.configMaps.dirFor(group.uid);
    // As in ACI, a container's command replaces the image's entrypoint.
    const command = spec.properties.command.length > 0 ? spec.properties.command : image.command;
    return { command, cwd: image.cwd, env };
  }

  private async spawn(group: GroupRecord, c: ContainerRecord, operation?: AsyncOperation): Promise<void> {
    const spec = c.processSpec;
    if (!spec) throw new Error(`Container ${c.name} was never provisioned`);
    c.log.clear();
    this.event(c, operation, { name: 'Created', message: `Created container ${c.name}`, type: 'Normal' });
    const child = startProcess(spec, (stream, chunk) => c.log.write(stream, chunk));
    c.process = child;
    this.live.add(child);
    c.currentState = { state: 'Running', startTime: Date.now(), detailStatus: '' };
    void child.exited.then((exit) => {
      this.live.delete(child);
      this.onExit(group, c, child, exit);
    });
    const { error } = await child.started;
    if (error === undefined) {
      this.event(c, operation, { name: 'Started', message: `Started container ${c.name}`, type: 'Normal' });
    } else {
      this.event(c, operation, {
        name: 'Failed',
        message: `Error: failed to start container "${c.name}": ${error}`,
        type: 'Warning',
      });
    }
  }

  private onExit(group: GroupRecord, c: ContainerRecord, child: ContainerProcess, exit: ProcessExit): void {
    // a stopped container keeps only the end of its log, however it stopped (exit, stop, restart, delete)
    if (c.process === child || c.killing) c.log.cutDown();
    if (c.process !== child || c.killing) return;
    c.process = undefined;
    const terminated = terminatedState(c.currentState?.startTime, exit.exitCode);
    c.currentState = terminated;
    if (
      !group.lifetime.signal.aborted &&
      restartsAfterExit(group.spec.properties.restartPolicy, exit.exitCode)
    ) {
      c.previousState = terminated;
      c.currentState = { state: 'Waiting', detailStatus: 'CrashLoopBackOff' };
      this.event(c, undefined, {
        name: 'BackOff',
        message: 'Back-off restarting failed container',
        type: 'Warning',
      });
      const delay = Math.min(RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_BASE_MS * 2 ** c.restartCount);
      c.restartTimer = setTimeout(() => {
        c.restartTimer = undefined;
        c.restartCount += 1;
        void this.spawn(group, c);
      }, delay);
    }
    if (!group.operation) group.state = derivedGroupState(group.containers);
  }

  /** Ends the operation; a success sets the group state from its containers, a failure leaves it Pending. */
  private finish(
    group: GroupRecord,
    operation: AsyncOperation,
    status: 'Succeeded' | 'Failed',
    error?: ArmErrorBody,
  ): void {
    setStatus(group, operation, status);
    if (error) operation.error = error;
    group.operation = undefined;
    if (status === 'Succeeded') group.state = derivedGroupState(group.containers);
  }

  private event(c: ContainerRecord, operation: AsyncOperation | undefined, event: EventSpec): void {
    const now = Date.now();
    addEvent(c.events, event, now);
    if (operation) addEvent(operation.events, event, now);
  }
}

function setStatus(group: GroupRecord, operation: AsyncOperation, status: ProvisioningState): void {
  operation.status = status;
  group.provisioningState = status;
}
