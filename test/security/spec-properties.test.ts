/**
 * Hostile input to the job spec schema (property-based, fast-check): whatever a client sends (any JS or JSON
 * value, a valid spec with one field replaced by something hostile, huge values, unicode, wrong types),
 * parseJobSpec either returns a spec or throws a JobSpecError whose problems name a field; never anything else.
 * What it returns, it accepts again unchanged (the workflow re-validates what the client sent).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobSpecError, MAX_INSTANCES, parseJobSpec, type JobSpec } from '../../src/shared/job-spec';

const RUNS = 200;

type Outcome = { spec: JobSpec } | { error: JobSpecError };

/** Parses, failing the property on anything thrown that is not a JobSpecError with named problems. */
function parse(input: unknown): Outcome {
  try {
    return { spec: parseJobSpec(input) };
  } catch (error) {
    if (!(error instanceof JobSpecError)) throw new Error(`threw ${String(error)}, not a JobSpecError`);
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(problem.path).toMatch(/\S/);
      expect(problem.message).toMatch(/\S/);
      expect(error.message).toContain(`${problem.path}: `);
    }
    return { error };
  }
}

/** A returned spec parses again to itself, also after a JSON round trip (workflow input is JSON). */
function expectStable(spec: JobSpec): void {
  expect(parseJobSpec(spec)).toEqual(spec);
  expect(parseJobSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
}

// ---- valid specs -------------------------------------------------------------------------------------------

const dnsLabel = fc.stringMatching(/^[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}$/);
const envName = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/)
  .filter((name) => !name.startsWith('ACI_BATCH_'));
const text = fc.string({ unit: 'grapheme', maxLength: 24 });
const envMap = fc.dictionary(envName, text, { maxKeys: 4 });
const command = fc.array(text, { minLength: 1, maxLength: 3 });
const port = fc.oneof(fc.integer({ min: 1, max: 19_999 }), fc.integer({ min: 30_001, max: 65_535 }));
const duration = (values: Array<string | number>) => fc.constantFrom(...values);

const validSpec = fc
  .record(
    {
      tenant: dnsLabel,
      jobId: dnsLabel,
      image: fc.stringMatching(/^[a-z0-9.]{1,12}\/[a-z0-9/-]{1,16}:[a-z0-9.]{1,6}$/),
      command,
      cpu: fc.double({ min: 0.1, max: 31, noNaN: true }),
      memoryGB: fc.double({ min: 0.1, max: 240, noNaN: true }),
      env: envMap,
      secretEnv: envMap,
      instances: fc.oneof(
        fc.integer({ min: 1, max: MAX_INSTANCES }),
        fc.array(fc.record({ env: envMap, command }, { requiredKeys: [] }), { minLength: 1, maxLength: 4 }),
      ),
      maxParallel: fc.integer({ min: 1, max: 1000 }),
      timeLimit: duration(['1s', '90s', '15m', '2h', '3 days', '30 days', 5_000]),
      monitorInterval: duration(['1s', '30s', '15m', '1h', 1_000]),
      onFailure: fc.oneof(
        fc.record(
          {
            action: fc.constant('restart' as const),
            maxRestarts: fc.integer({ min: 1, max: 10 }),
            backoff: duration(['0s', '10s', '1h']),
            exhausted: fc.constantFrom('delete' as const, 'stop' as const),
          },
          { requiredKeys: ['action'] },
        ),
        fc.record({ action: fc.constantFrom('stop' as const, 'delete' as const) }),
      ),
      onSuccess: fc.constantFrom('delete', 'stop'),
      logTailLines: fc.integer({ min: 0, max: 1000 }),
      region: fc.stringMatching(/^[a-z0-9]{1,12}$/),
      resourceGroup: fc.stringMatching(/^[-\w._()]{1,20}$/),
      identity: fc.constant(
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id',
      ),
      tags: fc.dictionary(
        fc
          .string({ minLength: 1, maxLength: 12 })
          .filter((key) => !key.toLowerCase().startsWith('aci-batch-')),
        text,
        { maxKeys: 4 },
      ),
    },
    { requiredKeys: ['tenant', 'image'] },
  )
  .chain((spec) =>
    // ports, and a control endpoint on one of them (the schema checks the two together)
    fc
      .uniqueArray(port, { maxLength: 5 })
      .chain((ports) =>
        ports.length === 0
          ? fc.constant({ ...spec, ports })
          : fc
              .option(
                fc.record({ port: fc.constantFrom(...ports), startPath: fc.constantFrom('/start', '/go') }),
              )
              .map((control) => ({ ...spec, ports, ...(control && { control }) })),
      ),
  );

// ---- hostile values ----------------------------------------------------------------------------------------

