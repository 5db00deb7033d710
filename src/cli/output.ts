/**
 * Where output goes: results on stdout (a single JSON document with --json), notes and hints on stderr, so a
 * script can pipe stdout into a JSON parser while a person still reads what happened.
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}
