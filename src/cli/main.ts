/** Entry point of `aci-batch` (bin/aci-batch.js): runs one command and exits with its documented code. */
import { CommanderError } from 'commander';
import { EXIT, toCliError, type ExitCode } from './errors';
import { note } from './output';
import { buildProgram } from './program';

async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    // commander has already printed its message (and the hint to add --help)
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const failure = toCliError(error);
    note(`error: ${failure.message}`);
    if (failure.hint) note(failure.hint);
    return failure.exitCode satisfies ExitCode;
  }
}

void runCli(process.argv).then((code) => {
  // exit explicitly: keep-alive sockets of the SDKs must not hold a finished command open; once stdout has
  // been flushed, so piped output is never cut short
  process.stdout.write('', () => process.exit(code));
});