const hugeNumber = fc.constantFrom(
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_VALUE,
  Number.EPSILON,
  Infinity,
  -Infinity,
  NaN,
  -0,
  1e21,
  2 ** 31,
  -(2 ** 31) - 1,
);
const hugeString = fc.constantFrom(
  'x'.repeat(100_000),
  '9'.repeat(400),
  `${'9'.repeat(400)}ms`,
  '\u0000'.repeat(1_000),
  '🧨'.repeat(10_000),
  'a-'.repeat(20_000),
);
const unicode = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const trickyKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '');
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true,
  }),
  fc.jsonValue(),
  hugeNumber,
  hugeString,
  unicode,
  fc.dictionary(fc.oneof(trickyKey, unicode), fc.oneof(unicode, hugeNumber), { maxKeys: 4 }),
  fc.array(fc.oneof(unicode, hugeNumber, fc.constant(null)), { maxLength: 8 }),
  fc.constant(Array.from({ length: MAX_INSTANCES + 1 }, () => ({}))),
  fc.constant(Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`K${i}`, 'v'.repeat(64)]))),
);

const SPEC_KEYS = [
  'tenant',
  'jobId',
  'image',
  'command',
  'cpu',
  'memoryGB',
  'gpu',
  'env',
  'secretEnv',
  'instances',
  'maxParallel',
  'timeLimit',
  'monitorInterval',
  'onFailure',
  'onSuccess',
  'logTailLines',
  'ports',
  'control',
  'region',
  'resourceGroup',
  'identity',
  'subnetId',
  'tags',
] as const;
/** The schema checks these fields together: a problem with one may be reported at the other. */
const CHECKED_WITH: Partial<Record<string, string[]>> = { ports: ['control'], subnetId: ['ports'] };

describe('the job spec under hostile input (property-based)', () => {
  it('answers any value with a spec or a JobSpecError naming each problem, and accepts what it returns', () => {
    fc.assert(
      fc.property(hostileValue, (input) => {
        const outcome = parse(input);
        if ('spec' in outcome) expectStable(outcome.spec);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts every valid spec, and what it returns parses to itself', () => {
    fc.assert(
      fc.property(validSpec, (input) => {
        const outcome = parse(input);
        if ('error' in outcome) throw new Error(`a valid spec was refused:\n${outcome.error.message}`);
        expectStable(outcome.spec);
      }),
      { numRuns: RUNS },
    );
  });

  it('names the field when a value anywhere in a valid spec is replaced by something hostile', () => {
    fc.assert(
      fc.property(validSpec, fc.nat(), hostileValue, (valid, pick, value) => {
        const { input, path } = replaceAt(valid, pick, value);
        const outcome = parse(input);
        if ('spec' in outcome) return expectStable(outcome.spec);
        expectProblemAt(outcome.error, String(path[0]));
      }),
      { numRuns: RUNS },
    );
  });

  it('names the field when a hostile key is added anywhere in a valid spec', () => {
    const key = fc.oneof(fc.constantFrom(...SPEC_KEYS), unicode, trickyKey, hugeString);
    fc.assert(
      fc.property(validSpec, fc.nat(), key, hostileValue, (valid, pick, name, value) => {
        const { input, path } = addKeyAt(valid, pick, name, value);
        const outcome = parse(input);
        if ('spec' in outcome) return expectStable(outcome.spec);
        const field =
          path.length > 0
            ? String(path[0])
            : (SPEC_KEYS as readonly string[]).includes(name)
              ? name
              : '(spec)';
        expectProblemAt(outcome.error, field);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Some problem is about `field` (or a field the schema checks with it). */
function expectProblemAt(error: JobSpecError, field: string): void {
  const fields = [field, ...(CHECKED_WITH[field] ?? [])];
  const paths = error.problems.map((problem) => problem.path);
  expect(
    paths.some((path) => fields.some((name) => path === name || path.startsWith(`${name}.`))),
    `problems at ${paths.join(', ')} for a hostile ${field}`,
  ).toBe(true);
}

type Path = Array<string | number>;

/** Every place in a JSON-like tree, root first: the paths of its objects, arrays and leaves. */
function placesIn(value: unknown, path: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [path];
  const children = Object.entries(value).flatMap(([key, child]) =>
    placesIn(child, [...path, Array.isArray(value) ? Number(key) : key]),
  );
  return [path, ...children];
}

/** A deep copy of `spec` with the value at one place (chosen by `pick`, never the root) replaced. */
function replaceAt(spec: object, pick: number, value: unknown): { input: unknown; path: Path } {
  const places = placesIn(spec).slice(1);
  const path = places[pick % places.length]!;
  const input = structuredClone(spec);
  setOwn(parentOf(input, path), path.at(-1)!, value);
  return { input, path };
}

/** A deep copy of `spec` with a key added to one of its objects (chosen by `pick`), root included. */
function addKeyAt(spec: object, pick: number, key: string, value: unknown): { input: unknown; path: Path } {
  const input = structuredClone(spec);
  const objects = placesIn(input).filter((path) => {
    const node = valueAt(input, path);
    return typeof node === 'object' && node !== null && !Array.isArray(node);
  });
  const path = objects[pick % objects.length]!;
  setOwn(valueAt(input, path) as object, key, value);
  return { input, path };
}

function valueAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
}

function parentOf(root: unknown, path: Path): object {
  return valueAt(root, path.slice(0, -1)) as object;
}

/** Sets an own, enumerable property, even one named "__proto__", as JSON.parse would. */
function setOwn(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}
