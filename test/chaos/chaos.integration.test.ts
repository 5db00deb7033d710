/**
 * The chaos suite: end to end (the real dev server, real activities and workers, the ACI emulator running the
 * sample job as local processes), with faults injected. Every scenario is bounded in time and jobs, asserts
 * that each job ends with the right result and that no container group is left, and adds a row to the tally
 * printed at the end. The README (Guarantees) lists what each scenario proves.
 */
import { afterAll } from 'vitest';
import { armFaultsScenario } from './scenarios/arm-faults';
import { hostileCallbacksScenario } from './scenarios/hostile-callbacks';
import { serverRestartScenario } from './scenarios/server-restart';
import { silentCrashesScenario } from './scenarios/silent-crashes';
import { workerKillScenario } from './scenarios/worker-kill';
import { ChaosTally } from './tally';

const tally = new ChaosTally();
afterAll(() => console.log(tally.format()));

workerKillScenario(tally);
serverRestartScenario(tally);
armFaultsScenario(tally);
silentCrashesScenario(tally);
hostileCallbacksScenario(tally);
