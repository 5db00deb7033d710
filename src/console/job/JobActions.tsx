/**
 * Cancel a running job; rerun an ended job's failed instances where the API offers reruns (issue 18). Both are
 * confirmed first.
 */
import { useConsole } from '../app/context';
import { navigate } from '../app/use-route';
import { jobPath } from '../api/client';
import type { JobAnswer } from '../api/types';
import { ConfirmButton } from '../ui/ConfirmButton';

export function JobActions({ job, onChanged }: { job: JobAnswer; onChanged: () => void }) {
  const { api, capabilities } = useConsole();
  const failed = job.result ? job.result.total - job.result.succeeded : 0;
  return (
    <div className="actions">
      {job.state === 'Running' && (
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
          <p>Every running instance stops and its container group is removed. This cannot be undone.</p>
        </ConfirmButton>
      )}
      {capabilities.rerun && job.state !== 'Running' && failed > 0 && (
        <ConfirmButton
          label="Rerun failed instances"
          title={`Rerun ${failed} instance(s) of ${job.jobId}?`}
          confirmLabel="Start the rerun"
          onConfirm={async () => {
            const rerun = await api.post<{ jobId: string }>(jobPath(job.jobId, 'rerun'), { failed: true });
            navigate({ page: 'job', jobId: rerun.jobId });
          }}
        >
          <p>
            A new job runs the failed, timed-out and cancelled instances again, with their own parameters.
          </p>
        </ConfirmButton>
      )}
    </div>
  );
}
