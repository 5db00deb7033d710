/**
 * `aci-batch schedule <create|list|describe|update|pause|resume|trigger|backfill|delete>`: recurring jobs on
 * Temporal Schedules. A schedule is `<tenant>/<name>`, or `<name>` with --tenant; each firing starts a job
 * `<name>-<yyyymmddhhmmss>` (its fire time, UTC), listed by `aci-batch list --schedule <name>`.
 */
import { Command, Option } from 'commander';
import { loadJobSettings, ScheduleClient, type ScheduleView } from '../../client';
import { OVERLAP_POLICIES, ScheduleSpecError } from '../../shared/schedule-spec';
import { usageError } from '../errors';
import { table, time } from '../format';
import { formatScheduleRef, parseScheduleRef, requireTenant, SCHEDULE_REF_HELP } from '../job-ref';
import { action, jsonOption, tenantOf, tenantOption } from '../options';
import { note, printJson, printLine } from '../output';
import { parseTime } from '../period';
import { readScheduleFields, readScheduleFile, scheduleUsageError } from '../spec-file';
import { withTemporal, type TemporalSession } from '../temporal';

const EXAMPLES = `
Examples:
  $ aci-batch schedule create examples/specs/nightly-schedule.yaml --tenant acme
  $ aci-batch schedule list --tenant acme
  $ aci-batch schedule describe acme/nightly --json | jq .nextRuns
  $ aci-batch schedule pause acme/nightly --note "source system down until Monday"
  $ aci-batch schedule resume acme/nightly
  $ aci-batch schedule trigger acme/nightly
  $ aci-batch schedule backfill acme/nightly --start 2026-11-20 --end 2026-11-23T23:59:59Z
  $ aci-batch schedule update acme/nightly changes.yaml      # only the fields in the file change
  $ aci-batch schedule delete acme/nightly

A schedule file holds name, cron (e.g. "0 2 * * *") or every (e.g. "1h"), timeZone, overlap
(${OVERLAP_POLICIES.join(', ')}), catchupWindow, startAt, endAt, paused, note and the job (a job spec
without jobId). Each firing starts the job <name>-<yyyymmddhhmmss> (the fire time, UTC): see its jobs with
aci-batch list --tenant <tenant> --schedule <name>.`;

const overlapOption = (description: string) =>
  new Option('--overlap <policy>', description).choices([...OVERLAP_POLICIES]);

type Options = { json?: boolean };

