/**
 * The example specs to start from: examples/specs, bundled at build time. Each is shown with the signed-in
 * tenant (the examples say "demo"), comments kept.
 */
import { parseDocument } from 'yaml';

const files = import.meta.glob<string>('../../../examples/specs/*.{yaml,yml,json}', {
  query: '?raw',
  import: 'default',
  eager: true,
});

export interface Example {
  name: string;
  text: string;
}

export const EXAMPLES: Example[] = Object.entries(files)
  .map(([path, text]) => ({ name: path.slice(path.lastIndexOf('/') + 1), text }))
  .sort((a, b) => (a.name === 'sample-batch-job.yaml' ? -1 : b.name === 'sample-batch-job.yaml' ? 1 : a.name.localeCompare(b.name)));

/** The example's text with `tenant` set to the signed-in tenant. */
export function exampleFor(example: Example, tenant: string): string {
  if (example.name.endsWith('.json')) {
    const spec = JSON.parse(example.text) as Record<string, unknown>;
    return `${JSON.stringify({ ...spec, tenant }, null, 2)}\n`;
  }
  const document = parseDocument(example.text);
  if (document.has('tenant')) document.set('tenant', tenant);
  return document.toString();
}
