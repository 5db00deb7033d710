/**
 * The "next release" of the workflow code that the upgrade test rolls out mid-job: containerRun records which
 * release started it in its memo. Workflow code (no Node APIs): the bundles import it.
 */
export const UPGRADE_PATCH_ID = 'aci-batch-release-2-records-release';
export const RELEASE_MEMO_KEY = 'aciBatchRelease';
export const RELEASE = 'release-2';
