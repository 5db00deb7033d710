import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes the project registers on its namespace and sets from its workflows, so that
 * jobs can be found with `temporal workflow list --query 'AciBatchTenant="acme" AND AciBatchStatus="Running"'`.
 */
export const TENANT = defineSearchAttributeKey('AciBatchTenant', SearchAttributeType.KEYWORD);
export const JOB_ID = defineSearchAttributeKey('AciBatchJobId', SearchAttributeType.KEYWORD);
export const JOB_STATUS = defineSearchAttributeKey('AciBatchStatus', SearchAttributeType.KEYWORD);
/** on schedules and on the jobs they start: the schedule's name */
export const SCHEDULE = defineSearchAttributeKey('AciBatchSchedule', SearchAttributeType.KEYWORD);
/** on a rerun: the job id it reruns (the original's status lists its reruns by it) */
export const RERUN_OF = defineSearchAttributeKey('AciBatchRerunOf', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [TENANT, JOB_ID, JOB_STATUS, SCHEDULE, RERUN_OF] as const;