export function scheduleCommand(): Command {
  const command = new Command('schedule')
    .description('recurring jobs: create, list, describe, update, pause, resume, trigger, backfill, delete')
    .addHelpText('after', EXAMPLES);

  command.addCommand(
    new Command('create')
      .description('create a schedule from a YAML or JSON file')
      .argument('<file>', 'the schedule (see examples/specs/nightly-schedule.yaml)')
      .addOption(
        tenantOption(
          "the schedule's tenant: replaces the file's (from the env: only fills in a missing one)",
        ),
      )
      .option('--name <name>', "the schedule's name (default: the file's)")
      .option('--paused', 'create it paused')
      .addOption(jsonOption())
      .action(
        action(async (file: string, options: Options & { name?: string; paused?: boolean }, sub: Command) => {
          const schedule = readScheduleFile(file, { tenant: tenantOf(sub), name: options.name });
          const spec = options.paused ? { ...schedule, paused: true } : schedule;
          const settings = loadJobSettings();
          await withTemporal(async (session) => {
            const view = await schedules(session).create(spec);
            if (options.json) return printJson(view);
            printLine(`Created schedule ${formatScheduleRef(view.ref)}${view.paused ? ' (paused)' : ''}.`);
            printNextRuns(view);
          }, settings);
        }),
      ),
  );

  command.addCommand(
    new Command('list')
      .description("list a tenant's schedules")
      .addOption(tenantOption("the schedules' tenant"))
      .addOption(jsonOption())
      .action(
        action(async (options: Options, sub: Command) => {
          const tenant = requireTenant(tenantOf(sub));
          await withTemporal(async (session) => {
            const items = await schedules(session).list(tenant);
            if (options.json) return printJson({ tenant, schedules: items });
            if (!items.length) return printLine(`Tenant ${tenant} has no schedules.`);
            printLine(
              table(
                ['SCHEDULE', 'STATE', 'NEXT RUN', 'LAST JOB', 'NOTE'],
                items.map((item) => [
                  item.name,
                  item.paused ? 'Paused' : 'Active',
                  item.paused ? '-' : time(item.nextRuns[0]),
                  item.lastJobId ?? '-',
                  item.note ?? '',
                ]),
              ),
            );
          });
        }),
      ),
  );

  command.addCommand(
    scheduleAction(
      'describe',
      'show a schedule: when it runs, its policies, its next and recent runs',
    ).action(
      action(async (text: string, options: Options, sub: Command) => {
        const ref = parseScheduleRef(text, tenantOf(sub));
        await withTemporal(async (session) => {
          const view = await schedules(session).get(ref);
          if (options.json) printJson(view);
          else printSchedule(view);
        });
      }),
    ),
  );

  command.addCommand(
    scheduleAction('update', 'change a schedule: the fields in the file replace its own')
      .argument('<file>', 'the fields to change (a job given replaces the whole job)')
      .action(
        action(async (text: string, file: string, options: Options, sub: Command) => {
          const ref = parseScheduleRef(text, tenantOf(sub));
          const fields = readScheduleFields(file, {
            tenant: { value: ref.tenant, explicit: true },
            name: ref.name,
          });
          const settings = loadJobSettings();
          await withTemporal(async (session) => {
            let view: ScheduleView;
            try {
              view = await schedules(session).patch(ref, fields);
            } catch (error) {
              if (error instanceof ScheduleSpecError) throw scheduleUsageError(file, error);
              throw error;
            }
            if (options.json) return printJson(view);
            printLine(`Updated schedule ${formatScheduleRef(ref)}.`);
            printNextRuns(view);
          }, settings);
        }),
      ),
  );

  for (const [name, description] of [
    ['pause', 'pause a schedule: no firings until resumed'],
    ['resume', 'resume a paused schedule'],
  ] as const) {
    command.addCommand(
      scheduleAction(name, description)
        .option('--note <text>', name === 'pause' ? 'why it is paused' : 'a note')
        .action(
          action(async (text: string, options: Options & { note?: string }, sub: Command) => {
            const ref = parseScheduleRef(text, tenantOf(sub));
            await withTemporal(async (session) => {
              const client = schedules(session);
              const view = await (name === 'pause'
                ? client.pause(ref, options.note)
                : client.resume(ref, options.note));
              if (options.json) return printJson(view);
              printLine(
                `Schedule ${formatScheduleRef(ref)} is ${view.paused ? 'paused' : 'active'}${view.note ? `: ${view.note}` : ''}.`,
              );
              if (!view.paused) printNextRuns(view);
            });
          }),
        ),
    );
  }

  command.addCommand(
    scheduleAction('trigger', "run the schedule's job now (paused or not)")
      .addOption(overlapOption("for this firing only (default: the schedule's)"))
      .action(
        action(
          async (
            text: string,
            options: Options & { overlap?: (typeof OVERLAP_POLICIES)[number] },
            sub: Command,
          ) => {
            const ref = parseScheduleRef(text, tenantOf(sub));
            await withTemporal(async (session) => {
              await schedules(session).trigger(ref, options.overlap);
              if (options.json) return printJson({ ...ref, triggered: true });
              printLine(`Triggered schedule ${formatScheduleRef(ref)}.`);
              note(`See its jobs with: aci-batch list --tenant ${ref.tenant} --schedule ${ref.name}`);
            });
          },
        ),
      ),
  );

  command.addCommand(
    scheduleAction('backfill', 'run the job for every time the schedule would have fired in a period')
      .requiredOption('--start <time>', 'from (an ISO date or time, or a duration ago: 3d)')
      .requiredOption('--end <time>', 'to (an ISO date or time, or a duration ago)')
      .addOption(overlapOption("for these firings only (default: the schedule's)"))
      .action(
        action(
          async (
            text: string,
            options: Options & { start: string; end: string; overlap?: (typeof OVERLAP_POLICIES)[number] },
            sub: Command,
          ) => {
            const ref = parseScheduleRef(text, tenantOf(sub));
            const start = parseTime('--start', options.start);
            const end = parseTime('--end', options.end);
            if (end < start) throw usageError('--end must not be before --start.');
            await withTemporal(async (session) => {
              await schedules(session).backfill(ref, { start, end, overlap: options.overlap });
              if (options.json) {
                return printJson({
                  ...ref,
                  backfill: { start: start.toISOString(), end: end.toISOString() },
                });
              }
              printLine(
                `Backfilling schedule ${formatScheduleRef(ref)} from ${time(start.toISOString())} to ${time(end.toISOString())}.`,
              );
              note(`See its jobs with: aci-batch list --tenant ${ref.tenant} --schedule ${ref.name}`);
            });
          },
        ),
      ),
  );

  command.addCommand(
    scheduleAction('delete', 'delete a schedule (the jobs it started run on)').action(
      action(async (text: string, options: Options, sub: Command) => {
        const ref = parseScheduleRef(text, tenantOf(sub));
        await withTemporal(async (session) => {
          await schedules(session).delete(ref);
          if (options.json) return printJson({ ...ref, deleted: true });
          printLine(`Deleted schedule ${formatScheduleRef(ref)}.`);
        });
      }),
    ),
  );
  return command;
}

