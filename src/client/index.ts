/** The job client library: `new JobClient(temporalClient, { taskQueue, settings })`. */
export * from './errors';
export * from './job-client';
export * from './job-list';
export * from './job-ref';
export * from './job-settings';
export * from './rerun';
export * from './schedule-client';
