/**
 * What the Web UI shows for a job and its runs: readable, and never an environment value.
 */
import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/shared/job-spec';
import { jobDetails, jobSummary, runSummary } from '../../src/shared/summaries';

const spec = parseJobSpec({
  tenant: 'acme',
  jobId: 'nightly-1',
  image: 'myacr.azurecr.io/batch/job:1.0',
  command: ['python', 'main.py'],
  cpu: 2,
  memoryGB: 4,
  instances: [{ env: { SHARD: 'a' } }, { env: { SHARD: 'b' } }],
  env: { MODE: 'full' },
  secretEnv: { DB_PASSWORD: 'hunter2-secret' },
  resourceGroup: 'batch-rg',
});

describe('workflow summaries', () => {
  it('sums a job up in one line', () => {
    expect(jobSummary(spec, 'nightly-1')).toBe(
      'acme/nightly-1: 2 × myacr.azurecr.io/batch/job:1.0 (2 vCPU, 4 GB, eastus)',
    );
  });

  it('names each run by its job and index', () => {
    expect(runSummary(spec, 'nightly-1', 1)).toBe(
      'acme/nightly-1 instance 1 of 2: myacr.azurecr.io/batch/job:1.0',
    );
  });

  it('details the spec without any environment value', () => {
    const details = jobDetails(spec, 'nightly-1');
    expect(details).toContain('`python main.py`');
    expect(details).toContain('resource group: batch-rg');
    expect(details).toContain('restart up to 2 times');
    expect(details).toContain('`acme.nightly-1.<index>` (0 to 1)');
    expect(details).toContain('1 plain and 1 secret variables');
    for (const value of ['hunter2-secret', 'full', 'SHARD']) expect(details).not.toContain(value);
  });
});
