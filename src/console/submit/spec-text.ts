/** A spec's text with its `tenant` set, written as it was (YAML comments kept, JSON indented). Pure. */
import { parseDocument } from 'yaml';

export function specTextWithTenant(fileName: string, text: string, tenant: string): string {
  if (fileName.endsWith('.json')) {
    const spec = JSON.parse(text) as Record<string, unknown>;
    return `${JSON.stringify({ ...spec, tenant }, null, 2)}\n`;
  }
  const document = parseDocument(text);
  document.set('tenant', tenant);
  return document.toString();
}
