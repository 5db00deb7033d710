/**
 * The Temporal runtime's logger as JSON lines: worker, workflow (`log` from @temporalio/workflow), activity and
 * core messages go through pino with their ids (workflowId, runId, activityId, ...) plus the job's tenant, job
 * id and instance, read from the workflow id (`<tenant>.<jobId>` for a job, `<tenant>.<jobId>.<index>` for a run).
 */
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import type { Level, Logger } from 'pino';

const PINO_LEVEL: Record<LogLevel, Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export interface JobIds {
  tenant: string;
  jobId: string;
  instanceIndex?: number;
}

/** The job a workflow id names, when it follows the project's naming rules (src/shared/names.ts). */
export function jobIdsOf(workflowId: unknown): JobIds | undefined {
  if (typeof workflowId !== 'string') return undefined;
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)(?:\.(\d+))?$/.exec(workflowId);
  if (!match) return undefined;
  const [, tenant = '', jobId = '', index] = match;
  return index === undefined ? { tenant, jobId } : { tenant, jobId, instanceIndex: Number(index) };
}

export class JsonTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    this.logger[PINO_LEVEL[level]]({ ...jobIdsOf(meta.workflowId), ...meta }, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