/** A subcommand about one schedule, with --tenant and --json. */
function scheduleAction(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .argument('<schedule>', SCHEDULE_REF_HELP)
    .addOption(tenantOption("the schedule's tenant"))
    .addOption(jsonOption());
}

const schedules = (session: TemporalSession) => new ScheduleClient(session.jobs);

function printNextRuns(view: ScheduleView): void {
  if (view.paused) return;
  const next = view.nextRuns.slice(0, 3).map((at) => time(at));
  if (next.length) printLine(`Next runs: ${next.join(', ')}`);
}

function printSchedule(view: ScheduleView): void {
  const { schedule } = view;
  const when =
    schedule.cron !== undefined
      ? `cron "${schedule.cron}"`
      : `every ${schedule.every}${schedule.offset ? ` (offset ${schedule.offset})` : ''}`;
  printLine(
    `Schedule ${formatScheduleRef(view.ref)}: ${view.paused ? 'Paused' : 'Active'}${view.note ? ` (${view.note})` : ''}`,
  );
  printLine(
    `  when: ${when}, time zone ${schedule.timeZone}${schedule.startAt ? `, from ${schedule.startAt}` : ''}${schedule.endAt ? `, until ${schedule.endAt}` : ''}`,
  );
  printLine(`  overlap: ${schedule.overlap}, catch-up window: ${schedule.catchupWindow}`);
  if (schedule.job) {
    const count =
      typeof schedule.job.instances === 'number' ? schedule.job.instances : schedule.job.instances.length;
    printLine(`  job: ${count} × ${schedule.job.image}, each run as ${view.ref.name}-<yyyymmddhhmmss>`);
  }
  printLine(
    `  started ${view.counts.started} job(s); skipped ${view.counts.skippedForOverlap} for overlap, missed ${view.counts.missedCatchupWindow} past the catch-up window`,
  );
  if (!view.paused && view.nextRuns.length) {
    printLine(
      `  next runs: ${view.nextRuns
        .slice(0, 5)
        .map((at) => time(at))
        .join(', ')}`,
    );
  }
  if (view.runningJobs.length) printLine(`  running: ${view.runningJobs.join(', ')}`);
  if (view.recentRuns.length) {
    printLine(
      table(
        ['RECENT JOB', 'SCHEDULED', 'STARTED'],
        view.recentRuns.map((run) => [run.jobId, time(run.scheduledAt), time(run.startedAt)]),
      ),
    );
  }
}
