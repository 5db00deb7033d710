/**
 * `npm run emulator`: the local ACI emulator as a standalone process on ACI_EMULATOR_PORT (default: a free
 * port). Writes its CA to ACI_EMULATOR_CA_FILE (default .data/emulator/ca.pem) and prints the settings a
 * client needs. Ctrl-C / SIGTERM stops it and kills every container process it started.
 * Other settings: ACI_EMULATOR_IMAGES, ACI_EMULATOR_FAULTS, ACI_EMULATOR_LATENCY (see dev/emulator/index.ts).
 */
import { join, resolve } from 'node:path';
import { startEmulator } from '../dev/emulator';
import { PROJECT_ROOT } from '../dev/emulator/images';

async function main(): Promise<void> {
  const port = Number(process.env.ACI_EMULATOR_PORT || 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(
      `ACI_EMULATOR_PORT must be a port number (0: any free port), not "${process.env.ACI_EMULATOR_PORT}"`,
    );
  }
  const caFile = resolve(
    process.env.ACI_EMULATOR_CA_FILE || join(PROJECT_ROOT, '.data', 'emulator', 'ca.pem'),
  );
  const emulator = await startEmulator({ port, caFile });
  console.log(`ACI emulator listening; point clients at it with:`);
  console.log(`  ACI_EMULATOR_ENDPOINT=${emulator.endpoint}`);
  console.log(`  ACI_EMULATOR_CA_FILE=${caFile}`);
  console.log('Press Ctrl-C to stop.');

  await new Promise<void>((done) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
  });
  await emulator.close();
  console.log('ACI emulator stopped; its container processes are gone.');
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
