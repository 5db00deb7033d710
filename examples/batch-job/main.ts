/**
 * A sample batch job: does configurable work in steps, reports progress and completion to its run, and can be
 * told to fail (on chosen attempts) or to crash without reporting. Two modes, as in the original design:
 * it starts at once, or (CONTROL_PORT set) it waits for the orchestrator to POST /start and serves GET /progress.
 */
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectReporter, runEnvironment, type RunReporter } from '../../src/container/reporter';
import { loadSampleJobConfig, outputContent, type SampleJobConfig } from './config';

interface WorkState {
  percent: number;
}

/** LOG_LINES numbered lines, LOG_BURST to a write, then LOG_SETTLE_MS of quiet. */
async function writeLogLines(config: SampleJobConfig, attempt: number): Promise<void> {
  for (let from = 1; from <= config.logLines; from += config.logBurst) {
    const to = Math.min(config.logLines, from + config.logBurst - 1);
    let burst = '';
    for (let n = from; n <= to; n++) burst += `attempt ${attempt} line ${String(n).padStart(6, '0')}\n`;
    process.stdout.write(burst);
    await sleep(config.logPauseMs);
  }
  await sleep(config.logSettleMs);
}

async function doWork(config: SampleJobConfig, reporter: RunReporter, state: WorkState): Promise<number> {
  const attempt = await reporter.attempt();
  console.log(`run ${config.runId}, attempt ${attempt}: ${config.steps} steps of ${config.stepMs} ms`);
  await writeLogLines(config, attempt);
  for (let step = 1; step <= config.steps; step++) {
    await sleep(config.stepMs);
    state.percent = Math.round((100 * step) / config.steps);
    console.log(`step ${step}/${config.steps} done`);
    await reporter.progress(state.percent, `step ${step}/${config.steps}`);
  }
  if (config.failOnAttempts.includes(attempt)) {
    const message = `told to fail on attempt ${attempt}`;
    console.error(message);
    if (!config.exitWithoutReport) await reporter.fail(config.failExitCode, message);
    return config.failExitCode;
  }
  for (const output of config.outputs) {
    const uploaded = await reporter.uploadOutput(
      Readable.from([outputContent(output.name, output.bytes)]),
      output.name,
    );
    console.log(`uploaded ${uploaded.name}: ${uploaded.size} bytes, MD5 ${uploaded.contentMd5}`);
  }
  // the last line before the report: once it is accepted, the run reads the log tail and removes the group
  console.log('completed');
  if (!config.exitWithoutReport) await reporter.complete({ steps: config.steps, attempt }, 'all steps done');
  return 0;
}

/** Control mode: serve POST /start (idempotent by run key) and GET /progress, then exit when the work ends. */
function serveControlEndpoint(
  config: SampleJobConfig,
  run: () => Promise<number>,
  state: WorkState,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let started: string | undefined;
    const server = createServer((request, response) => {
      if (request.method === 'POST' && request.url === '/start') {
        const runKey = String(request.headers['idempotency-key'] ?? '');
        if (started === undefined) {
          started = runKey;
          run().then(
            (code) => server.close(() => resolve(code)),
            (error: unknown) =>
              server.close(() => reject(error instanceof Error ? error : new Error(String(error)))),
          );
        }
        response.writeHead(started === runKey ? 202 : 409, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ started: true, runKey: started }));
      } else if (request.method === 'GET' && request.url === '/progress') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ percent: state.percent }));
      } else {
        response.writeHead(404).end();
      }
    });
    server.listen(config.controlPort, config.bindHost, () =>
      console.log(`waiting for POST /start on ${config.bindHost}:${config.controlPort}`),
    );
  });
}

async function main(): Promise<number> {
  // a warm container (from a standby pool) waits here for its run's settings
  const env = await runEnvironment();
  const config = loadSampleJobConfig(env);
  const reporter = await connectReporter(env);
  const state: WorkState = { percent: 0 };
  try {
    const run = () => doWork(config, reporter, state);
    return config.controlPort ? await serveControlEndpoint(config, run, state) : await run();
  } finally {
    await reporter.close();
  }
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(2);
  },
);
