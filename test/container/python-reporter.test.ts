/**
 * The Python reporter's own tests (src/container/python/tests: unittest, standard library only), run by
 * `npm test` so CI needs nothing but python3.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

describe('the Python reporter', () => {
  it('passes its unittest suite', () => {
    const run = spawnSync(
      'python3',
      ['-m', 'unittest', 'discover', '-s', 'src/container/python/tests', '-v'],
      {
        cwd: ROOT,
        // no __pycache__ left in the repository
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.error).toBeUndefined();
    // unittest reports on stderr: show it when it fails
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^OK/m);
    expect(run.stderr).toMatch(/Ran \d+ tests/);
  });
});
