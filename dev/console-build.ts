/**
 * Builds the tenant console (src/console, with Vite) into dist/console when it is missing or older than its
 * sources, so that `npm start` and the browser tests serve the console as the code stands. `npm run build`
 * builds it unconditionally.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConsoleDir } from '../src/api/console-routes';
import { PROJECT_ROOT } from './temporal-tools';

/** What the bundle is made of: the console, the shared contracts it imports, the example specs. */
const SOURCES = ['src/console', 'src/shared', 'examples/specs', 'package-lock.json'];

/** Newest modification time under these paths (files and folders, recursively). */
function newest(paths: string[]): number {
  let latest = 0;
  const visit = (path: string) => {
    const stat = statSync(path);
    latest = Math.max(latest, stat.mtimeMs);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  for (const path of paths) visit(join(PROJECT_ROOT, path));
  return latest;
}

function builtAt(): number | undefined {
  try {
    return statSync(join(defaultConsoleDir(), 'index.html')).mtimeMs;
  } catch {
    return undefined;
  }
}

export function consoleIsStale(): boolean {
  const built = builtAt();
  return built === undefined || built < newest(SOURCES);
}

/** Builds the console unless it is up to date; resolves to whether it built. */
export async function ensureConsoleBuilt(log: (line: string) => void = () => undefined): Promise<boolean> {
  if (!consoleIsStale()) return false;
  log('Building the console (src/console → dist/console) ...');
  await new Promise<void>((resolve, reject) => {
    const vite = join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const child = spawn(
      process.execPath,
      [vite, 'build', '--config', 'src/console/vite.config.mts', '--logLevel', 'warn'],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`building the console failed (vite exit ${code})`)),
    );
  });
  return true;
}
