/**
 * The chaos suite's tally: per scenario, the jobs (and runs) it ran, the faults it injected, the results that
 * came out wrong and the container groups it leaked. Scenarios record their row before they assert, so the
 * tally printed at the end of the suite tells the truth even when an assertion fails.
 */

export interface ScenarioTally {
  scenario: string;
  jobs: number;
  runs: number;
  /** every fault injected: kills, server restarts, ARM errors, crashes, hostile callbacks */
  faults: number;
  /** what the faults were, e.g. "throttle:create 3, serverError:get 2" */
  faultDetail: string;
  /** runs whose result differs from the expected one (a job that never finished counts all its runs) */
  wrongResults: number;
  /** container groups left behind that no policy kept */
  leakedGroups: number;
}

export class ChaosTally {
  private readonly rows: ScenarioTally[] = [];

  record(row: ScenarioTally): void {
    this.rows.push(row);
  }

  /** One line per scenario and a line of totals. */
  format(): string {
    const total = this.rows.reduce(
      (sum, row) => ({
        jobs: sum.jobs + row.jobs,
        runs: sum.runs + row.runs,
        faults: sum.faults + row.faults,
        wrongResults: sum.wrongResults + row.wrongResults,
        leakedGroups: sum.leakedGroups + row.leakedGroups,
      }),
      { jobs: 0, runs: 0, faults: 0, wrongResults: 0, leakedGroups: 0 },
    );
    const width = Math.max(5, ...this.rows.map((row) => row.scenario.length));
    const line = (name: string, counts: Omit<ScenarioTally, 'scenario' | 'faultDetail'>, detail = '') =>
      `  ${name.padEnd(width)}  jobs ${counts.jobs} (${counts.runs} runs)  faults injected ${counts.faults}` +
      `  results wrong ${counts.wrongResults}  container groups leaked ${counts.leakedGroups}` +
      (detail ? `  [${detail}]` : '');
    return [
      'chaos tally:',
      ...this.rows.map((row) => line(row.scenario, row, row.faultDetail)),
      line('total', total),
    ].join('\n');
  }
}

/** `{ "throttle:create": 2, ... }` as "throttle:create 2, ...". */
export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}
