/**
 * The spec editor's check, as the API makes it: the text is read as YAML (JSON is YAML too), the signed-in
 * tenant is filled in as the API fills it in, and the shared job spec schema (src/shared/job-spec.ts, the one
 * the API, the CLI and the workflow use) names every problem with the same words. Each problem also gets the
 * line it is on, where it has one. Pure.
 */
import { LineCounter, parseDocument } from 'yaml';
import { JobSpecError, parseJobSpec, type JobSpec } from '../../shared/job-spec';

export interface SpecProblem {
  /** the field, e.g. "cpu" or "ports.0"; "(spec)" for the whole, "(syntax)" for the text */
  path: string;
  message: string;
  /** 1-based */
  line?: number;
}

export interface SpecCheck {
  /** what to send: the fields as written, with the tenant */
  body?: Record<string, unknown>;
  /** the spec as the API will read it (defaults filled in), when it is valid */
  spec?: JobSpec;
  problems: SpecProblem[];
}

export function checkSpec(text: string, tenant: string): SpecCheck {
  if (!text.trim())
    return { problems: [{ path: '(spec)', message: 'Write a job spec, or start from an example.' }] };
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => ({
        path: '(syntax)',
        message: error.message.split('\n')[0] ?? error.message,
        line: error.linePos?.[0].line,
      })),
    };
  }
  const value: unknown = document.toJS();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      problems: [{ path: '(spec)', message: 'A job spec is a map of fields: image, instances, cpu, …' }],
    };
  }
  const fields = value as Record<string, unknown>;
  // the API's rule (src/api/tenant-key.ts): a key submits for its own tenant only
  if (fields.tenant !== undefined && fields.tenant !== tenant) {
    return {
      problems: [
        {
          path: 'tenant',
          message: `This API key belongs to tenant "${tenant}"; submit with tenant "${tenant}" or leave it out.`,
          line: lineOf(document, lines, ['tenant']),
        },
      ],
    };
  }
  const body = { ...fields, tenant };
  try {
    return { body, spec: parseJobSpec(body), problems: [] };
  } catch (error) {
    if (!(error instanceof JobSpecError)) throw error;
    return {
      body,
      problems: error.problems.map((problem) => ({
        ...problem,
        line: problem.path.startsWith('(') ? undefined : lineOf(document, lines, pathOf(problem.path)),
      })),
    };
  }
}

type Document = ReturnType<typeof parseDocument>;

/** The line of the field at `path`, or of its nearest written parent (a missing field has no line of its own). */
function lineOf(document: Document, lines: LineCounter, path: Array<string | number>): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const node = document.getIn(path.slice(0, depth), true) as
      { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function pathOf(path: string): Array<string | number> {
  return path.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}
