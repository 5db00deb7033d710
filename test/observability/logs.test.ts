import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../../src/observability/logger';
import { jobIdsOf, JsonTemporalLogger } from '../../src/observability/temporal-logger';

/** A logger whose lines are kept, parsed. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('test', 'debug', destination), lines };
}

describe('JSON logs', () => {
  it('redact secrets by key at any of the first three levels, and keep the rest', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        token: 'run-token',
        req: { headers: { authorization: 'Bearer key', 'x-api-key': 'key', accept: 'json' } },
        spec: { image: 'batch:1', secretEnv: { DB_PASSWORD: 'hunter2' } },
        input: { secureEnv: { ACI_BATCH_CALLBACK_TOKEN: 'token' }, name: 'group-1' },
        config: { connectionString: 'InstrumentationKey=secret' },
      },
      'request',
    );
    const line = lines[0]!;
    expect(JSON.stringify(line)).not.toMatch(/run-token|Bearer key|hunter2|InstrumentationKey|"token"}/);
    expect(line).toMatchObject({
      level: 'info',
      name: 'test',
      msg: 'request',
      token: REDACTED,
      req: { headers: { authorization: REDACTED, 'x-api-key': REDACTED, accept: 'json' } },
      spec: { image: 'batch:1', secretEnv: REDACTED },
      input: { secureEnv: REDACTED, name: 'group-1' },
      config: { connectionString: REDACTED },
    });
    expect(typeof line.time).toBe('string');
  });

  it("carry the Temporal runtime's ids, plus the tenant, job id and instance read from the workflow id", () => {
    const { logger, lines } = capture();
    const temporal = new JsonTemporalLogger(logger);
    temporal.info('Run finished', {
      workflowId: 'acme.nightly-1.3',
      runId: 'r-1',
      workflowType: 'containerRun',
    });
    temporal.warn('Job update', { workflowId: 'acme.nightly-1' });
    temporal.error('Activity failed', { activityType: 'deleteContainerGroup', error: new Error('boom') });
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'Run finished',
      workflowId: 'acme.nightly-1.3',
      runId: 'r-1',
      tenant: 'acme',
      jobId: 'nightly-1',
      instanceIndex: 3,
    });
    expect(lines[1]).toMatchObject({ level: 'warn', tenant: 'acme', jobId: 'nightly-1' });
    expect(lines[1]).not.toHaveProperty('instanceIndex');
    expect(lines[2]).toMatchObject({ level: 'error', error: { message: 'boom' } });
  });

  it('read job ids only from workflow ids that follow the naming rules', () => {
    expect(jobIdsOf('acme.job-7.12')).toEqual({ tenant: 'acme', jobId: 'job-7', instanceIndex: 12 });
    expect(jobIdsOf('test-2f1c0a')).toBeUndefined();
    expect(jobIdsOf('a.b.c.d')).toBeUndefined();
    expect(jobIdsOf(undefined)).toBeUndefined();
  });
});
