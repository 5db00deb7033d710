/**
 * The production Temporal binaries, built from the Go module proxy at pinned versions and cached in the tools
 * folder (.tools/, or ACI_BATCH_TOOLS_DIR) beside the dev server's (dev/temporal-tools.ts):
 *
 *   .tools/temporal-server-1.32.2/temporal-server     go.temporal.io/server/cmd/server
 *   .tools/temporal-server-1.32.2/temporal-sql-tool   go.temporal.io/server/cmd/tools/sql
 *   .tools/temporal-server-1.32.2/schema/             the module's schema files (same version)
 *   .tools/temporal-ui-2.55.0/temporal-ui-server      github.com/temporalio/ui-server/v2/cmd/server
 *
 * The Go caches (GOCACHE, GOMODCACHE) live outside the clone (ACI_BATCH_GO_CACHE, default
 * ~/.cache/aci-batch-go), so that a fresh clone rebuilds in seconds on a machine that built once. The build
 * goes into a scratch folder and is renamed into place (atomic), under a lock, so concurrent starts build once.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOOLS_DIR } from '../temporal-tools';
import { GO_TOOLCHAIN, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from './settings';

export type Log = (message: string) => void;

/** A set of binaries built from one Go module version into one folder of the tools dir. */
export interface GoToolSet {
  /** folder name in the tools dir */
  name: string;
  module: string;
  version: string;
  /** binary name in the folder → package to `go install` */
  binaries: Record<string, string>;
  /** files and folders of the module's source copied beside the binaries (module-relative paths kept) */
  copyFromModule?: string[];
}

/** The server's embedded config template, rendered from environment variables by `temporal-server start`. */
export const SERVER_CONFIG_TEMPLATE = 'common/config/config_template_embedded.yaml';

export const SERVER_TOOLS: GoToolSet = {
  name: `temporal-server-${TEMPORAL_SERVER_VERSION}`,
  module: 'go.temporal.io/server',
  version: `v${TEMPORAL_SERVER_VERSION}`,
  binaries: {
    'temporal-server': 'go.temporal.io/server/cmd/server',
    'temporal-sql-tool': 'go.temporal.io/server/cmd/tools/sql',
  },
  // the schema files of this version; the embedded config template (which variables the server reads)
  copyFromModule: ['schema', SERVER_CONFIG_TEMPLATE],
};

export const UI_TOOLS: GoToolSet = {
  name: `temporal-ui-${TEMPORAL_UI_VERSION}`,
  module: 'github.com/temporalio/ui-server/v2',
  version: `v${TEMPORAL_UI_VERSION}`,
  binaries: { 'temporal-ui-server': 'github.com/temporalio/ui-server/v2/cmd/server' },
};

/** GOCACHE and GOMODCACHE: outside the clone, shared by every clone on the machine. */
export function goCacheDir(): string {
  return (
    process.env.ACI_BATCH_GO_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'aci-batch-go')
  );
}

export function goEnv(): NodeJS.ProcessEnv {
  const cache = goCacheDir();
  return {
    ...process.env,
    GOTOOLCHAIN: GO_TOOLCHAIN,
    GOCACHE: join(cache, 'build'),
    GOMODCACHE: join(cache, 'mod'),
    // module cache files writable, so that the cache can be deleted without chmod
    GOFLAGS: '-modcacherw',
    CGO_ENABLED: '0',
  };
}

export function toolSetDir(set: GoToolSet): string {
  return join(TOOLS_DIR, set.name);
}

/** The folder of an installed tool set, or undefined when a binary or a copied file is missing. */
export function findToolSet(set: GoToolSet): string | undefined {
  const dir = toolSetDir(set);
  try {
    for (const binary of Object.keys(set.binaries)) accessSync(join(dir, binary), constants.X_OK);
    for (const path of set.copyFromModule ?? []) accessSync(join(dir, path));
  } catch {
    return undefined;
  }
  return dir;
}

