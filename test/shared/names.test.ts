import { describe, expect, it } from 'vitest';
import { containerGroupName, jobWorkflowId, runWorkflowId } from '../../src/shared/names';

const ACI_GROUP_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

describe('names', () => {
  it('gives readable, deterministic workflow ids', () => {
    expect(jobWorkflowId('acme', 'nightly-42')).toBe('acme.nightly-42');
    expect(runWorkflowId('acme', 'nightly-42', 7)).toBe('acme.nightly-42.7');
  });

  it('makes group names within ACI rules, unique where hyphens would make jobs look alike', () => {
    const a = containerGroupName('a-b', 'c', 0);
    const b = containerGroupName('a', 'b-c', 0);
    expect(a).not.toBe(b);
    for (const name of [a, b]) expect(name).toMatch(ACI_GROUP_NAME);
    expect(containerGroupName('acme', 'nightly', 3)).toBe(containerGroupName('acme', 'nightly', 3));
    expect(containerGroupName('acme', 'nightly', 3)).toMatch(/^acme-nightly-[a-z0-9]+-3$/);
  });

  it('shortens the readable part of long names to 63 characters and keeps them distinct', () => {
    const tenant = 'a'.repeat(24);
    const names = [0, 9999].map((i) => containerGroupName(tenant, `${'b'.repeat(39)}c`, i));
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(ACI_GROUP_NAME);
    }
    expect(containerGroupName(tenant, `${'b'.repeat(39)}c`, 1)).not.toBe(
      containerGroupName(tenant, `${'b'.repeat(39)}d`, 1),
    );
  });
});
