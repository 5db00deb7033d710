/**
 * `npm run browser:install`: makes sure the Chromium of the browser tests is there. As root on Debian or Ubuntu
 * it installs the distribution's `chromium` package (apt-get update, then apt-get install); otherwise it says
 * what to install. Exits 0 with the binary's path when Chromium is there.
 */
import { spawnSync } from 'node:child_process';
import { findChromium, INSTALL_HINT } from '../dev/chromium';

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

function canApt(): boolean {
  return process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
}

function main(): number {
  if (process.env.CHROMIUM_PATH && !findChromium()) {
    console.error(`CHROMIUM_PATH is ${process.env.CHROMIUM_PATH}, which does not exist. ${INSTALL_HINT}`);
    return 1;
  }
  let chromium = findChromium();
  if (!chromium && canApt()) {
    console.log('Installing Debian’s chromium package (apt-get) ...');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
    chromium = findChromium();
  }
  if (!chromium) {
    console.error(`No Chromium found. ${INSTALL_HINT}`);
    return 1;
  }
  const version = spawnSync(chromium, ['--version'], { encoding: 'utf8' });
  console.log(
    `Chromium for the browser tests: ${chromium} (${(version.stdout || '').trim() || 'version unknown'})`,
  );
  return 0;
}

process.exit(main());
