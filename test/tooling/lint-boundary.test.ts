/**
 * `npm run lint` holds the workflow sandbox's line: the project's own eslint.config.mjs, through ESLint's Node
 * API, lints small sources AS IF they were files of src/workflows (or, for contrast, of src/azure). A workflow
 * file that imports a Node built-in, an Azure SDK, an activity implementation, zod or a schema module's values
 * fails, and so does a floating promise; the activities' types, Node built-ins outside the sandbox and a clean workflow pass.
 *
 * The sources never exist on disk (lintText), so the TypeScript program of the type-aware rules cannot find
 * them through tsconfig.json: the project service's `allowDefaultProject` names the two paths, and it then
 * checks them in its default project, with tsconfig.json's compiler options.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const WORKFLOW_FILE = 'src/workflows/lint-fixture.ts';
const OUTSIDE_SANDBOX_FILE = 'src/azure/lint-fixture.ts';

let eslint: ESLint;

beforeAll(async () => {
  for (const file of [WORKFLOW_FILE, OUTSIDE_SANDBOX_FILE]) {
    expect(existsSync(join(ROOT, file)), `${file} must not exist: the test lints it as a virtual file`).toBe(
      false,
    );
  }
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: {
      languageOptions: {
        parserOptions: { projectService: { allowDefaultProject: [WORKFLOW_FILE, OUTSIDE_SANDBOX_FILE] } },
      },
    },
  });
  // the first lint loads the config and the TypeScript project service: slow, and not part of any test
  await eslint.lintText('export {};\n', { filePath: join(ROOT, WORKFLOW_FILE) });
}, 120_000);

/** The errors ESLint reports for `code` as the file `file` (a file it cannot parse is an error too). */
async function errorsOf(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result!.messages.filter((message) => message.severity === 2);
}

/** Rule ids, or the message of an error that has none (a parse error), so that a failure shows it. */
const rulesOf = (errors: Linter.LintMessage[]) => errors.map((error) => error.ruleId ?? error.message);

const READS_A_FILE = `import { readFileSync } from 'node:fs';

export function readSpec(path: string): string {
  return readFileSync(path, 'utf8');
}
`;

describe('a workflow file (src/workflows) may not import', () => {
  it.each([
    ['a Node built-in', READS_A_FILE, /no Node built-ins/],
    [
      'an Azure SDK',
      `import { DefaultAzureCredential } from '@azure/identity';

export function credential(): DefaultAzureCredential {
  return new DefaultAzureCredential();
}
`,
      /calls Azure only through activities/,
    ],
    [
      'the activity implementations',
      `import { createActivities } from '../activities';

export const activities: typeof createActivities = createActivities;
`,
      /import only their types/,
    ],
    [
      'code of another layer',
      `import { emulatorCredential } from '../azure/client';

export const credential: typeof emulatorCredential = emulatorCredential;
`,
      /may import only src\/workflows and src\/shared/,
    ],
    [
      'zod (evaluated in every workflow)',
      `import { z } from 'zod';

export const count = z.number().int();
`,
      /no zod here/,
    ],
    [
      "a schema module's values (its zod schemas)",
      `import { parseJobSpec } from '../shared/job-spec';

export const parse = parseJobSpec;
`,
      /import its types only, and values from src\/shared\/job-model.ts/,
    ],
    [
      "the worker's Temporal packages",
      `import { Context } from '@temporalio/activity';

export const heartbeat = (): void => Context.current().heartbeat();
`,
      /runs in the sandbox/,
    ],
  ])('%s', async (_what, code, reason) => {
    const errors = await errorsOf(WORKFLOW_FILE, code);
    expect(rulesOf(errors)).toEqual(['no-restricted-imports']);
    expect(errors[0]!.message).toMatch(reason);
  });
});

describe('a workflow file (src/workflows)', () => {
  it('may import the types of the activities, to proxy them', async () => {
    const code = `import { proxyActivities } from '@temporalio/workflow';
import type { AciActivities } from '../activities/types';

export const aci = proxyActivities<AciActivities>({ startToCloseTimeout: '1 minute' });
`;
    expect(rulesOf(await errorsOf(WORKFLOW_FILE, code))).toEqual([]);
  });

  it("may import a schema module's types, and the job spec's helpers from job-model", async () => {
    const code = `import type { z } from 'zod';
import { instanceCount } from '../shared/job-model';
import type { JobSpec } from '../shared/job-spec';

export type Count = z.infer<z.ZodNumber>;
export const count = (spec: JobSpec): number => instanceCount(spec);
`;
    expect(rulesOf(await errorsOf(WORKFLOW_FILE, code))).toEqual([]);
  });

  it('may not leave a promise floating', async () => {
    const code = `import { sleep } from '@temporalio/workflow';

export async function pause(): Promise<void> {
  sleep('1 second');
  await sleep('1 second');
}
`;
    expect(rulesOf(await errorsOf(WORKFLOW_FILE, code))).toEqual(['@typescript-eslint/no-floating-promises']);
  });

  it('passes when it keeps to the sandbox (so the failures above are the rules at work)', async () => {
    const code = `import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { AciActivities } from '../activities/types';
import { runWorkflowId } from '../shared/names';

const { deleteContainerGroup } = proxyActivities<AciActivities>({ startToCloseTimeout: '1 minute' });
const doneSignal = defineSignal('done');

export async function lintFixture(tenant: string, jobId: string): Promise<string> {
  let done = false;
  setHandler(doneSignal, () => {
    done = true;
  });
  await condition(() => done, '1 hour');
  await sleep('1 second');
  await deleteContainerGroup({ resourceGroup: 'rg', name: jobId });
  return runWorkflowId(tenant, jobId, 0);
}
`;
    expect(rulesOf(await errorsOf(WORKFLOW_FILE, code))).toEqual([]);
  });
});

describe('a file outside the sandbox (src/azure)', () => {
  it('may import Node built-ins', async () => {
    expect(rulesOf(await errorsOf(OUTSIDE_SANDBOX_FILE, READS_A_FILE))).toEqual([]);
  });
});
