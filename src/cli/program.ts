/** The `aci-batch` command line: its commands, and the help that explains naming, settings and exit codes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { cancelCommand } from './commands/cancel';
import { costCommand } from './commands/cost';
import { listCommand } from './commands/list';
import { logsCommand } from './commands/logs';
import { rerunCommand } from './commands/rerun';
import { scheduleCommand } from './commands/schedule';
import { outputsCommand } from './commands/outputs';
import { statusCommand } from './commands/status';
import { submitCommand } from './commands/submit';
import { watchCommand } from './commands/watch';
import { EXIT } from './errors';

const HELP = `
Examples:
  $ aci-batch submit examples/specs/sample-batch-job.yaml --watch
  $ aci-batch status demo/nightly-2026-11-24 --json
  $ aci-batch list --tenant demo --status Running
  $ aci-batch logs demo/nightly-2026-11-24 --instance 2
  $ aci-batch outputs download demo/nightly-2026-11-24 --instance 2 --dir ./results
  $ aci-batch cancel demo/nightly-2026-11-24
  $ aci-batch cost --tenant demo --since 7d
  $ aci-batch rerun demo/nightly-2026-11-24 --failed
  $ aci-batch schedule create examples/specs/nightly-schedule.yaml --tenant demo

A job is named <tenant>/<jobId>, or <jobId> with --tenant (default: $ACI_BATCH_TENANT).
Every read command takes --json; "aci-batch <command> --help" shows its options and examples.

Environment:
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE
                         the Temporal server (default 127.0.0.1:7233, namespace and task queue aci-batch)
  ACI_BATCH_TENANT       the default tenant
  ACI_BATCH_PAYLOAD_KEYS the workers' payload encryption keys, when payloads are encrypted
  ACI_BATCH_CALLBACK_BASE_URL or ACI_BATCH_CONTAINER_TEMPORAL_ADDRESS
                         submit: how containers report back (the HTTP API's callbacks, or Temporal directly)
  ACI_PRICE_VCPU_HOUR_USD, ACI_PRICE_MEMORY_GB_HOUR_USD
                         submit: the prices the job's cost is estimated with
  AZURE_SUBSCRIPTION_ID or ACI_EMULATOR_ENDPOINT + ACI_EMULATOR_CA_FILE, and ACI_RESOURCE_GROUP
                         logs: ARM access to read a running container's log
  ACI_BATCH_STORAGE_ACCOUNT_URL or ACI_BATCH_STORAGE_CONNECTION_STRING
                         logs, outputs: the deployment's storage account (the log archive, the outputs)

Exit codes:
  ${EXIT.ok}  success
  ${EXIT.failed}  the job did not complete (watch, submit --watch, rerun --watch), the request conflicts with
     the state (a rerun of a running job or one without failures, a schedule name in use), or an
     unexpected error
  ${EXIT.usage}  bad usage or input: options, a spec file, the environment
  ${EXIT.notFound}  no such job, instance or schedule
  ${EXIT.unreachable}  cannot reach Temporal (start one with: npm run server)`;

export function buildProgram(): Command {
  const program = new Command('aci-batch')
    .description('Batch jobs on Azure Container Instances, orchestrated by Temporal.')
    .version(packageVersion())
    // main turns commander's own errors into exit code 2 instead of letting it exit with 1
    .exitOverride()
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText('after', HELP);
  const commands = [
    submitCommand(),
    watchCommand(),
    statusCommand(),
    listCommand(),
    cancelCommand(),
    logsCommand(),
    outputsCommand(),
    costCommand(),
    rerunCommand(),
    scheduleCommand(),
  ];
  // addCommand does not pass the program's settings (exitOverride, help after errors) on by itself
  for (const command of commands) program.addCommand(inherit(command, program));
  return program;
}

/** The parent's settings, down to the subcommands' subcommands (`schedule create`). */
function inherit(command: Command, parent: Command): Command {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) inherit(sub, command);
  return command;
}

/** Read at run time: the same relative path works from src/cli (tsx) and dist/cli (compiled). */
function packageVersion(): string {
  const file = join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
