/**
 * The production topology's settings, in one place: the cluster scripts (`npm run cluster`) run with them, and
 * test/tooling/deployment.integration.test.ts holds docker-compose.temporal.yml to them, so that the two cannot
 * drift apart silently.
 *
 * The Temporal server is configured the way its official image configures it: `temporal-server start` with no
 * config file renders the server's embedded config template from environment variables (DB, POSTGRES_SEEDS,
 * NUM_HISTORY_SHARDS, DYNAMIC_CONFIG_FILE_PATH, ...). The cluster and the compose file set the same variables;
 * only the addresses differ.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../temporal-tools';

/** The Temporal server (go.temporal.io/server), built from the Go module proxy; the image tag in compose. */
export const TEMPORAL_SERVER_VERSION = '1.32.2';
/** The Go toolchain the server's go.mod asks for, served by the Go module proxy (GOTOOLCHAIN). */
export const GO_TOOLCHAIN = 'go1.27.3';
/** The Web UI server (github.com/temporalio/ui-server/v2), built the same way; the temporalio/ui tag in compose. */
export const TEMPORAL_UI_VERSION = '2.55.0';
/**
 * PostgreSQL's major version: Debian 12's `postgresql` package, and the `postgres` image in compose. Temporal's
 * `postgres12` plugin supports PostgreSQL 12 and later.
 */
export const POSTGRES_MAJOR = 15;
/** The oldest major the `postgres12` SQL plugin supports. */
export const POSTGRES_MIN_MAJOR = 12;

/** Temporal's SQL plugin for PostgreSQL (`DB` of the server's config template, `--plugin` of temporal-sql-tool). */
export const SQL_PLUGIN = 'postgres12';
export const DB_USER = 'temporal';
export const TEMPORAL_DB = 'temporal';
export const VISIBILITY_DB = 'temporal_visibility';

/**
 * History shards: fixed for the life of a cluster (changing it means a new cluster and a migration). Each shard
 * is a unit of history ownership and of PostgreSQL write concurrency; 4 suits one host with a few hundred
 * concurrent runs. docs/operations.md explains how to size it for production (512 or more).
 */
export const NUM_HISTORY_SHARDS = 4;

/** Where temporal-sql-tool finds the versioned schema of each database, relative to the server's schema folder. */
export const SCHEMA_DIRS: Readonly<Record<string, string>> = {
  [TEMPORAL_DB]: 'postgresql/v12/temporal/versioned',
  [VISIBILITY_DB]: 'postgresql/v12/visibility/versioned',
};
/** The schema folder in the temporalio/admin-tools image (the module's schema/ folder, copied there). */
export const IMAGE_SCHEMA_ROOT = '/etc/temporal/schema';

/** The project's dynamic config file (task-queue fairness, ...), loaded by every server. */
export const DYNAMIC_CONFIG_FILE = join(PROJECT_ROOT, 'temporal', 'dynamic-config.yaml');
/** Where compose mounts it, and points DYNAMIC_CONFIG_FILE_PATH. */
export const IMAGE_DYNAMIC_CONFIG_PATH = '/etc/temporal/config/dynamicconfig/aci-batch.yaml';

/**
 * The server's environment that does not depend on where it runs: compose's `temporal` service sets exactly
 * these values too (the deployment test compares them).
 */
export const SERVER_ENV: Readonly<Record<string, string>> = {
  DB: SQL_PLUGIN,
  DBNAME: TEMPORAL_DB,
  VISIBILITY_DBNAME: VISIBILITY_DB,
  POSTGRES_USER: DB_USER,
  NUM_HISTORY_SHARDS: String(NUM_HISTORY_SHARDS),
  // no authorizer: the frontend is reachable on loopback (or the compose network) only; say so explicitly
  TEMPORAL_ALLOW_NO_AUTH: 'true',
  // the server's own connection pools to PostgreSQL (per process; see docs/operations.md for sizing)
  SQL_MAX_CONNS: '20',
  SQL_MAX_IDLE_CONNS: '20',
  SQL_VIS_MAX_CONNS: '10',
  SQL_VIS_MAX_IDLE_CONNS: '10',
};

