/**
 * docker-compose.temporal.yml and the Dockerfile, checked against the project, since no Docker engine runs
 * here: the services, images, healthchecks, start order, volume and ports; the variables the worker and API
 * services set are ones the code reads (and their values pass its validation); the one-shot setup registers
 * exactly the project's search attributes, and its script really does so (run twice, against the dev server);
 * the compose file follows the cluster scripts (`npm run cluster`, dev/cluster): server and PostgreSQL versions,
 * schema steps, server environment, dynamic config, namespace and retention, the app's settings;
 * the image is multi-stage, installs production dependencies only, and runs as a non-root user.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { indexedValueType, NAMESPACE_RETENTION } from '../../dev/temporal-server';
import { apiEnv, EMULATOR_ONLY_ENV, INHERITED_ENV, workerEnv } from '../../dev/cluster/cluster';
import {
  DB_USER,
  DYNAMIC_CONFIG_FILE,
  IMAGE_DYNAMIC_CONFIG_PATH,
  IMAGE_SCHEMA_ROOT,
  POSTGRES_MAJOR,
  schemaSetupSteps,
  SERVER_ENV,
  serverEnv,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
} from '../../dev/cluster/settings';
import { DEFAULT_PORT_OFFSET, portsFor, type ClusterState } from '../../dev/cluster/state';
import { findToolSet, SERVER_CONFIG_TEMPLATE, SERVER_TOOLS } from '../../dev/cluster/tools';
import { durationMs } from '../../src/shared/duration';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { API_ENV_VARS, loadApiConfig } from '../../src/api/main';
import { AZURE_ENV_VARS, loadAzureConfig } from '../../src/azure/client';
import { JOB_SETTINGS_ENV_VARS } from '../../src/client';
import {
  DEFAULT_NAMESPACE,
  DEFAULT_TASK_QUEUE,
  loadTemporalConfig,
  TEMPORAL_ENV_VARS,
} from '../../src/config';
import { ensureTool, PROJECT_ROOT, TEMPORAL_CLI } from '../../dev/temporal-tools';
import { loadJanitorScheduleConfig } from '../../src/janitor-schedule';
import { OBSERVABILITY_ENV_VARS } from '../../src/observability/config';
import { loadPayloadEncryption } from '../../src/security/data-converter';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { STORAGE_ENV_VARS } from '../../src/storage/config';
import { loadWorkerConfig, WORKER_ENV_VARS } from '../../src/worker';

interface Healthcheck {
  test: string | string[];
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const read = (file: string) => readFileSync(join(PROJECT_ROOT, file), 'utf8');
/** The parts of package.json checked here. */
const packageJson = () =>
  JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } };
