import { describe, expect, it } from 'vitest';
import { findEngineOffenders, minimumSupportedNode, type Lockfile } from '../../scripts/check-engines';

const linux = { os: 'linux', cpu: 'x64', libc: 'glibc' };
const supported = ['20.19.0'];

/** A root that depends on `web`, which depends on `cookie` with the given engines.node. */
const lockWithCookie = (cookieNode: string): Lockfile => ({
  packages: {
    '': { name: 'app', engines: { node: '>=20.19' }, dependencies: { web: '^1.0.0' } },
    'node_modules/web': { version: '1.2.0', engines: { node: '>=18' }, dependencies: { cookie: '^2.0.0' } },
    'node_modules/cookie': { version: '2.0.2', engines: { node: cookieNode } },
  },
});

describe('the engines check (scripts/check-engines.ts)', () => {
  it('reports an installed package whose engines.node excludes a supported Node, with who requires it', () => {
    expect(findEngineOffenders(lockWithCookie('>=22'), ['20.19.0', '20.20.2'], linux)).toEqual([
      {
        name: 'cookie',
        version: '2.0.2',
        path: 'node_modules/cookie',
        node: '>=22',
        excludes: ['20.19.0', '20.20.2'],
        requiredBy: ['web@1.2.0'],
      },
    ]);
  });

  it('accepts packages whose engines.node includes the supported Node, or that declare none', () => {
    expect(findEngineOffenders(lockWithCookie('>=18'), supported, linux)).toEqual([]);
    expect(findEngineOffenders(lockWithCookie('^20.19.0 || >=22.12.0'), supported, linux)).toEqual([]);
    const noEngines = lockWithCookie('>=18');
    delete noEngines.packages?.['node_modules/cookie']?.engines;
    expect(findEngineOffenders(noEngines, supported, linux)).toEqual([]);
  });

  it('reports a range it cannot parse, and the versions of Node it excludes only', () => {
    expect(findEngineOffenders(lockWithCookie('node 20 please'), supported, linux)).toMatchObject([
      { name: 'cookie', node: 'node 20 please' },
    ]);
    expect(findEngineOffenders(lockWithCookie('>=20.20'), ['20.19.0', '20.20.2'], linux)).toMatchObject([
      { name: 'cookie', excludes: ['20.19.0'] },
    ]);
  });

  it('ignores optional packages for other platforms and what only they pull in', () => {
    const lock: Lockfile = {
      packages: {
        '': { name: 'app', dependencies: { tool: '^1.0.0' } },
        'node_modules/tool': {
          version: '1.0.0',
          optionalDependencies: { 'tool-darwin-arm64': '1.0.0', 'tool-linux-x64-musl': '1.0.0' },
        },
        'node_modules/tool-darwin-arm64': {
          version: '1.0.0',
          os: ['darwin'],
          cpu: ['arm64'],
          engines: { node: '>=24' },
          dependencies: { 'darwin-helper': '1.0.0' },
        },
        'node_modules/tool-linux-x64-musl': {
          version: '1.0.0',
          os: ['linux'],
          cpu: ['x64'],
          libc: ['musl'],
          engines: { node: '>=24' },
        },
        'node_modules/darwin-helper': { version: '1.0.0', engines: { node: '>=24' } },
      },
    };
    expect(findEngineOffenders(lock, supported, linux)).toEqual([]);
    expect(findEngineOffenders(lock, supported, { os: 'darwin', cpu: 'arm64' }).map((o) => o.name)).toEqual([
      'tool-darwin-arm64',
      'darwin-helper',
    ]);
  });

  it('resolves nested copies the way Node does: only the copy a package actually gets is checked', () => {
    const lock: Lockfile = {
      packages: {
        '': { name: 'app', dependencies: { web: '^1.0.0' }, devDependencies: { cookie: '^1.0.0' } },
        'node_modules/cookie': { version: '1.1.1', engines: { node: '>=18' } },
        'node_modules/web': { version: '1.2.0', dependencies: { cookie: '^2.0.0' } },
        'node_modules/web/node_modules/cookie': { version: '2.0.2', engines: { node: '>=22' } },
      },
    };
    expect(findEngineOffenders(lock, supported, linux)).toMatchObject([
      { path: 'node_modules/web/node_modules/cookie', requiredBy: ['web@1.2.0'] },
    ]);
  });

  it("takes the minimum supported Node from the project's engines.node", () => {
    expect(minimumSupportedNode({ engines: { node: '>=20.19' } })).toBe('20.19.0');
    expect(minimumSupportedNode({ engines: { node: '^20.19.0 || >=22' } })).toBe('20.19.0');
    expect(() => minimumSupportedNode({})).toThrow(/engines\.node/);
  });
});
