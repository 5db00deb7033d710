/**
 * The book's snapshot as the ledger carries it across continue-as-new: JSON, deflated. Temporal refuses a
 * payload over 2 MB, and a book holding 10,000 leases is about 4.6 MB of JSON (each lease repeats its job,
 * pool, account and group names); deflated, about 35 times smaller. A Uint8Array travels as a binary payload
 * (the default converter's binary/plain), so it is its own workflow argument, not a field of the input.
 */
import type * as Fflate from 'fflate/browser';
import type { BookSnapshot } from './book';

/**
 * fflate, loaded on first use: every workflow of the bundle evaluates the modules it imports (the SDK gives
 * each one its own module cache), and fflate's tables cost about 0.5 MB and a few ms per workflow, which only
 * the ledger needs. `fflate/browser`: its Node build reaches for worker_threads, which the sandbox lacks.
 */
function fflate(): typeof Fflate {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load: see above
  return require('fflate/browser') as typeof Fflate;
}

export function packSnapshot(snapshot: BookSnapshot): Uint8Array {
  const { strToU8, zlibSync } = fflate();
  return zlibSync(strToU8(JSON.stringify(snapshot)));
}

export function unpackSnapshot(packed: Uint8Array): BookSnapshot {
  const { strFromU8, unzlibSync } = fflate();
  return JSON.parse(strFromU8(unzlibSync(packed))) as BookSnapshot;
}
