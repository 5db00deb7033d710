/**
 * A button whose action is confirmed first in a modal <dialog> (focus moves into it, Escape closes it):
 * cancelling a job or starting one again is never one stray click away.
 */
import { useRef, useState, type ReactNode } from 'react';

export interface ConfirmButtonProps {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  danger?: boolean;
  disabled?: boolean;
}

export function ConfirmButton(props: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  const confirm = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      await props.onConfirm();
      dialog.current?.close();
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button
        type="button"
        className={props.danger ? 'danger' : undefined}
        disabled={props.disabled}
        onClick={() => {
          setProblem(undefined);
          dialog.current?.showModal();
        }}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={`${props.label}-title`.replace(/\W+/g, '-')}>
        <h2 id={`${props.label}-title`.replace(/\W+/g, '-')}>{props.title}</h2>
        {props.children}
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={() => dialog.current?.close()} autoFocus>
            Back
          </button>
          <button
            type="button"
            className={props.danger ? 'danger' : undefined}
            disabled={busy}
            onClick={() => void confirm()}
          >
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