const compose = parse(read('docker-compose.temporal.yml'), { merge: true }) as ComposeFile;
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.temporal.yml has no service "${name}"`);
  return found;
};

/** Compose's interpolation: `${VAR:-default}` and `${VAR}` from `host`, `$$` for a literal `$`. */
function interpolate(value: string, host: NodeJS.ProcessEnv = {}): string {
  return value.replace(/\$\$|\$\{(\w+)(?::-([^}]*))?\}/g, (match, name?: string, fallback?: string) => {
    if (match === '$$') return '$';
    return host[name!] || fallback || '';
  });
}

/**
 * A service's environment as its container sees it. A bare key (null) passes the host's value through, so
 * `host` plays the user's shell.
 */
function containerEnv(svc: Service, host: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(svc.environment ?? {})) {
    const resolved = value === null ? host[name] : interpolate(String(value), host);
    if (resolved !== undefined) env[name] = resolved;
  }
  return env;
}

const healthcheckText = (svc: Service) => [svc.healthcheck?.test ?? []].flat().join(' ');
const commandText = (svc: Service) => [svc.command ?? []].flat().join(' ');
/** `HOST:HOSTPORT:CONTAINERPORT` entries as { host, hostPort, containerPort }. */
const published = (svc: Service) =>
  (svc.ports ?? []).map((entry) => {
    const [host, hostPort, containerPort] = entry.split(':');
    return { host, hostPort: Number(hostPort), containerPort: Number(containerPort) };
  });

/** Variables @azure/identity's DefaultAzureCredential reads (service principal, workload identity, chain choice). */
const AZURE_IDENTITY_ENV_VARS = [
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_TOKEN_CREDENTIALS',
];

/**
 * Variables of loaders that export no list, each proven read by its loader: a bad value is named in the error.
 */
function probed(loader: (env: NodeJS.ProcessEnv) => unknown, badValues: Record<string, string>): string[] {
  return Object.entries(badValues).map(([name, bad]) => {
    expect(() => loader({ [name]: bad }), `${name} is read`).toThrow(new RegExp(`\\b${name}[.:]`));
    return name;
  });
}
const PAYLOAD_ENV_VARS = () =>
  probed(loadPayloadEncryption, {
    ACI_BATCH_PAYLOAD_KEYS: 'not-a-key',
    ACI_BATCH_CODEC_TOKEN: 'short',
    ACI_BATCH_CODEC_CORS_ORIGINS: 'not an origin',
  });
const JANITOR_ENV_VARS = () =>
  probed(loadJanitorScheduleConfig, {
    ACI_BATCH_JANITOR_INTERVAL: 'often',
    ACI_BATCH_STOPPED_RETENTION: 'forever',
    ACI_BATCH_JANITOR_RESOURCE_GROUP: 'no spaces allowed',
  });

/** What a user's shell holds for the worker and the API (made-up but valid values). */
const HOST_ENV: NodeJS.ProcessEnv = {
  AZURE_SUBSCRIPTION_ID: '11111111-2222-3333-4444-555555555555',
  ACI_RESOURCE_GROUP: 'aci-batch-jobs',
  AZURE_MANAGED_IDENTITY_CLIENT_ID: '66666666-7777-8888-9999-000000000000',
  ACI_BATCH_CALLBACK_SECRET: 'c'.repeat(44),
  ACI_BATCH_API_KEYS: 'acme=acme-key-0123456789abcdef',
  ACI_BATCH_CALLBACK_BASE_URL: 'https://batch.example.com/v1',
};

describe('docker-compose.temporal.yml: the Temporal cluster', () => {
  it('has PostgreSQL, the schema setup, the server, the Web UI, admin tools, the namespace setup, the worker and the API', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'postgresql',
        'temporal',
        'temporal-admin-tools',
        'temporal-schema',
        'temporal-setup',
        'temporal-ui',
        'worker',
      ].sort(),
    );
  });

  it('uses official images at pinned versions', () => {
    const images = Object.fromEntries(
      Object.entries(services)
        .filter(([, svc]) => !svc.build)
        .map(([name, svc]) => [name, svc.image ?? '']),
    );
    expect(images.postgresql).toMatch(/^postgres:\d+/);
    expect(images.temporal).toMatch(/^temporalio\/(auto-setup|server):\d+\.\d+\.\d+$/);
    expect(images['temporal-setup']).toMatch(/^temporalio\/admin-tools:\d+\.\d+\.\d+/);
    expect(images['temporal-admin-tools']).toBe(images['temporal-setup']);
    expect(images['temporal-schema']).toBe(images['temporal-setup']);
    expect(images['temporal-ui']).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    // the admin tools' version follows the server's
    expect(images['temporal-setup']!.split(':')[1]!.split('-')[0]).toBe(images.temporal!.split(':')[1]);
  });

  it('checks the health of PostgreSQL and Temporal the way their tools do', () => {
    expect(healthcheckText(service('postgresql'))).toMatch(/pg_isready -U temporal/);
    // the server image has no client tools: the setup waits with the CLI until the server is SERVING
    expect(commandText(service('temporal-setup'))).toMatch(
      /until temporal operator cluster health --address "\$\$TEMPORAL_ADDRESS" \| grep -q SERVING/,
    );
    for (const name of ['postgresql', 'api']) {
      expect(service(name).healthcheck, `${name} has a healthcheck`).toBeDefined();
    }
  });

  it('starts each service once what it needs is healthy (or, for the app, once the setup has finished)', () => {
    const condition = (name: string, on: string) => service(name).depends_on?.[on]?.condition;
    expect(condition('temporal-schema', 'postgresql')).toBe('service_healthy');
    expect(condition('temporal', 'temporal-schema')).toBe('service_completed_successfully');
    expect(condition('temporal-setup', 'temporal')).toBe('service_started');
    for (const name of ['temporal-ui', 'temporal-admin-tools', 'worker', 'api']) {
      expect(condition(name, 'temporal-setup'), name).toBe('service_completed_successfully');
    }
    expect(service('temporal-schema').restart).toBe('no');
    expect(service('temporal-setup').restart).toBe('no');
  });

  it('keeps PostgreSQL data in a named volume', () => {
    const [volume, target] = (service('postgresql').volumes ?? [])[0]!.split(':');
    expect(target).toBe('/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });

  it('publishes Temporal on 7233 and the Web UI on the port `npm run server` uses, on loopback only', () => {
    expect(published(service('temporal'))).toEqual([
      { host: '127.0.0.1', hostPort: 7233, containerPort: 7233 },
    ]);
    const [ui] = published(service('temporal-ui'));
    expect(ui).toEqual({ host: '127.0.0.1', hostPort: loadTemporalConfig({}).uiPort, containerPort: 8080 });
    expect(Number(service('temporal-ui').environment?.TEMPORAL_UI_PORT)).toBe(ui!.containerPort);
    expect(published(service('postgresql'))).toEqual([]);
    for (const svc of Object.values(services)) {
      for (const port of published(svc)) expect(port.host).toBe('127.0.0.1');
    }
  });

  it('points every Temporal client at the server service, in the project namespace', () => {
    for (const name of ['temporal-setup', 'temporal-admin-tools', 'temporal-ui', 'worker', 'api']) {
      expect(containerEnv(service(name)).TEMPORAL_ADDRESS, name).toBe('temporal:7233');
    }
    expect(containerEnv(service('temporal-setup')).TEMPORAL_NAMESPACE).toBe(DEFAULT_NAMESPACE);
    expect(containerEnv(service('temporal-ui')).TEMPORAL_DEFAULT_NAMESPACE).toBe(DEFAULT_NAMESPACE);
  });
});

describe('docker-compose.temporal.yml: the one-shot setup', () => {
  const script = () => interpolate(commandText(service('temporal-setup')));

  it('registers exactly the search attributes the workflows set (src/shared/search-attributes.ts)', () => {
    const registered = [...script().matchAll(/--name\s+(\w+)\s+--type\s+(\w+)/g)].map(([, name, type]) => ({
      name,
      type,
    }));
    const expected = ALL_SEARCH_ATTRIBUTES.map((key) => ({
      name: key.name,
      type: TypedSearchAttributes.toMetadataType(key.type),
    }));
    expect(registered).toEqual(expected);
    expect(expected.every((attribute) => attribute.type === 'Keyword')).toBe(true);
  });

  describe('its script, run against the real dev server', () => {
    const namespace = `compose-setup-${randomBytes(3).toString('hex')}`;
    let connection: Connection;
    beforeAll(async () => {
      connection = await Connection.connect({ address: inject('temporalDevAddress') });
    });
    afterAll(() => connection?.close());

    const run = () =>
      spawnSync('/bin/sh', ['-c', script()], {
        encoding: 'utf8',
        timeout: 90_000,
        env: {
          PATH: `${dirname(ensureTool(TEMPORAL_CLI))}:${process.env.PATH}`,
          HOME: process.env.HOME,
          // as compose sets them for the container, with the dev server in place of the `temporal` service
          ...containerEnv(service('temporal-setup'), { TEMPORAL_NAMESPACE: namespace }),
          TEMPORAL_ADDRESS: inject('temporalDevAddress'),
        },
      });

    it('creates the namespace and registers the search attributes, and a second run changes nothing', async () => {
      const first = run();
      expect(first.status, first.stderr + first.stdout).toBe(0);
      expect(first.stdout).toMatch(new RegExp(`namespace ${namespace} and its search attributes are ready`));
      const second = run();
      expect(second.status, second.stderr + second.stdout).toBe(0);

      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      for (const key of ALL_SEARCH_ATTRIBUTES) {
        expect(customAttributes?.[key.name], key.name).toBe(indexedValueType(key.type));
      }
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace });
      expect(namespaceInfo?.name).toBe(namespace);
    }, 120_000);
  });
});

describe('docker-compose.temporal.yml follows the cluster scripts (npm run cluster)', () => {
  const temporalEnv = () => containerEnv(service('temporal'));
  const postgresEnv = () => containerEnv(service('postgresql'));
  const tag = (name: string) => (service(name).image ?? '').split(':')[1];
  /** A cluster state as the scripts make one (ports, made-up secrets): the settings they derive from it. */
  const clusterState: ClusterState = {
    dataDir: '/tmp/aci-batch-cluster-drift-test',
    ports: portsFor(DEFAULT_PORT_OFFSET),
    secrets: {
      dbPassword: 'p'.repeat(24),
      apiKeys: { cluster: 'k'.repeat(24) },
      callbackSecret: 's'.repeat(44),
    },
    namespace: DEFAULT_NAMESPACE,
    taskQueue: DEFAULT_TASK_QUEUE,
    processes: {},
  };

  it('runs the server version the cluster builds, with admin tools and Web UI of the versions it uses', () => {
    expect(tag('temporal')).toBe(TEMPORAL_SERVER_VERSION);
    expect(service('temporal').image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    for (const name of ['temporal-schema', 'temporal-setup', 'temporal-admin-tools']) {
      expect(service(name).image, name).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
    }
    expect(service('temporal-ui').image).toBe(`temporalio/ui:${TEMPORAL_UI_VERSION}`);
  });

  it("runs PostgreSQL of the cluster's major version, with the cluster's database superuser", () => {
    expect(service('postgresql').image).toBe(`postgres:${POSTGRES_MAJOR}`);
    expect(postgresEnv().POSTGRES_USER).toBe(DB_USER);
  });

  it("sets up the schema with the cluster's temporal-sql-tool steps, against the compose PostgreSQL", () => {
    const steps = schemaSetupSteps({ host: 'postgresql', port: 5432, user: DB_USER }, IMAGE_SCHEMA_ROOT);
    const lines = commandText(service('temporal-schema'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('temporal-sql-tool '));
    expect(lines).toEqual(steps.map(({ args }) => ['temporal-sql-tool', ...args].join(' ')));
    expect(containerEnv(service('temporal-schema')).SQL_PASSWORD).toBe(postgresEnv().POSTGRES_PASSWORD);
  });

  it("gives the server the cluster's environment; only the addresses differ", () => {
    const env = temporalEnv();
    for (const [name, value] of Object.entries(SERVER_ENV)) expect(env[name], name).toBe(value);
    expect(env).toMatchObject({
      POSTGRES_SEEDS: 'postgresql',
      DB_PORT: '5432',
      POSTGRES_PWD: postgresEnv().POSTGRES_PASSWORD,
      DYNAMIC_CONFIG_FILE_PATH: IMAGE_DYNAMIC_CONFIG_PATH,
    });
    // no variable the cluster does not set (the image's entrypoint sets BIND_ON_IP to the container's address)
    const clusterVariables = Object.keys(
      serverEnv({
        dbHost: '127.0.0.1',
        dbPort: 1,
        dbPassword: 'x',
        dynamicConfigPath: 'x',
        bindIp: '127.0.0.1',
        prometheusEndpoint: '127.0.0.1:1',
      }),
    );
    expect(Object.keys(env).filter((name) => !clusterVariables.includes(name))).toEqual([]);
  });

  it('loads the dynamic config from the one file the cluster and the dev servers load', () => {
    const mounts = (service('temporal').volumes ?? []).map((volume) => volume.split(':'));
    const mount = mounts.find(([, target]) => target === IMAGE_DYNAMIC_CONFIG_PATH);
    expect(mount, 'the dynamic config file is mounted').toBeDefined();
    expect(resolve(PROJECT_ROOT, mount![0]!)).toBe(DYNAMIC_CONFIG_FILE);
    expect(mount![2]).toBe('ro');
  });

  const server = findToolSet(SERVER_TOOLS);
  it.skipIf(!server)("sets only variables the server's embedded config template reads (built server)", () => {
    const template = readFileSync(join(server!, SERVER_CONFIG_TEMPLATE), 'utf8');
    const read = new Set([...template.matchAll(/env "(\w+)"/g)].map(([, name]) => name));
    read.add('TEMPORAL_ALLOW_NO_AUTH'); // a flag of `temporal-server start`, read from its environment
    expect(Object.keys(temporalEnv()).filter((name) => !read.has(name))).toEqual([]);
  });

  it.skipIf(!server)(
    'ships a dynamic config the server accepts (temporal-server validate-dynamic-config)',
    () => {
      const result = spawnSync(
        join(server!, 'temporal-server'),
        ['validate-dynamic-config', DYNAMIC_CONFIG_FILE],
        {
          encoding: 'utf8',
        },
      );
      expect(result.status, result.stdout + result.stderr).toBe(0);
    },
  );

  it("registers the cluster's namespace with its retention", () => {
    const env = containerEnv(service('temporal-setup'));
    expect(env.TEMPORAL_NAMESPACE).toBe(clusterState.namespace);
    expect(durationMs(env.NAMESPACE_RETENTION!)).toBe(durationMs(NAMESPACE_RETENTION));
  });

  it('lets the worker and the API take every setting the cluster gives its own (Azure instead of the emulator)', () => {
    const declared = (name: string) => Object.keys(service(name).environment ?? {});
    const settingsOf = (env: NodeJS.ProcessEnv) =>
      Object.keys(env).filter((name) => !INHERITED_ENV.includes(name) && !EMULATOR_ONLY_ENV.includes(name));
    const workerSettings = settingsOf(workerEnv(clusterState));
    const apiSettings = settingsOf(apiEnv(clusterState));
    expect(workerSettings).toContain('ACI_BATCH_CALLBACK_SECRET');
    expect(apiSettings).toContain('ACI_BATCH_CALLBACK_BASE_URL');
    expect(workerSettings.filter((name) => !declared('worker').includes(name))).toEqual([]);
    expect(apiSettings.filter((name) => !declared('api').includes(name))).toEqual([]);
  });
});

describe('docker-compose.temporal.yml: the worker and the API', () => {
  const worker = service('worker');
  const api = service('api');

  it('are built from this repository, in the `app` profile, and run the compiled entry points', () => {
    for (const svc of [worker, api]) {
      expect(svc.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(svc.profiles).toEqual(['app']);
    }
    expect(worker.command).toEqual(['node', 'dist/worker.js']);
    expect(api.command).toEqual(['node', 'dist/api/main.js']);
    // dist/ is src/ compiled (tsconfig.build.json): the entry points exist as sources
    const build = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as {
      compilerOptions: Record<string, string>;
    };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    // and the tenant console bundled into dist/console, which the image's API serves
    expect(packageJson().scripts.build).toBe('tsc -p tsconfig.build.json && npm run build:console');
    expect(packageJson().scripts['build:console']).toMatch(
      /^vite build --config src\/console\/vite\.config\.mts/,
    );
    expect(existsSync(join(PROJECT_ROOT, 'src', 'worker.ts'))).toBe(true);
    expect(existsSync(join(PROJECT_ROOT, 'src', 'api', 'main.ts'))).toBe(true);
  });

  it('set only variables the worker reads (the loaders its main calls, and @azure/identity)', () => {
    const main = read('src/worker.ts');
    for (const loader of [
      'loadWorkerConfig(',
      'loadAzureConfig(',
      'dataConverterFromEnv(',
      'loadJanitorScheduleConfig(',
      'loadObservabilityConfig(',
      'loadStorageConfig(',
    ]) {
      expect(main, `src/worker.ts calls ${loader})`).toContain(loader);
    }
    const reads = new Set([
      ...TEMPORAL_ENV_VARS,
      ...WORKER_ENV_VARS,
      ...AZURE_ENV_VARS,
      ...AZURE_IDENTITY_ENV_VARS,
      ...PAYLOAD_ENV_VARS(),
      ...JANITOR_ENV_VARS(),
      ...OBSERVABILITY_ENV_VARS,
      ...STORAGE_ENV_VARS,
    ]);
    const unknown = Object.keys(worker.environment ?? {}).filter((name) => !reads.has(name));
    expect(unknown, 'variables no code reads').toEqual([]);
    for (const name of [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TASK_QUEUE',
      'AZURE_SUBSCRIPTION_ID',
      'ACI_RESOURCE_GROUP',
      'AZURE_MANAGED_IDENTITY_CLIENT_ID',
      'ACI_BATCH_CALLBACK_SECRET',
      'ACI_BATCH_PAYLOAD_KEYS',
    ]) {
      expect(worker.environment, name).toHaveProperty(name);
    }
  });

  it('names @azure/identity variables that the installed @azure/identity really reads', () => {
    const root = join(PROJECT_ROOT, 'node_modules', '@azure', 'identity', 'dist', 'commonjs');
    const sources = (readdirSync(root, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(root, file), 'utf8'))
      .join('\n');
    for (const name of AZURE_IDENTITY_ENV_VARS) expect(sources, name).toContain(`"${name}"`);
  });

  it('set only variables the API reads: its own, Temporal, job settings, payload encryption, observability', () => {
    const reads = new Set([
      ...API_ENV_VARS,
      ...TEMPORAL_ENV_VARS,
      ...JOB_SETTINGS_ENV_VARS,
      ...PAYLOAD_ENV_VARS(),
      ...OBSERVABILITY_ENV_VARS,
      ...STORAGE_ENV_VARS,
    ]);
    const unknown = Object.keys(api.environment ?? {}).filter((name) => !reads.has(name));
    expect(unknown, 'variables no code reads').toEqual([]);
    for (const name of [
      'ACI_BATCH_API_KEYS',
      'ACI_BATCH_CALLBACK_SECRET',
      'ACI_BATCH_CALLBACK_BASE_URL',
      'ACI_BATCH_PAYLOAD_KEYS',
    ]) {
      expect(api.environment, name).toHaveProperty(name);
    }
  });

  it("give values the worker's own validation accepts, once the shell provides the Azure settings", () => {
    const env = containerEnv(worker, HOST_ENV);
    const config = loadWorkerConfig(env);
    expect(config.temporal).toMatchObject({
      address: 'temporal:7233',
      namespace: DEFAULT_NAMESPACE,
      taskQueue: DEFAULT_TASK_QUEUE,
    });
    expect(config.callbackSecret).toBe(HOST_ENV.ACI_BATCH_CALLBACK_SECRET);
    const azure = loadAzureConfig(env);
    expect(azure).toMatchObject({
      subscriptionId: HOST_ENV.AZURE_SUBSCRIPTION_ID,
      defaultResourceGroup: HOST_ENV.ACI_RESOURCE_GROUP,
      target: { kind: 'azure', managedIdentityClientId: HOST_ENV.AZURE_MANAGED_IDENTITY_CLIENT_ID },
    });
    expect(() => [loadPayloadEncryption(env), loadJanitorScheduleConfig(env)]).not.toThrow();
    // without them, the worker stops with the variable's name rather than starting half-configured
    expect(() => loadAzureConfig(containerEnv(worker))).toThrow(/AZURE_SUBSCRIPTION_ID: is required/);
  });

  it("give values the API's own validation accepts; it listens on all interfaces on the published port", () => {
    const config = loadApiConfig(containerEnv(api, HOST_ENV));
    expect(config.host).toBe('0.0.0.0');
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.jobSettings.callbackBaseUrl).toBe(HOST_ENV.ACI_BATCH_CALLBACK_BASE_URL);
    expect(published(api)).toEqual([{ host: '127.0.0.1', hostPort: 8080, containerPort: config.port }]);
    expect(healthcheckText(api)).toContain(`http://127.0.0.1:${config.port}/healthz`);
    expect(() => loadApiConfig(containerEnv(api))).toThrow(/ACI_BATCH_API_KEYS: is required/);
  });

  it('give the worker time to finish its tasks when stopped', () => {
    const grace = (worker as { stop_grace_period?: string }).stop_grace_period ?? '10s';
    expect(Number.parseInt(grace, 10)).toBeGreaterThan(30); // the worker's shutdownGraceTime
  });
});

