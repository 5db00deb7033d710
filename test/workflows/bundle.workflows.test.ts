/**
 * The workflow bundle as the worker's reusable V8 context evaluates it: the SDK's bootstrap modules once,
 * shared, and the workflows module with everything it imports once per workflow (a module cache per workflow
 * behind `__webpack_module_cache__`). So what src/workflows imports at module level is paid for by every
 * `containerRun`: zod and the job spec's schemas must not be among it (src/workflows/job-input.ts loads them
 * when a job validates its spec), nor fflate (src/capacity/packed-snapshot.ts loads it when the ledger
 * continues as new); the lint rule in eslint.config.mjs keeps value imports of them out.
 */
import { readFileSync } from 'node:fs';
import { createContext, runInContext } from 'node:vm';
import { describe, expect, inject, it } from 'vitest';

interface Evaluated {
  /** the modules one workflow's import of src/workflows evaluated */
  modules: string[];
  /** CPU per workflow for that import, averaged */
  cpuMs: number;
}

/** Imports the bundle's workflows `times` times, each with a fresh per-workflow module cache. */
function evaluatePerWorkflow(code: string, times: number): Evaluated {
  const shared = new Map<PropertyKey, unknown>();
  let perWorkflow: Map<PropertyKey, unknown> | undefined;
  const cache = new Proxy(
    {},
    {
      get: (_, key) => shared.get(key) ?? perWorkflow?.get(key),
      set: (_, key, value) => {
        (perWorkflow ?? shared).set(key, value);
        return true;
      },
      deleteProperty: (_, key) => (perWorkflow ?? shared).delete(key),
    },
  );
  const context = createContext({});
  Object.defineProperty(context, '__webpack_module_cache__', { value: cache });
  runInContext(code, context);
  const bundle = runInContext('__TEMPORAL__', context) as { importWorkflows(): Record<string, unknown> };
  let modules: string[] = [];
  const started = process.cpuUsage();
  for (let i = 0; i < times; i++) {
    perWorkflow = new Map();
    const workflows = bundle.importWorkflows();
    expect(Object.keys(workflows)).toEqual(
      expect.arrayContaining(['batchJob', 'containerRun', 'janitor', 'capacityLedger']),
    );
    modules = [...perWorkflow.keys()].map(String);
  }
  const cpu = process.cpuUsage(started);
  return { modules, cpuMs: (cpu.user + cpu.system) / 1000 / times };
}

describe('the workflow bundle, per workflow', () => {
  it('evaluates no zod, no schema module and no fflate: a containerRun builds neither the job spec schema nor deflate tables', () => {
    const code = readFileSync(inject('workflowBundlePath'), 'utf8');
    // the bundle has them, for the job's validation
    expect(code).toContain('./node_modules/zod/');
    expect(code).toContain('./src/shared/job-spec.ts');
    expect(code).toContain('./node_modules/fflate/');

    const { modules, cpuMs } = evaluatePerWorkflow(code, 50);
    console.log(`per workflow: ${modules.length} modules evaluated, ${cpuMs.toFixed(2)} ms of CPU`);
    expect(modules).toContain('./src/workflows/containerRun.ts');
    expect(modules).toContain('./src/shared/job-model.ts');
    expect(modules.filter((id) => /zod|job-spec|validation|schedule-spec|fflate/.test(id))).toEqual([]);
  });
});