/** The tool set's folder, building it first when it is not installed. */
export async function ensureToolSet(set: GoToolSet, log: Log): Promise<string> {
  const found = findToolSet(set);
  if (found) return found;
  return withLock(join(TOOLS_DIR, `.${set.name}.lock`), log, async () => {
    // another process may have built it while this one waited for the lock
    const built = findToolSet(set);
    if (built) return built;
    await buildToolSet(set, log);
    return toolSetDir(set);
  });
}

async function buildToolSet(set: GoToolSet, log: Log): Promise<void> {
  const go = goExecutable();
  mkdirSync(TOOLS_DIR, { recursive: true });
  const scratch = mkdtempSync(join(TOOLS_DIR, `.install-${set.name}-`));
  try {
    const env = { ...goEnv(), GOBIN: join(scratch, 'bin') };
    const started = Date.now();
    log(
      `building ${set.module}@${set.version} with ${GO_TOOLCHAIN} (Go caches in ${goCacheDir()}; ` +
        `a first build takes several minutes) ...`,
    );
    await runLogged(
      go,
      ['install', ...Object.values(set.binaries).map((pkg) => `${pkg}@${set.version}`)],
      env,
    );
    const target = join(scratch, set.name);
    mkdirSync(target);
    for (const [binary, pkg] of Object.entries(set.binaries)) {
      // `go install` names a binary after its package's last path element (cmd/server → server)
      renameSync(join(env.GOBIN, pkg.split('/').at(-1)!), join(target, binary));
    }
    if (set.copyFromModule?.length) {
      const moduleDir = moduleSourceDir(go, env, set);
      for (const path of set.copyFromModule) {
        mkdirSync(dirname(join(target, path)), { recursive: true });
        cpSync(join(moduleDir, path), join(target, path), { recursive: true });
      }
    }
    writeFileSync(
      join(target, 'BUILD-INFO'),
      `${set.module}@${set.version}\ntoolchain ${GO_TOOLCHAIN}\nbuilt ${new Date().toISOString()}\n`,
    );
    // an incomplete folder of an earlier build goes (under the lock, no one else builds now)
    if (existsSync(toolSetDir(set))) renameSync(toolSetDir(set), join(scratch, 'incomplete'));
    // rename is atomic: a reader sees no folder or a whole one
    renameSync(target, toolSetDir(set));
    log(`built ${set.name} in ${Math.round((Date.now() - started) / 1000)} s into ${toolSetDir(set)}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The module's source in the module cache (`go mod download -json` names its folder). */
function moduleSourceDir(go: string, env: NodeJS.ProcessEnv, set: GoToolSet): string {
  const output = execFileSync(go, ['mod', 'download', '-json', `${set.module}@${set.version}`], {
    env,
    encoding: 'utf8',
    cwd: TOOLS_DIR,
  });
  const { Dir } = JSON.parse(output) as { Dir?: string };
  if (!Dir || !existsSync(Dir)) throw new Error(`go mod download found no source of ${set.module}`);
  return Dir;
}

function goExecutable(): string {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore', env: { ...process.env, GOTOOLCHAIN: 'local' } });
    return 'go';
  } catch {
    throw new Error(
      'Go is needed to build the Temporal server (go install from the Go module proxy) but `go` is not on ' +
        `PATH. Install Go 1.21 or later (https://go.dev/dl/; it fetches ${GO_TOOLCHAIN} itself), or put ` +
        'prebuilt temporal-server, temporal-sql-tool and schema/ into the tools folder.',
    );
  }
}

/** Runs a command; its output is kept and shown only when it fails. */
function runLogged(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: TOOLS_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (output.length > 200) output.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output.join('')}`),
        );
    });
  });
}

/**
 * Runs `work` holding a lock folder (mkdir is atomic). A lock whose holder process is gone is taken over;
 * waits for a live holder (a build takes minutes).
 */
export async function withLock<T>(lockDir: string, log: Log, work: () => Promise<T>): Promise<T> {
  mkdirSync(join(lockDir, '..'), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readIfExists(join(lockDir, 'pid')));
      // a holder that is gone, or a lock left without a pid (its creator died right after mkdir)
      if (holder ? !isAlive(holder) : ageMs(lockDir) > 10_000) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`waiting for another process (pid ${holder || '?'}) that holds ${lockDir} ...`);
      announced = true;
      await sleep(1000);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
