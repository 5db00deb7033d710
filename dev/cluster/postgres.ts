/**
 * The cluster's PostgreSQL: Debian's server binaries (found on the machine, or installed with apt-get when this
 * runs as root), a database cluster of its own in the data folder, listening on 127.0.0.1 only (no Unix socket)
 * on its own port, with password (SCRAM) authentication. PostgreSQL refuses to run as root: as root, every
 * PostgreSQL command runs as the unprivileged `postgres` system user (the package creates it), which owns the
 * data folder; as anyone else, as that user.
 *
 * The database superuser is `temporal`, as in the `postgres` image with POSTGRES_USER=temporal (compose):
 * temporal-sql-tool creates the two databases with it.
 */
import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DB_USER, POSTGRES_MAJOR, POSTGRES_MIN_MAJOR } from './settings';
import type { Log } from './tools';

/** The system user PostgreSQL runs as when the scripts run as root. */
export const POSTGRES_OS_USER = 'postgres';
const BINARIES = ['initdb', 'pg_ctl', 'postgres', 'pg_isready'] as const;

export interface PostgresBinaries {
  bindir: string;
  major: number;
}

export interface PostgresInstance {
  binaries: PostgresBinaries;
  dataDir: string;
  logFile: string;
  port: number;
  password: string;
  /** uid/gid the server runs as (undefined: this process's own) */
  runAs?: { uid: number; gid: number; name: string };
}

const isRoot = () => process.getuid?.() === 0;

/**
 * PostgreSQL's server binaries: ACI_BATCH_PG_BINDIR, Debian's /usr/lib/postgresql/<major>/bin (POSTGRES_MAJOR
 * first, else the newest), then PATH. Undefined when none is found.
 */
export function findPostgres(): PostgresBinaries | undefined {
  const candidates: string[] = [];
  if (process.env.ACI_BATCH_PG_BINDIR) candidates.push(process.env.ACI_BATCH_PG_BINDIR);
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const majors = readdirSync(debianRoot)
      .map(Number)
      .filter((major) => Number.isInteger(major))
      .sort((a, b) => (a === POSTGRES_MAJOR ? -1 : b === POSTGRES_MAJOR ? 1 : b - a));
    candidates.push(...majors.map((major) => join(debianRoot, String(major), 'bin')));
  }
  candidates.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
  for (const bindir of candidates) {
    if (!BINARIES.every((binary) => isExecutable(join(bindir, binary)))) continue;
    const major = majorOf(bindir);
    if (major !== undefined && major >= POSTGRES_MIN_MAJOR) return { bindir, major };
  }
  if (process.env.ACI_BATCH_PG_BINDIR) {
    throw new Error(
      `ACI_BATCH_PG_BINDIR=${process.env.ACI_BATCH_PG_BINDIR} holds no PostgreSQL ${POSTGRES_MIN_MAJOR}+ ` +
        `server binaries (${BINARIES.join(', ')})`,
    );
  }
  return undefined;
}

function majorOf(bindir: string): number | undefined {
  try {
    // "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
    const output = execFileSync(join(bindir, 'postgres'), ['--version'], { encoding: 'utf8' });
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(output);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The binaries, installing Debian's `postgresql` package first when none are found (root only). */
export function ensurePostgres(log: Log): PostgresBinaries {
  const found = findPostgres();
  if (found) return found;
  const advice =
    `PostgreSQL ${POSTGRES_MIN_MAJOR}+ is needed for the cluster. On Debian/Ubuntu: ` +
    `sudo apt-get install postgresql (Debian 12: PostgreSQL ${POSTGRES_MAJOR}); elsewhere install the server ` +
    'package, or set ACI_BATCH_PG_BINDIR to the folder of initdb, pg_ctl and postgres.';
  if (!isRoot() || !isExecutable('/usr/bin/apt-get')) throw new Error(advice);
  log('PostgreSQL not found: installing Debian\'s "postgresql" package with apt-get ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'postgresql']]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) {
      throw new Error(`apt-get ${args.join(' ')} failed:\n${result.stderr || result.stdout}\n${advice}`);
    }
  }
  const installed = findPostgres();
  if (!installed)
    throw new Error(`apt-get installed postgresql, but no server binaries were found. ${advice}`);
  log(`installed PostgreSQL ${installed.major} (${installed.bindir})`);
  return installed;
}

/** The unprivileged user to run PostgreSQL as, when this process is root. */
export function postgresRunAs(): PostgresInstance['runAs'] {
  if (!isRoot()) return undefined;
  const uid = idOf('-u');
  const gid = idOf('-g');
  if (uid === undefined || gid === undefined) {
    throw new Error(
      `PostgreSQL refuses to run as root, and there is no "${POSTGRES_OS_USER}" system user to run it as ` +
        `(Debian's postgresql package creates it; or: useradd --system ${POSTGRES_OS_USER}).`,
    );
  }
  return { uid, gid, name: POSTGRES_OS_USER };
}

function idOf(flag: '-u' | '-g'): number | undefined {
  const result = spawnSync('id', [flag, POSTGRES_OS_USER], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.trim()) : undefined;
}

/**
 * Makes the data folder's parents passable for the PostgreSQL user: it must reach its data folder, and a
 * clone under a private home folder (mode 700) would stop it. Only the execute bit for others is added
 * (`chmod o+x`: pass through, not list), and each change is logged.
 */
export function makeReachable(path: string, runAs: PostgresInstance['runAs'], log: Log): void {
  if (!runAs) return;
  const chain: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    if (canPass(dir, runAs)) continue;
    chmodSync(dir, statSync(dir).mode | 0o001);
    log(`chmod o+x ${dir}: the ${runAs.name} user must pass through it to reach ${path}`);
  }
}

