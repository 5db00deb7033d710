/**
 * The book's snapshot as the ledger carries it across continue-as-new: JSON, deflated. Temporal refuses a
 * payload over 2 MB, and a book holding 10,000 leases is about 4.6 MB of JSON (each lease repeats its job,
 * pool, account and group names); deflated, about 35 times smaller. A Uint8Array travels as a binary payload
 * (the default converter's binary/plain), so it is its own workflow argument, not a field of the input.
 *
 * `fflate/browser`: the workflow sandbox has no Node modules (its Node build reaches for worker_threads).
 */
import { strFromU8, strToU8, unzlibSync, zlibSync } from 'fflate/browser';
import type { BookSnapshot } from './book';

export function packSnapshot(snapshot: BookSnapshot): Uint8Array {
  return zlibSync(strToU8(JSON.stringify(snapshot)));
}

export function unpackSnapshot(packed: Uint8Array): BookSnapshot {
  return JSON.parse(strFromU8(unzlibSync(packed))) as BookSnapshot;
}
