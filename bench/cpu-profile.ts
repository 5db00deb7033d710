/**
 * A summary of the worker's V8 CPU profiles (`npm run bench -- --profile`): for each thread, how long it was
 * busy and which packages the time went to. Workflow code runs from the bundle, one file; its time is given
 * to the webpack module each function is in (the bundle marks where each module starts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface ThreadProfile {
  /** "main thread", "workflow thread" (the one running workflow code) or "thread N" */
  thread: string;
  file: string;
  busyMs: number;
  /** the largest shares of self time, by package (or project folder), descending */
  top: Array<{ name: string; ms: number }>;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

const TOP = 10;
/** Threads other than the main and the workflow thread (e.g. the TypeScript loader's) are left out below this. */
const MIN_BUSY_MS = 1_000;

export function summarizeCpuProfiles(dir: string, bundlePath: string): ThreadProfile[] {
  const modules = bundleModules(bundlePath);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .sort()
    .map((file) => {
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      const owner = new Map(
        profile.nodes.map((node) => [node.id, ownerOf(node.callFrame, bundlePath, modules)]),
      );
      const totals = new Map<string, number>();
      profile.samples.forEach((id, i) => {
        const name = owner.get(id) ?? '(unknown)';
        totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
      });
      totals.delete('(idle)');
      const top = [...totals].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
      return {
        thread: threadOf(file, top),
        file,
        busyMs: top.reduce((sum, entry) => sum + entry.ms, 0),
        top: top.slice(0, TOP),
      };
    })
    .filter((thread) => !thread.thread.startsWith('thread') || thread.busyMs >= MIN_BUSY_MS);
}

/** Node names profiles CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile; thread 0 is the main one. */
function threadOf(file: string, top: Array<{ name: string }>): string {
  const id = file.split('.').at(-3);
  if (id === '0') return 'main thread';
  return top.some((entry) => entry.name.startsWith('workflow bundle')) ? 'workflow thread' : `thread ${id}`;
}

/** Start lines (0-based) of the bundle's modules, ascending, with the package each belongs to. */
function bundleModules(bundlePath: string): Array<{ line: number; name: string }> {
  const modules: Array<{ line: number; name: string }> = [];
  readFileSync(bundlePath, 'utf8')
    .split('\n')
    .forEach((text, line) => {
      const path = /^\/\*\*\*\/ "\.\/(.+?)"/.exec(text)?.[1];
      if (path) modules.push({ line, name: `workflow bundle: ${packageOf(path)}` });
    });
  return modules;
}

function ownerOf(
  frame: CpuProfile['nodes'][number]['callFrame'],
  bundlePath: string,
  modules: Array<{ line: number; name: string }>,
): string {
  const { url, functionName, lineNumber } = frame;
  if (!url) {
    // V8 names compiled regular expressions by their source, which can be long
    if (functionName.startsWith('RegExp:')) return '(regular expressions)';
    return `(${functionName.replace(/^\((.*)\)$/, '$1') || 'native'})`;
  }
  if (basename(url) === basename(bundlePath)) {
    return moduleAt(modules, lineNumber) ?? 'workflow bundle: runtime';
  }
  if (url.startsWith('node:')) return 'node internals';
  return packageOf(url);
}

/** The module whose code contains the line: the last one starting at or before it (binary search). */
function moduleAt(modules: Array<{ line: number; name: string }>, line: number): string | undefined {
  let low = 0;
  let high = modules.length - 1;
  let found: string | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const module = modules[middle]!;
    if (module.line <= line) {
      found = module.name;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** "node_modules/@scope/pkg/..." → "@scope/pkg"; project files → their top folders, e.g. "src/activities". */
function packageOf(path: string): string {
  const inModules = path.split('node_modules/').at(-1) ?? path;
  if (inModules !== path) {
    const [scope, name] = inModules.split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? path);
  }
  const project = /(src|bench|test)\/[^/]+/.exec(path);
  return project ? project[0] : path;
}
