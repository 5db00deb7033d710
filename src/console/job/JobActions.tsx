/**
 * Cancel a job that runs or waits for the jobs it depends on; rerun an ended job's failed, timed-out and
 * cancelled instances where the API offers reruns (issue 18: `POST /v1/jobs/:jobId/rerun`, which starts
 * `<jobId>-rerun-<n>`). Both are confirmed first.
 */
import { useConsole } from '../app/context';
import { navigate } from '../app/use-route';
import { jobPath } from '../api/client';
import type { JobAnswer, RerunAnswer } from '../api/types';
import { isJobOpen } from '../../shared/statuses';
import { rerunCount } from '../jobs/job-counts';
import { ConfirmButton } from '../ui/ConfirmButton';

export function JobActions({ job, onChanged }: { job: JobAnswer; onChanged: () => void }) {
  const { api, capabilities } = useConsole();
  const open = isJobOpen(job.state);
  return (
    <div className="actions">
      {open && (
        <ConfirmButton
          label="Cancel job"
          title={`Cancel job ${job.jobId}?`}
          confirmLabel="Cancel the job"
          danger
          onConfirm={async () => {
            await api.post(jobPath(job.jobId, 'cancel'));
            onChanged();
          }}
        >
          <p>
            {job.state === 'Waiting'
              ? 'It stops waiting and ends cancelled; none of its instances will start. This cannot be undone.'
              : 'Every running instance stops and its container group is removed. This cannot be undone.'}
          </p>
        </ConfirmButton>
      )}
      {capabilities.rerun && !open && rerunCount(job) > 0 && (
        <ConfirmButton
          label="Rerun failed instances"
          title={`Rerun ${rerunCount(job)} instance(s) of ${job.jobId}?`}
          confirmLabel="Start the rerun"
          onConfirm={async () => {
            const rerun = await api.post<RerunAnswer>(jobPath(job.jobId, 'rerun'), { failed: true });
            navigate({ page: 'job', jobId: rerun.jobId });
          }}
        >
          <p>
            A new job runs the failed, timed-out and cancelled instances again (those never started too), with
            their own parameters and instance numbers. Failures a rule said to ignore count as done.
          </p>
        </ConfirmButton>
      )}
    </div>
  );
}