describe('Dockerfile', () => {
  /** Instructions with their continuation lines joined; comments dropped. */
  const instructions = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
  /** The instructions of each stage, by stage name. */
  const stages = new Map<string, typeof instructions>();
  let current: typeof instructions = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      current = [];
      stages.set(/\bAS\s+(\S+)/i.exec(instruction.args)?.[1] ?? `stage${stages.size}`, current);
    }
    current.push(instruction);
  }
  const final = [...stages.values()].at(-1)!;
  const runs = (stage: typeof instructions) => stage.filter((i) => i.keyword === 'RUN').map((i) => i.args);

  it('is multi-stage: the build stage installs everything, compiles, and the runtime copies the result', () => {
    expect(stages.size).toBeGreaterThanOrEqual(2);
    const build = [...stages.values()].find((stage) =>
      runs(stage).some((run) => run.includes('npm run build')),
    );
    expect(build, 'a stage runs npm run build').toBeDefined();
    expect(runs(build!).some((run) => /npm ci(?!.*--omit=dev)/.test(run))).toBe(true);
    const copies = final.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from='));
    expect(copies.map((copy) => copy.args)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/dist\s+\.\/dist$/),
        expect.stringMatching(/node_modules/),
      ]),
    );
  });

  it('ships production dependencies only', () => {
    const installs = [...stages.values()].flatMap(runs).filter((run) => run.includes('npm ci'));
    const fromStage = /--from=(\S+)\s+\S*node_modules/.exec(
      final.find((i) => i.keyword === 'COPY' && i.args.includes('node_modules'))!.args,
    )![1]!;
    expect(runs(stages.get(fromStage)!).join(' ')).toMatch(/npm ci --omit=dev/);
    expect(installs.length).toBeGreaterThanOrEqual(2);
    expect(runs(final).join(' ')).not.toMatch(/npm (ci|install)(?!.*--omit=dev)/);
    expect(final.some((i) => i.keyword === 'ENV' && /NODE_ENV=production/.test(i.args))).toBe(true);
  });

  it('runs as the unprivileged node user, the worker by default', () => {
    const users = final.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users.at(-1)).toBe('node');
    const lastIndex = (keywords: string[]) =>
      final.reduce((last, i, index) => (keywords.includes(i.keyword) ? index : last), -1);
    expect(lastIndex(['USER'])).toBeGreaterThan(lastIndex(['COPY', 'RUN']));
    expect(final.find((i) => i.keyword === 'CMD')?.args).toBe('["node", "dist/worker.js"]');
  });

  it('builds on Debian Node 20 (the SDK core is glibc-only; package.json asks for Node 20)', () => {
    const base = instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='))?.args;
    expect(base).toMatch(/^NODE_IMAGE=node:20[\w.-]*-(bookworm|bullseye)(-slim)?$/);
    expect(packageJson().engines.node).toMatch(/^>=20/);
  });

  it('has a .dockerignore that keeps local state out but lets in what the Dockerfile copies', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['node_modules', 'dist', '.git', '.env', '.tools', '.data'])
      expect(ignored).toContain(entry);
    const copied = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src']));
    for (const source of copied) {
      const pattern = (entry: string) =>
        new RegExp(`^${entry.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
      expect(
        ignored.filter((entry) => pattern(entry).test(source)),
        `${source} is copied but ignored`,
      ).toEqual([]);
      expect(existsSync(join(PROJECT_ROOT, source)), `${source} exists`).toBe(true);
    }
  });
});
