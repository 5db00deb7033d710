/**
 * Containers as real processes: exit codes become states, stop/start/restart/delete act on the processes,
 * logs, ports on the group's loopback address, environment variables.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startEmulator, type Emulator } from '../../dev/emulator';
import { FAST, RG, RUN_FOREVER, isAlive, nodeGroup, rejectionOf, sdkClient, snapshotOf } from './helpers';
import { waitFor } from '../helpers/wait';

describe('ACI emulator: container lifecycle', () => {
  let emulator: Emulator;
  let client: ReturnType<typeof sdkClient>;
  beforeAll(async () => {
    emulator = await startEmulator({ killGraceMs: 500 });
    client = sdkClient(emulator);
  });
  afterAll(async () => {
    await emulator.close();
  });

  const stateOf = async (name: string) => {
    const group = await client.containerGroups.get(RG, name);
    return { group: group.instanceView?.state, container: group.containers[0]?.instanceView, raw: group };
  };

  it('a process that exits 0: group Succeeded, container Terminated with exitCode 0 and detailStatus Completed', async () => {
    const created = await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'exit-zero',
      nodeGroup('0'),
      FAST,
    );
    expect(created.provisioningState).toBe('Succeeded');
    await waitFor('exit-zero to end', async () => (await stateOf('exit-zero')).group === 'Succeeded');
    const { container, raw } = await stateOf('exit-zero');
    expect(raw.provisioningState).toBe('Succeeded');
    expect(container?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 0,
      detailStatus: 'Completed',
    });
    expect(container?.currentState?.finishTime).toBeInstanceOf(Date);
    expect(container?.currentState?.startTime).toBeInstanceOf(Date);
    expect(container?.restartCount).toBe(0);
  });

  it('a process that exits 3: group Failed, container Terminated with exitCode 3 and detailStatus Error', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'exit-three',
      nodeGroup('process.exit(3)'),
      FAST,
    );
    await waitFor('exit-three to end', async () => (await stateOf('exit-three')).group === 'Failed');
    const { container } = await stateOf('exit-three');
    expect(container?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 3,
      detailStatus: 'Error',
    });
  });

  it("the container's command replaces the image entrypoint and gets env (plain and secure) and ACI_EMULATOR_IP", async () => {
    const script =
      'console.log(JSON.stringify({ argv: process.argv.slice(1), plain: process.env.PLAIN, secret: process.env.SECRET, ip: process.env.ACI_EMULATOR_IP, hasPath: !!process.env.PATH }))';
    const definition = nodeGroup(script);
    const container = definition.containers[0];
    if (!container) throw new Error('no container');
    container.command = ['node', '-e', script, 'arg1'];
    container.environmentVariables = [
      { name: 'PLAIN', value: 'plain-value' },
      { name: 'SECRET', secureValue: 'secret-value' },
    ];
    const created = await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'env-check',
      definition,
      FAST,
    );
    expect(created.containers[0]?.environmentVariables).toEqual([
      { name: 'PLAIN', value: 'plain-value' },
      { name: 'SECRET' },
    ]);
    const logs = await waitFor('env-check output', async () => {
      const { content } = await client.containers.listLogs(RG, 'env-check', 'main');
      return content ? content : undefined;
    });
    const ip = snapshotOf(emulator, 'env-check').ip;
    expect(JSON.parse(logs)).toEqual({
      argv: ['arg1'],
      plain: 'plain-value',
      secret: 'secret-value',
      ip,
      hasPath: true,
    });
    const fetched = await client.containerGroups.get(RG, 'env-check');
    expect(JSON.stringify(fetched)).not.toContain('secret-value');
  });

  it('logs honour tail and timestamps (RFC 3339 with 7 fractional digits)', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'logs',
      nodeGroup("for (let i = 1; i <= 5; i++) console.log('line ' + i); console.error('to stderr');"),
      FAST,
    );
    await waitFor('logs group to end', async () => (await stateOf('logs')).group === 'Succeeded');
    const all = await client.containers.listLogs(RG, 'logs', 'main');
    expect(all.content?.split('\n').filter(Boolean).sort()).toEqual(
      ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'to stderr'].sort(),
    );
    expect(all.content?.endsWith('\n')).toBe(true);
    const tail = await client.containers.listLogs(RG, 'logs', 'main', { tail: 2, timestamps: true });
    const lines = tail.content?.split('\n').filter(Boolean) ?? [];
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z (line \d|to stderr)$/);
    const none = await client.containers.listLogs(RG, 'logs', 'main', { tail: 0 });
    expect(none.content).toBe('');
  });

  it('logs: 4 MB while the container runs, the last 1,000 lines once it has stopped', async () => {
    const write = "for (let i = 1; i <= 3000; i++) console.log('line ' + i);";
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'long-log',
      nodeGroup(`${write} setTimeout(() => {}, 600000)`),
      FAST,
    );
    const lines = async () =>
      ((await client.containers.listLogs(RG, 'long-log', 'main')).content ?? '').split('\n').filter(Boolean);
    await waitFor('all 3000 lines while it runs', async () => (await lines()).length === 3000);
    await client.containerGroups.stop(RG, 'long-log');
    const kept = await lines();
    expect(kept).toHaveLength(1000);
    expect(kept[0]).toBe('line 2001');
    expect(kept.at(-1)).toBe('line 3000');
  });

  it('a container listens on its declared port at the group address (127.0.0.x)', async () => {
    const server =
      "require('http').createServer((q, s) => s.end('hello from ' + process.env.ACI_EMULATOR_IP)).listen(8080, process.env.ACI_EMULATOR_IP)";
    const created = await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'web',
      nodeGroup(server, {
        ipAddress: { type: 'Private', ports: [{ port: 8080, protocol: 'TCP' }] },
      }),
      FAST,
    );
    const ip = created.ipAddress?.ip ?? '';
    expect(ip).toMatch(/^127\.0\.0\.(\d+)$/);
    expect(Number(ip.split('.')[3])).toBeGreaterThanOrEqual(2);
    const text = await waitFor('the container to listen', async () => {
      try {
        return await (await fetch(`http://${ip}:8080/`)).text();
      } catch {
        return undefined;
      }
    });
    expect(text).toBe(`hello from ${ip}`);
    // a second group gets another address and can use the same port
    const other = await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'web-2',
      nodeGroup(server, {
        ipAddress: { type: 'Private', ports: [{ port: 8080 }] },
      }),
      FAST,
    );
    expect(other.ipAddress?.ip).not.toBe(ip);
    const otherText = await waitFor('the second container to listen', async () => {
      try {
        return await (await fetch(`http://${other.ipAddress?.ip}:8080/`)).text();
      } catch {
        return undefined;
      }
    });
    expect(otherText).toBe(`hello from ${other.ipAddress?.ip}`);
  });

  it('stop kills the process (Killing event) and leaves the group Stopped; start runs it again', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'stop-start', nodeGroup(RUN_FOREVER), FAST);
    const pid = await waitFor('a pid', () => snapshotOf(emulator, 'stop-start').containers[0]?.pid);
    expect(isAlive(pid)).toBe(true);

    await client.containerGroups.stop(RG, 'stop-start');
    expect(isAlive(pid)).toBe(false);
    const stopped = await stateOf('stop-start');
    expect(stopped.group).toBe('Stopped');
    expect(stopped.raw.provisioningState).toBe('Succeeded');
    expect(stopped.container?.events?.map((e) => e.name)).toContain('Killing');
    expect(stopped.container?.currentState?.state).toBe('Terminated');

    const restartError = await rejectionOf(
      client.containerGroups.beginRestartAndWait(RG, 'stop-start', FAST),
    );
    expect(restartError.statusCode).toBe(409);
    expect(restartError.code).toBe('ContainerGroupStopped');
    expect(restartError.message).toBe(`Container Group 'stop-start' in resource group '${RG}' is stopped`);

    await client.containerGroups.beginStartAndWait(RG, 'stop-start', FAST);
    const started = await stateOf('stop-start');
    expect(started.group).toBe('Running');
    expect(started.container?.currentState?.state).toBe('Running');
    expect(started.container?.restartCount).toBe(0);
    const newPid = snapshotOf(emulator, 'stop-start').containers[0]?.pid;
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(pid);
    expect(isAlive(newPid ?? 0)).toBe(true);
  });

  it('stop has no effect on a group whose containers have ended', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'stop-done', nodeGroup('0'), FAST);
    await waitFor('stop-done to end', async () => (await stateOf('stop-done')).group === 'Succeeded');
    await client.containerGroups.stop(RG, 'stop-done');
    expect((await stateOf('stop-done')).group).toBe('Succeeded');
  });

  it('restart restarts in place: restartCount 1, previousState, new process, events appended to the operation', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'restart-me',
      nodeGroup("console.log('run at ' + Date.now()); setInterval(() => {}, 1000)"),
      FAST,
    );
    const pid = await waitFor('a pid', () => snapshotOf(emulator, 'restart-me').containers[0]?.pid);
    await client.containerGroups.beginRestartAndWait(RG, 'restart-me', FAST);
    expect(isAlive(pid)).toBe(false);
    const { group, container } = await stateOf('restart-me');
    expect(group).toBe('Running');
    expect(container?.restartCount).toBe(1);
    expect(container?.currentState?.state).toBe('Running');
    expect(container?.previousState).toMatchObject({
      state: 'Terminated',
      exitCode: 143,
      detailStatus: 'Error',
    });
    const started = container?.events?.find((e) => e.name === 'Started');
    expect(started?.count).toBe(2);
    const newPid = snapshotOf(emulator, 'restart-me').containers[0]?.pid;
    expect(newPid).not.toBe(pid);
    expect(isAlive(newPid ?? 0)).toBe(true);
  });

  it('restart of a failed job runs it again (previousState keeps its exit code)', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'rerun', nodeGroup('process.exit(7)'), FAST);
    await waitFor('rerun to fail', async () => (await stateOf('rerun')).group === 'Failed');
    await client.containerGroups.beginRestartAndWait(RG, 'rerun', FAST);
    await waitFor('rerun to fail again', async () => {
      const { group, container } = await stateOf('rerun');
      return group === 'Failed' && container?.restartCount === 1 ? true : undefined;
    });
    const { container } = await stateOf('rerun');
    expect(container?.previousState).toMatchObject({ state: 'Terminated', exitCode: 7 });
    expect(container?.currentState).toMatchObject({ state: 'Terminated', exitCode: 7 });
  });

  it('PUT of an identical definition leaves the process alone; a changed one redeploys it', async () => {
    const definition = nodeGroup(RUN_FOREVER);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'update-me', definition, FAST);
    const pid = await waitFor('a pid', () => snapshotOf(emulator, 'update-me').containers[0]?.pid);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'update-me', definition, FAST);
    expect(snapshotOf(emulator, 'update-me').containers[0]?.pid).toBe(pid);
    const changed = nodeGroup(RUN_FOREVER);
    const container = changed.containers[0];
    if (!container) throw new Error('no container');
    container.environmentVariables = [{ name: 'VERSION', value: '2' }];
    const updated = await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'update-me', changed, FAST);
    expect(updated.instanceView?.state).toBe('Running');
    expect(updated.containers[0]?.environmentVariables).toEqual([{ name: 'VERSION', value: '2' }]);
    expect(isAlive(pid)).toBe(false);
    const newPid = snapshotOf(emulator, 'update-me').containers[0]?.pid;
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(pid);
  });

  it('delete kills the process and frees the address for the next group', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'doomed', nodeGroup(RUN_FOREVER), FAST);
    const { ip } = snapshotOf(emulator, 'doomed');
    const pid = await waitFor('a pid', () => snapshotOf(emulator, 'doomed').containers[0]?.pid);
    const deleted = await client.containerGroups.beginDeleteAndWait(RG, 'doomed');
    expect(deleted.name).toBe('doomed');
    expect(isAlive(pid)).toBe(false);
    expect(emulator.groups().some((g) => g.name === 'doomed')).toBe(false);
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'reborn', nodeGroup(RUN_FOREVER), FAST);
    expect(snapshotOf(emulator, 'reborn').ip).toBe(ip);
  });

  it('stop kills a process that ignores SIGTERM after the grace period (SIGKILL)', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'stubborn',
      nodeGroup(
        "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('ready'); setInterval(() => {}, 1000)",
      ),
      FAST,
    );
    await waitFor('the handler', async () =>
      (await client.containers.listLogs(RG, 'stubborn', 'main')).content?.includes('ready'),
    );
    const pid = snapshotOf(emulator, 'stubborn').containers[0]?.pid ?? 0;
    const started = Date.now();
    await client.containerGroups.stop(RG, 'stubborn');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(isAlive(pid)).toBe(false);
    expect((await stateOf('stubborn')).container?.currentState?.exitCode).toBe(137);
  });

  it('operations while the group is transitioning: 409 ContainerGroupTransitioning', async () => {
    emulator.faults.add({ kind: 'slowProvisioning', group: 'busy', pendingMs: 300, creatingMs: 0 });
    const poller = await client.containerGroups.beginCreateOrUpdate(RG, 'busy', nodeGroup(RUN_FOREVER), FAST);
    const errors = await Promise.all([
      rejectionOf(client.containerGroups.beginRestart(RG, 'busy')),
      rejectionOf(client.containerGroups.stop(RG, 'busy')),
      rejectionOf(client.containerGroups.beginCreateOrUpdate(RG, 'busy', nodeGroup(RUN_FOREVER))),
      rejectionOf(client.containers.listLogs(RG, 'busy', 'main')),
    ]);
    for (const error of errors) {
      expect(error.statusCode).toBe(409);
      expect(error.code).toBe('ContainerGroupTransitioning');
      expect(error.message).toBe("The container group 'busy' is still transitioning, please retry later.");
    }
    await poller.pollUntilDone();
    await client.containerGroups.beginRestartAndWait(RG, 'busy', FAST);
  });

  it('an image missing from the catalogue fails provisioning with InaccessibleImage', async () => {
    const definition = nodeGroup('0');
    const container = definition.containers[0];
    if (!container) throw new Error('no container');
    container.image = 'acibatch.azurecr.io/does-not-exist:1';
    const error = await rejectionOf(
      client.containerGroups.beginCreateOrUpdateAndWait(RG, 'no-image', definition, FAST),
    );
    expect(error.message).toBe(
      "The long-running operation has failed. InaccessibleImage. The image 'acibatch.azurecr.io/does-not-exist:1' in container group 'no-image' is not accessible. Please check the image and registry credential.",
    );
    const { raw, group, container: view } = await stateOf('no-image');
    expect(raw.provisioningState).toBe('Failed');
    expect(group).toBe('Pending');
    expect(view?.currentState?.state).toBe('Waiting');
    expect(view?.events?.map((e) => [e.name, e.type])).toContainEqual(['Failed', 'Warning']);
  });

  it('an image without a command runs the entrypoint from the catalogue', async () => {
    const custom = await startEmulator({
      images: { 'example.io/hello:*': { command: ['node', '-e', "console.log('entrypoint ran')"] } },
    });
    try {
      const customClient = sdkClient(custom);
      await customClient.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'entrypoint',
        {
          location: 'eastus',
          osType: 'Linux',
          restartPolicy: 'Never',
          containers: [
            { name: 'c', image: 'example.io/hello:1.0', resources: { requests: { cpu: 1, memoryInGB: 1 } } },
          ],
        },
        FAST,
      );
      const content = await waitFor('the entrypoint output', async () => {
        const logs = await customClient.containers.listLogs(RG, 'entrypoint', 'c');
        return logs.content || undefined;
      });
      expect(content).toBe('entrypoint ran\n');
    } finally {
      await custom.close();
    }
  });

  it('restart policy OnFailure restarts a failing container', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'on-failure',
      nodeGroup('process.exit(2)', { restartPolicy: 'OnFailure' }),
      FAST,
    );
    await waitFor(
      'a restart',
      async () => ((await stateOf('on-failure')).container?.restartCount ?? 0) >= 1,
      { timeoutMs: 4_000 },
    );
    const { group, container } = await stateOf('on-failure');
    expect(group).toBe('Running');
    expect(container?.previousState).toMatchObject({ state: 'Terminated', exitCode: 2 });
    expect(container?.events?.map((e) => e.name)).toContain('BackOff');
    await client.containerGroups.beginDeleteAndWait(RG, 'on-failure');
  });

  it('close() kills every process the emulator started', async () => {
    const own = await startEmulator();
    const ownClient = sdkClient(own);
    await ownClient.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'left-running',
      nodeGroup(RUN_FOREVER),
      FAST,
    );
    const pid = await waitFor('a pid', () => snapshotOf(own, 'left-running').containers[0]?.pid);
    expect(isAlive(pid)).toBe(true);
    await own.close();
    expect(isAlive(pid)).toBe(false);
  });

  it('killProcesses() SIGKILLs every process at once, for a forced exit that cannot await close()', async () => {
    const own = await startEmulator();
    try {
      const ownClient = sdkClient(own);
      // a process that ignores SIGTERM: only the SIGKILL ends it, before any grace period could pass
      await ownClient.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        'forced-exit',
        nodeGroup("process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);"),
        FAST,
      );
      await waitFor('the handler', async () =>
        (await ownClient.containers.listLogs(RG, 'forced-exit', 'main')).content?.includes('ready'),
      );
      const pid = await waitFor('a pid', () => snapshotOf(own, 'forced-exit').containers[0]?.pid);
      expect(isAlive(pid)).toBe(true);
      own.killProcesses();
      await waitFor('the process to be gone', () => !isAlive(pid) || undefined, { timeoutMs: 2_000 });
    } finally {
      await own.close();
    }
  });
});
