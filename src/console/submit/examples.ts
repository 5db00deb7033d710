/**
 * The example job specs to start from: examples/specs (its schedule specs left out), bundled at build time, the
 * sample batch job first. Each is shown with the signed-in tenant (the examples say "demo").
 */
import { isJobSpecExample, specTextWithTenant } from './spec-text';

const files = import.meta.glob<string>('../../../examples/specs/*.{yaml,yml,json}', {
  query: '?raw',
  import: 'default',
  eager: true,
});

export interface Example {
  name: string;
  text: string;
}

const FIRST = 'sample-batch-job.yaml';

export const EXAMPLES: Example[] = Object.entries(files)
  .map(([path, text]) => ({ name: path.slice(path.lastIndexOf('/') + 1), text }))
  .filter((example) => isJobSpecExample(example.text))
  .sort((a, b) => Number(b.name === FIRST) - Number(a.name === FIRST) || a.name.localeCompare(b.name));

export function exampleFor(example: Example, tenant: string): string {
  return specTextWithTenant(example.name, example.text, tenant);
}
