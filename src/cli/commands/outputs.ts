/**
 * `aci-batch outputs list|download <job>`: the files an instance uploaded (`uploadOutput` in the container
 * helper), read from the deployment's storage account: listed with size and MD5, or downloaded into a folder,
 * each checked against its MD5 as it arrives.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { RunNotFoundError } from '../../client';
import type { OutputInfo } from '../../shared/storage';
import { CliError, EXIT, notFoundError } from '../errors';
import { formatJobRef, JOB_REF_HELP, parseJobRef, type JobRef } from '../job-ref';
import { action, integerFrom, jsonOption, tenantOf, tenantOption } from '../options';
import { note, printJson, printLine } from '../output';
import { openStorage } from '../storage';
import { withTemporal } from '../temporal';

interface OutputsOptions {
  instance: number;
  json?: boolean;
}

interface DownloadOptions extends OutputsOptions {
  name?: string[];
  dir: string;
}

const EXAMPLES = `
Examples:
  $ aci-batch outputs list acme/nightly-2026-11-24 --instance 3
  $ aci-batch outputs download acme/nightly-2026-11-24 --instance 3 --dir ./results
  $ aci-batch outputs download acme/nightly-2026-11-24 --instance 3 --name summary.csv

Outputs are read from the deployment's storage account: set ACI_BATCH_STORAGE_ACCOUNT_URL (Azure AD sign-in,
with Storage Blob Data Reader or more on the account) or ACI_BATCH_STORAGE_CONNECTION_STRING.`;

const instanceOption = () =>
  new Option('--instance <index>', 'which instance (0-based)').default(0).argParser(integerFrom(0));

export function outputsCommand(): Command {
  const outputs = new Command('outputs').description('list or download the files an instance uploaded');
  outputs.addHelpText('after', EXAMPLES);
  outputs.addCommand(
    new Command('list')
      .description("list an instance's outputs: name, size, MD5")
      .argument('<job>', JOB_REF_HELP)
      .addOption(tenantOption())
      .addOption(instanceOption())
      .addOption(jsonOption())
      .addHelpText('after', EXAMPLES)
      .action(
        action(async (job: string, options: OutputsOptions, command: Command) => {
          const ref = parseJobRef(job, tenantOf(command));
          const found = await listOutputs(ref, options.instance);
          if (options.json) return printJson({ ...ref, instance: options.instance, outputs: found });
          if (found.length === 0)
            return note(`Instance ${options.instance} of ${formatJobRef(ref)} has no outputs.`);
          printLine(`${'SIZE'.padStart(12)}  ${'MD5'.padEnd(24)}  NAME`);
          for (const output of found) {
            printLine(
              `${String(output.size).padStart(12)}  ${(output.contentMd5 ?? '-').padEnd(24)}  ${output.name}`,
            );
          }
        }),
      ),
  );
  outputs.addCommand(
    new Command('download')
      .description("download an instance's outputs (all, or --name) into a folder, checking each MD5")
      .argument('<job>', JOB_REF_HELP)
      .addOption(tenantOption())
      .addOption(instanceOption())
      .addOption(new Option('--name <name...>', 'only these outputs'))
      .addOption(new Option('--dir <folder>', 'where to put them (names keep their folders)').default('.'))
      .addOption(jsonOption())
      .addHelpText('after', EXAMPLES)
      .action(
        action(async (job: string, options: DownloadOptions, command: Command) => {
          const ref = parseJobRef(job, tenantOf(command));
          const storage = openStorage(true);
          const downloaded = await withTemporal(async ({ jobs }) => {
            const run = await runOf(jobs, ref, options.instance);
            const all = await storage.listOutputs(run);
            const wanted = options.name ?? all.map((output) => output.name);
            const missing = wanted.filter((name) => !all.some((output) => output.name === name));
            if (missing.length > 0) {
              throw notFoundError(
                `Instance ${options.instance} has no output ${missing.map((name) => `"${name}"`).join(', ')}.`,
                `Its outputs: ${all.map((output) => output.name).join(', ') || 'none'}.`,
              );
            }
            const files: Array<OutputInfo & { path: string }> = [];
            for (const name of wanted) {
              const found = await storage.readOutput(run, name);
              if (!found) throw notFoundError(`Output "${name}" is gone.`);
              const path = await download(found.stream, found.info, options.dir);
              files.push({ ...found.info, path });
              if (!options.json) note(`${path} (${found.info.size} bytes)`);
            }
            return files;
          });
          if (options.json) return printJson({ ...ref, instance: options.instance, downloaded });
        }),
      ),
  );
  return outputs;
}

async function listOutputs(ref: JobRef, instance: number): Promise<OutputInfo[]> {
  const storage = openStorage(true);
  return withTemporal(async ({ jobs }) => storage.listOutputs(await runOf(jobs, ref, instance)));
}

async function runOf(
  jobs: Parameters<Parameters<typeof withTemporal>[0]>[0]['jobs'],
  ref: JobRef,
  index: number,
) {
  try {
    return await jobs.runStorage(ref, index);
  } catch (error) {
    if (error instanceof RunNotFoundError) {
      throw notFoundError(`Job ${formatJobRef(ref)} has no instance ${index} (or it has not started yet).`);
    }
    throw error;
  }
}

/** Writes the output under `dir` (through a temporary file), checking its MD5 when the storage has one. */
async function download(stream: NodeJS.ReadableStream, info: OutputInfo, dir: string): Promise<string> {
  const path = resolve(join(dir, ...info.name.split('/')));
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const md5 = createHash('md5');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      md5.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(stream, hashing, createWriteStream(partial));
    const digest = md5.digest('base64');
    if (info.contentMd5 && digest !== info.contentMd5) {
      throw new CliError(
        `Output "${info.name}" arrived damaged: its MD5 is ${digest}, the storage says ${info.contentMd5}.`,
        EXIT.failed,
        'Download it again.',
      );
    }
    await rename(partial, path);
    return path;
  } finally {
    await rm(partial, { force: true });
  }
}