export interface ServerEnvOptions {
  dbHost: string;
  dbPort: number;
  dbPassword: string;
  dynamicConfigPath: string;
  /** the address every service binds to */
  bindIp: string;
  /** the frontend's gRPC port, and the other services' ports (default: the server's own defaults) */
  ports?: Partial<ServerPorts>;
  logLevel?: string;
  /** host:port of the server's Prometheus endpoint */
  prometheusEndpoint?: string;
}

/** The ports of one all-services server process (the embedded template's variables). */
export interface ServerPorts {
  FRONTEND_GRPC_PORT: number;
  FRONTEND_HTTP_PORT: number;
  FRONTEND_MEMBERSHIP_PORT: number;
  HISTORY_GRPC_PORT: number;
  HISTORY_MEMBERSHIP_PORT: number;
  MATCHING_GRPC_PORT: number;
  MATCHING_MEMBERSHIP_PORT: number;
  WORKER_GRPC_PORT: number;
  WORKER_MEMBERSHIP_PORT: number;
}

/** The server's defaults (and the compose file's, inside its container). */
export const DEFAULT_SERVER_PORTS: Readonly<ServerPorts> = {
  FRONTEND_GRPC_PORT: 7233,
  FRONTEND_HTTP_PORT: 7243,
  FRONTEND_MEMBERSHIP_PORT: 6933,
  HISTORY_GRPC_PORT: 7234,
  HISTORY_MEMBERSHIP_PORT: 6934,
  MATCHING_GRPC_PORT: 7235,
  MATCHING_MEMBERSHIP_PORT: 6935,
  WORKER_GRPC_PORT: 7239,
  WORKER_MEMBERSHIP_PORT: 6939,
};

/** The full environment of `temporal-server start` (embedded config template). */
export function serverEnv(options: ServerEnvOptions): Record<string, string> {
  const ports = { ...DEFAULT_SERVER_PORTS, ...options.ports };
  return {
    ...SERVER_ENV,
    POSTGRES_SEEDS: options.dbHost,
    DB_PORT: String(options.dbPort),
    POSTGRES_PWD: options.dbPassword,
    DYNAMIC_CONFIG_FILE_PATH: options.dynamicConfigPath,
    BIND_ON_IP: options.bindIp,
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    LOG_LEVEL: options.logLevel ?? 'warn',
    ...(options.prometheusEndpoint ? { PROMETHEUS_ENDPOINT: options.prometheusEndpoint } : {}),
  };
}

export interface SqlConnection {
  host: string;
  port: number;
  user: string;
  password: string;
}

/**
 * The schema setup of both databases, as temporal-sql-tool argument lists, in order: create the database
 * (skipped when it exists), set up the versioning tables at 0.0 (once), and update to the newest version the
 * schema folder holds (a no-op when current; the upgrade step of a new server version). `schemaRoot` is the
 * server module's schema/ folder. The password goes in SQL_PASSWORD, not on the command line.
 */
export function schemaSetupSteps(
  connection: Omit<SqlConnection, 'password'>,
  schemaRoot: string,
): Array<{ database: string; step: 'create' | 'setup' | 'update'; args: string[] }> {
  const common = (database: string) => [
    '--plugin',
    SQL_PLUGIN,
    '--ep',
    connection.host,
    '-p',
    String(connection.port),
    '-u',
    connection.user,
    '--db',
    database,
  ];
  return [TEMPORAL_DB, VISIBILITY_DB].flatMap((database) => [
    { database, step: 'create' as const, args: [...common(database), 'create-database'] },
    { database, step: 'setup' as const, args: [...common(database), 'setup-schema', '-v', '0.0'] },
    {
      database,
      step: 'update' as const,
      args: [...common(database), 'update-schema', '-d', `${schemaRoot}/${SCHEMA_DIRS[database]}`],
    },
  ]);
}
