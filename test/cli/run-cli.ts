/** Runs the CLI as users do, a separate process, from its TypeScript source. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

/**
 * `env` is the whole environment besides PATH and HOME: nothing of the test process (a developer's
 * TEMPORAL_ADDRESS or Azure settings) leaks into the command under test.
 */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      TSX,
      [MAIN, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? error.code : 0;
        if (typeof code !== 'number') return reject(error ?? new Error('no exit code'));
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The command's stdout as JSON; on failure the message shows what the command printed. */
export function parseJson<T>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit code ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}