function canPass(dir: string, runAs: NonNullable<PostgresInstance['runAs']>): boolean {
  return spawnSync('test', ['-x', dir], { uid: runAs.uid, gid: runAs.gid }).status === 0;
}

/** Creates the database cluster (initdb) unless the data folder holds one. */
export function initCluster(pg: PostgresInstance, log: Log): boolean {
  if (existsSync(join(pg.dataDir, 'PG_VERSION'))) {
    const version = Number(readFileSync(join(pg.dataDir, 'PG_VERSION'), 'utf8').trim());
    if (version !== pg.binaries.major) {
      throw new Error(
        `${pg.dataDir} holds a PostgreSQL ${version} cluster but the binaries are PostgreSQL ` +
          `${pg.binaries.major} (${pg.binaries.bindir}): set ACI_BATCH_PG_BINDIR to PostgreSQL ${version}'s, or ` +
          'upgrade the data with pg_upgrade (docs/operations.md), or delete the data folder to start afresh',
      );
    }
    return false;
  }
  mkdirSync(pg.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(dirname(pg.dataDir), '.pg-password');
  writeFileSync(pwfile, `${pg.password}\n`, { mode: 0o600 });
  own(pg, pg.dataDir, pwfile);
  try {
    log(`initdb: a new PostgreSQL ${pg.binaries.major} cluster in ${pg.dataDir}`);
    runPg(pg, 'initdb', [
      '--pgdata',
      pg.dataDir,
      '--username',
      DB_USER,
      '--pwfile',
      pwfile,
      '--auth',
      'scram-sha-256',
      '--encoding',
      'UTF8',
      '--no-locale',
    ]);
  } finally {
    execFileSync('rm', ['-f', pwfile]);
  }
  // loopback only, no Unix socket (its path would depend on the clone's location and its length)
  writeFileSync(
    join(pg.dataDir, 'postgresql.auto.conf'),
    [
      '# written by dev/cluster (npm run cluster); ALTER SYSTEM may add to it',
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      // Temporal's pools: 20 + 10 per server process, plus temporal-sql-tool and headroom
      'max_connections = 100',
      'shared_buffers = 128MB',
      "password_encryption = 'scram-sha-256'",
      '',
    ].join('\n'),
  );
  own(pg, join(pg.dataDir, 'postgresql.auto.conf'));
  return true;
}

/** Starts the server (pg_ctl start waits until it accepts connections); a no-op when it already runs. */
export async function startPostgres(pg: PostgresInstance, log: Log): Promise<void> {
  if (isPostgresRunning(pg)) return;
  prepareLogFile(pg);
  log(`starting PostgreSQL ${pg.binaries.major} on 127.0.0.1:${pg.port} (log: ${pg.logFile})`);
  runPg(pg, 'pg_ctl', [
    'start',
    '--pgdata',
    pg.dataDir,
    '--log',
    pg.logFile,
    '--wait',
    '--timeout',
    '60',
    '-o',
    `-p ${pg.port}`,
  ]);
  await waitReady(pg, 60_000);
}

/** `fast` stops cleanly (open transactions are rolled back); `immediate` is a crash (recovery at the next start). */
export function stopPostgres(pg: PostgresInstance, mode: 'fast' | 'immediate' = 'fast'): void {
  if (!isPostgresRunning(pg)) return;
  runPg(pg, 'pg_ctl', ['stop', '--pgdata', pg.dataDir, '--mode', mode, '--wait', '--timeout', '60']);
}

export function isPostgresRunning(pg: PostgresInstance): boolean {
  if (!existsSync(join(pg.dataDir, 'PG_VERSION'))) return false;
  return spawnPg(pg, 'pg_ctl', ['status', '--pgdata', pg.dataDir]).status === 0;
}

/** The postmaster's pid (first line of postmaster.pid), when it runs. */
export function postgresPid(pg: PostgresInstance): number | undefined {
  if (!isPostgresRunning(pg)) return undefined;
  try {
    return Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

export async function waitReady(pg: PostgresInstance, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isReady(pg)) {
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL did not accept connections on 127.0.0.1:${pg.port} (log: ${pg.logFile})`);
    }
    await sleep(250);
  }
}

export function isReady(pg: PostgresInstance): boolean {
  return (
    spawnPg(pg, 'pg_isready', ['--host', '127.0.0.1', '--port', String(pg.port), '--username', DB_USER])
      .status === 0
  );
}

function prepareLogFile(pg: PostgresInstance): void {
  mkdirSync(dirname(pg.logFile), { recursive: true });
  closeSync(openSync(pg.logFile, 'a'));
  own(pg, pg.logFile);
}

function own(pg: PostgresInstance, ...paths: string[]): void {
  if (!pg.runAs) return;
  for (const path of paths) chownSync(path, pg.runAs.uid, pg.runAs.gid);
}

function spawnPg(pg: PostgresInstance, binary: string, args: string[]) {
  const options: SpawnSyncOptions = {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // the user's own HOME and locale do not apply to the postgres user
    env: { PATH: process.env.PATH, LANG: 'C', PGPASSWORD: pg.password },
    cwd: '/',
    ...(pg.runAs ? { uid: pg.runAs.uid, gid: pg.runAs.gid } : {}),
  };
  return spawnSync(join(pg.binaries.bindir, binary), args, options);
}

function runPg(pg: PostgresInstance, binary: string, args: string[]): void {
  const result = spawnPg(pg, binary, args);
  if (result.status !== 0) {
    const output = `${String(result.stderr ?? '')}${String(result.stdout ?? '')}`.trim();
    throw new Error(`${binary} ${args[0]} failed (exit ${result.status ?? result.signal}): ${output}`);
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
