/** A spec's text with its `tenant` set, written as it was (YAML comments kept, JSON indented). Pure. */
import { parse, parseDocument } from 'yaml';

export function specTextWithTenant(fileName: string, text: string, tenant: string): string {
  if (fileName.endsWith('.json')) {
    const spec = JSON.parse(text) as Record<string, unknown>;
    return `${JSON.stringify({ ...spec, tenant }, null, 2)}\n`;
  }
  const document = parseDocument(text);
  document.set('tenant', tenant);
  return document.toString();
}

/**
 * Whether an example is a job spec (the editor submits jobs): a schedule spec (examples/specs/nightly-schedule.yaml)
 * wraps its job in `job:` and is created with `aci-batch schedule create` or `POST /v1/schedules` instead.
 */
export function isJobSpecExample(text: string): boolean {
  try {
    const value: unknown = parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !('job' in value);
  } catch {
    return false;
  }
}
