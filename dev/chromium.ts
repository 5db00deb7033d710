/**
 * The Chromium the browser tests drive (through playwright-core): Debian's `chromium` package, or the binary
 * CHROMIUM_PATH names. Playwright's own browser download is not used: it fetches a build from outside the
 * package registries, which this project's machines and CI cannot reach.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian and Ubuntu put it: the real binary first (/usr/bin/chromium is a wrapper script around it). */
const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium binary to launch, or undefined when none is installed. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  return CANDIDATES.find((path) => existsSync(path)) ?? onPath('chromium');
}

function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Headless on a closed network: no background requests to Google's services (updates, components, safe
 * browsing, metrics), no first-run UI. Root (CI, containers) needs --no-sandbox: Chromium refuses to run its
 * sandbox as root.
 */
export function chromiumArgs(isRoot = process.getuid?.() === 0): string[] {
  return [
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-domain-reliability',
    '--disable-sync',
    '--disable-default-apps',
    '--no-first-run',
    '--no-default-browser-check',
    '--metrics-recording-only',
    '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider',
    // /dev/shm is small in containers
    '--disable-dev-shm-usage',
    ...(isRoot ? ['--no-sandbox'] : []),
  ];
}

export const INSTALL_HINT =
  'Install Chromium with `npm run browser:install` (as root it runs `apt-get install chromium`; otherwise ' +
  '`sudo apt-get install chromium` on Debian or Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary.';
