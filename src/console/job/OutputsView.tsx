/**
 * The files an instance uploaded, where the API offers outputs (issue 15): listed once it ended, downloaded
 * through the authenticated API (fetched with the key in the header, then saved), never by a URL with a secret.
 */
import { useConsole } from '../app/context';
import { jobPath } from '../api/client';
import type { OutputFile } from '../api/types';
import { usePoll } from '../live/use-poll';
import { ErrorNote } from '../ui/ErrorNote';

export function OutputsView({ jobId, index, finished }: { jobId: string; index: number; finished: boolean }) {
  const { capabilities } = useConsole();
  if (!capabilities.outputs || !finished) return null;
  return <OutputList jobId={jobId} index={index} />;
}

function OutputList({ jobId, index }: { jobId: string; index: number }) {
  const { api } = useConsole();
  const outputs = usePoll(
    (signal) => api.get<{ outputs: OutputFile[] }>(jobPath(jobId, 'instances', index, 'outputs'), signal),
    `${jobId}/${index}/outputs`,
    { minMs: 2000, maxMs: 15_000, done: () => true },
  );
  const download = async (name: string) => {
    const response = await api.fetchRaw(
      `${jobPath(jobId, 'instances', index, 'outputs')}/${encodeURI(name)}`,
    );
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = name.slice(name.lastIndexOf('/') + 1);
    link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <>
      <h3>Outputs</h3>
      <ErrorNote error={outputs.error} what="the outputs" />
      {outputs.data?.outputs.length === 0 && <p className="hint">No outputs.</p>}
      <ul className="outputs">
        {outputs.data?.outputs.map((file) => (
          <li key={file.name}>
            <button type="button" className="link-button" onClick={() => void download(file.name)}>
              {file.name}
            </button>
            {file.size !== undefined && <span className="hint"> {file.size.toLocaleString()} bytes</span>}
          </li>
        ))}
      </ul>
    </>
  );
}
