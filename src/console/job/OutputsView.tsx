/**
 * The files a finished instance uploaded, where the API offers outputs (issue 15): listed from the run's result
 * (`result.outputs`: the first 100 by name; the API's listing when there are more), each downloaded through the
 * authenticated API (fetched with the key in the header, then saved), never by a URL with a secret. Hidden
 * where the run kept no outputs, and once the API answers that it has no storage (`StorageNotConfigured`).
 */
import { useEffect, useState } from 'react';
import { useConsole } from '../app/context';
import { ApiProblem, jobPath } from '../api/client';
import type { InstanceAnswer, OutputFile } from '../api/types';
import { usePoll } from '../live/use-poll';
import { ErrorNote } from '../ui/ErrorNote';

export function OutputsView({
  jobId,
  index,
  answer,
}: {
  jobId: string;
  index: number;
  answer: InstanceAnswer;
}) {
  const { capabilities, storageMissing } = useConsole();
  const outputs = answer.result?.outputs;
  if (!capabilities.outputs || storageMissing || !outputs) return null;
  return (
    <section aria-labelledby="outputs-title" data-testid="outputs">
      <h3 id="outputs-title">Outputs</h3>
      {outputs.count === 0 ? (
        <p className="hint">This instance uploaded no files.</p>
      ) : outputs.count > outputs.files.length ? (
        <ListedOutputs jobId={jobId} index={index} />
      ) : (
        <OutputList jobId={jobId} index={index} files={outputs.files} />
      )}
    </section>
  );
}

/** More files than the result lists: the API's listing has them all. */
function ListedOutputs({ jobId, index }: { jobId: string; index: number }) {
  const { api, markStorageMissing } = useConsole();
  const listed = usePoll(
    (signal) => api.get<{ outputs: OutputFile[] }>(jobPath(jobId, 'instances', index, 'outputs'), signal),
    `${jobId}/${index}/outputs`,
    { minMs: 2000, maxMs: 15_000, done: () => true },
  );
  const missing = listed.error?.code === 'StorageNotConfigured';
  useEffect(() => {
    if (missing) markStorageMissing();
  }, [missing, markStorageMissing]);
  return (
    <>
      <ErrorNote error={listed.error} what="the outputs" />
      {listed.data && <OutputList jobId={jobId} index={index} files={listed.data.outputs} />}
    </>
  );
}

function OutputList({ jobId, index, files }: { jobId: string; index: number; files: OutputFile[] }) {
  const { api, markStorageMissing } = useConsole();
  const [problem, setProblem] = useState<string>();
  const download = async (name: string) => {
    setProblem(undefined);
    try {
      const response = await api.fetchRaw(
        `${jobPath(jobId, 'instances', index, 'outputs')}/${name.split('/').map(encodeURIComponent).join('/')}`,
      );
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = name.slice(name.lastIndexOf('/') + 1);
      link.click();
      // the browser has taken the file once the click is handled; the URL is let go a little later
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      if (error instanceof ApiProblem && error.code === 'StorageNotConfigured') return markStorageMissing();
      setProblem(`Could not download ${name}: ${(error as Error).message}`);
    }
  };
  return (
    <>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <ul className="outputs">
        {files.map((file) => (
          <li key={file.name}>
            <button
              type="button"
              className="link-button"
              aria-label={`Download ${file.name}`}
              onClick={() => void download(file.name)}
            >
              {file.name}
            </button>
            <span className="hint"> {file.size.toLocaleString()} bytes</span>
          </li>
        ))}
      </ul>
    </>
  );
}
