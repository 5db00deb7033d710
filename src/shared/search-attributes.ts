import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes the project registers on its namespace and sets from its workflows, so that
 * jobs can be found with `temporal workflow list --query 'AciBatchTenant="acme" AND AciBatchStatus="Running"'`.
 */
export const TENANT = defineSearchAttributeKey('AciBatchTenant', SearchAttributeType.KEYWORD);
export const JOB_ID = defineSearchAttributeKey('AciBatchJobId', SearchAttributeType.KEYWORD);
export const JOB_STATUS = defineSearchAttributeKey('AciBatchStatus', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [TENANT, JOB_ID, JOB_STATUS] as const;
