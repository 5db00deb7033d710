/**
 * The spec editor's check (src/console/submit): the same problems as the API, word for word, with the line
 * of each; the signed-in tenant filled in as the API fills it in; YAML and JSON; the examples load for any
 * tenant and pass.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSpec } from '../../src/console/submit/spec-check';
import { isJobSpecExample, specTextWithTenant } from '../../src/console/submit/spec-text';
import { parseJobSpec, type JobSpecError } from '../../src/shared/job-spec';

const SPECS = join(__dirname, '..', '..', 'examples', 'specs');

/** What the API answers for the same fields (src/api/jobs-routes.ts: the tenant filled in, then parseJobSpec). */
function apiProblems(fields: Record<string, unknown>, tenant: string) {
  try {
    parseJobSpec({ ...fields, tenant });
    return [];
  } catch (error) {
    return (error as JobSpecError).problems;
  }
}

describe('checkSpec', () => {
  it('names every problem as the API does, with its line', () => {
    const text = [
      'image: busybox',
      'cpu: 99',
      'instances: 0',
      'ports:',
      '  - 20008',
      'colour: blue',
      '',
    ].join('\n');
    const { problems } = checkSpec(text, 'acme');
    const expected = apiProblems(
      { image: 'busybox', cpu: 99, instances: 0, ports: [20008], colour: 'blue' },
      'acme',
    );
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(problems.map(({ path, message }) => ({ path, message }))).toEqual(expected);
    const lineOf = (path: string) => problems.find((problem) => problem.path === path)?.line;
    expect(lineOf('cpu')).toBe(2);
    expect(lineOf('instances')).toBe(3);
    expect(lineOf('ports.0')).toBe(5);
    expect(lineOf('(spec)')).toBeUndefined();
  });

  it('reads JSON too, and gives a missing field the line of its parent', () => {
    const { problems } = checkSpec('{\n  "image": "busybox",\n  "onFailure": {}\n}\n', 'acme');
    expect(problems).toEqual([expect.objectContaining({ path: 'onFailure.action', line: 3 })]);
  });

  it('fills in the tenant, and refuses another one in the API’s words', () => {
    const ok = checkSpec('image: busybox\n', 'acme');
    expect(ok.problems).toEqual([]);
    expect(ok.body).toEqual({ image: 'busybox', tenant: 'acme' });
    expect(ok.spec?.cpu).toBe(1);

    const other = checkSpec('tenant: globex\nimage: busybox\n', 'acme');
    expect(other.problems).toEqual([
      {
        path: 'tenant',
        message: 'This API key belongs to tenant "acme"; submit with tenant "acme" or leave it out.',
        line: 1,
      },
    ]);
  });

  it('reports syntax errors with their line, and what is not a map of fields', () => {
    expect(checkSpec('image: [busybox\ncpu: 1\n', 'acme').problems[0]).toMatchObject({ path: '(syntax)' });
    expect(checkSpec('image: a\n  bad: indent\n', 'acme').problems[0]?.line).toBeGreaterThanOrEqual(1);
    expect(checkSpec('- a\n- b\n', 'acme').problems).toEqual([
      expect.objectContaining({
        path: '(spec)',
        message: expect.stringContaining('map of fields') as string,
      }),
    ]);
    expect(checkSpec('   \n', 'acme').problems[0]?.message).toMatch(/start from an example/);
  });
});

describe('the example specs', () => {
  const specs = readdirSync(SPECS).filter((name) => /\.(ya?ml|json)$/.test(name));
  const files = specs.filter((name) => isJobSpecExample(readFileSync(join(SPECS, name), 'utf8')));

  it('offers the job specs, not the schedule specs (created elsewhere)', () => {
    expect(files).toContain('sample-batch-job.yaml');
    expect(files).toContain('per-instance.json');
    expect(specs.filter((name) => !files.includes(name))).toEqual(['nightly-schedule.yaml']);
  });

  it.each(files)('%s loads for the signed-in tenant and passes, comments kept', (name) => {
    const text = readFileSync(join(SPECS, name), 'utf8');
    const loaded = specTextWithTenant(name, text, 'acme');
    const check = checkSpec(loaded, 'acme');
    expect(check.problems).toEqual([]);
    expect(check.body?.tenant).toBe('acme');
    if (name.endsWith('.yaml')) expect(loaded.split('\n')[0]).toBe(text.split('\n')[0]); // the leading comment
  });
});
