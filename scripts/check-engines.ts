/**
 * `npm run check:engines` (part of `npm run lint`): fails when a dependency that `npm ci` installs on this
 * platform declares an `engines.node` that excludes a Node version this project supports: the minimum of
 * package.json's own `engines.node` (e.g. >=20.19 -> 20.19.0) and the Node running the check.
 * It reads package-lock.json, whose `packages` entries carry each package's `engines`, `os`, `cpu` and `libc`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

/** The fields of a package-lock.json `packages` entry this check reads. */
export interface LockPackage {
  name?: string;
  version?: string;
  engines?: Record<string, string> | string[];
  os?: string[];
  cpu?: string[];
  libc?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface Lockfile {
  packages?: Record<string, LockPackage>;
}

export interface Platform {
  os: string;
  cpu: string;
  /** 'glibc' or 'musl' on Linux; undefined elsewhere (or when unknown: libc constraints are then ignored) */
  libc?: string;
}

export interface EngineOffender {
  name: string;
  version: string;
  /** its key in the lock, e.g. node_modules/fastify/node_modules/cookie */
  path: string;
  /** its engines.node, as declared */
  node: string;
  /** the supported Node versions it excludes */
  excludes: string[];
  /** name@version of the packages that depend on it ('(root)' for the project itself) */
  requiredBy: string[];
}

const NODE_MODULES = 'node_modules/';

/** npm's os/cpu/libc matching: listed values allow, '!value' entries deny; no list allows everything. */
function allows(list: string[] | undefined, value: string | undefined): boolean {
  if (!list || list.length === 0 || value === undefined) return true;
  if (list.includes(`!${value}`)) return false;
  if (list.includes(value)) return true;
  return list.every((entry) => entry.startsWith('!'));
}

/** Whether npm installs a lock entry on this platform (optional packages for other platforms are skipped). */
export function installsOn(entry: LockPackage, platform: Platform): boolean {
  return (
    allows(entry.os, platform.os) &&
    allows(entry.cpu, platform.cpu) &&
    (platform.os !== 'linux' || allows(entry.libc, platform.libc))
  );
}

export function currentPlatform(): Platform {
  let libc: string | undefined;
  if (process.platform === 'linux') {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
      ?.header;
    libc = header?.glibcVersionRuntime ? 'glibc' : 'musl';
  }
  return { os: process.platform, cpu: process.arch, libc };
}

function nameOf(path: string, entry: LockPackage): string {
  return entry.name ?? path.slice(path.lastIndexOf(NODE_MODULES) + NODE_MODULES.length);
}

/** Node's lookup: the nearest node_modules/<name> from `from` up to the root (the lock key of the package). */
function resolveFrom(packages: Record<string, LockPackage>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `${NODE_MODULES}${name}` : `${base}/${NODE_MODULES}${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const up = base.lastIndexOf(`/${NODE_MODULES}`);
    base = up < 0 ? '' : base.slice(0, up);
  }
}

/** The names a lock entry depends on at install time (optional peers only count when something else needs them). */
function dependencyNames(entry: LockPackage, isRoot: boolean): string[] {
  const optionalPeer = (name: string) => entry.peerDependenciesMeta?.[name]?.optional === true;
  return [
    ...new Set([
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeer(name)),
      ...(isRoot ? Object.keys(entry.devDependencies ?? {}) : []),
    ]),
  ];
}

/**
 * The lock keys of the packages `npm ci` installs on `platform`, each with who requires it: everything reachable
 * from the root, except optional packages for other platforms and what only they depend on.
 */
export function installedPackages(lock: Lockfile, platform: Platform): Map<string, string[]> {
  const packages = lock.packages ?? {};
  const requiredBy = new Map<string, string[]>();
  const queue = [''];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const path = queue.shift() as string;
    const entry = packages[path] ?? {};
    const who = path === '' ? '(root)' : `${nameOf(path, entry)}@${entry.version ?? '?'}`;
    for (const name of dependencyNames(entry, path === '')) {
      const target = resolveFrom(packages, path, name);
      const targetEntry = target === undefined ? undefined : packages[target];
      if (target === undefined || !targetEntry || !installsOn(targetEntry, platform)) continue;
      requiredBy.set(target, [...(requiredBy.get(target) ?? []), who]);
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return requiredBy;
}

/**
 * The packages of `lock` installed on `platform` whose engines.node excludes one of `nodeVersions`.
 * Entries without engines.node accept any Node; an engines.node that is not a valid range is reported.
 */
export function findEngineOffenders(
  lock: Lockfile,
  nodeVersions: string[],
  platform: Platform = currentPlatform(),
): EngineOffender[] {
  const packages = lock.packages ?? {};
  const offenders: EngineOffender[] = [];
  for (const [path, requiredBy] of installedPackages(lock, platform)) {
    const entry = packages[path] ?? {};
    const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (node === undefined) continue;
    const valid = semver.validRange(node) !== null;
    const excludes = nodeVersions.filter((version) => !valid || !semver.satisfies(version, node));
    if (excludes.length > 0) {
      offenders.push({
        name: nameOf(path, entry),
        version: entry.version ?? '?',
        path,
        node,
        excludes,
        requiredBy,
      });
    }
  }
  return offenders;
}

/** The lowest Node version package.json's engines.node allows, e.g. '>=20.19' -> '20.19.0'. */
export function minimumSupportedNode(packageJson: { engines?: { node?: string } }): string {
  const range = packageJson.engines?.node;
  const minimum = range ? semver.minVersion(range) : null;
  if (!range || !minimum)
    throw new Error(`package.json needs an engines.node range, not ${JSON.stringify(range)}`);
  return minimum.version;
}

function main(): void {
  const root = join(__dirname, '..');
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    engines?: { node?: string };
  };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const versions = [
    ...new Set([minimumSupportedNode(packageJson), semver.clean(process.version) ?? process.version]),
  ];

  const offenders = findEngineOffenders(lock, versions);
  if (offenders.length === 0) {
    console.log(`check:engines OK: every installed dependency supports Node ${versions.join(' and ')}`);
    return;
  }
  console.error(
    `check:engines: ${offenders.length} installed dependencies exclude a supported Node version:`,
  );
  for (const o of offenders) {
    const by = o.requiredBy.length > 0 ? `, required by ${o.requiredBy.join(', ')}` : '';
    console.error(
      `  ${o.name}@${o.version} engines.node "${o.node}" excludes Node ${o.excludes.join(', ')}${by}`,
    );
  }
  process.exitCode = 1;
}

if (require.main === module) main();
