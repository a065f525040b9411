import type { z } from 'zod';

// The one formatter of zod issues: "<field path>: expected X, got Y", one line per problem. Used
// for config files, DAG specs, workflow and activity inputs and Mastodon records, so every
// message a user reads names the field the same way (`instances[0].baseUrl`, `tasks[2].deps`).
// Schemas parsed with `{ reportInput: true }` also say what was given ("got ...").

export type ZodIssue = z.core.$ZodIssue;

export interface IssueFormat {
  /** Prepended to every path, e.g. `['params']` → `params.x: ...`. */
  pathPrefix?: ReadonlyArray<PropertyKey>;
  /** Names the whole value when the problem is at the top (default `root`). */
  rootLabel?: string;
  /** At most this many lines, then `+N more`. */
  max?: number;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  return 'an object';
}

/** `['tasks', 2, 'deps', 0]` → `tasks[2].deps[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function issueText(issue: ZodIssue): string {
  const reported = 'input' in issue;
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (!reported) return `expected ${issue.expected}`;
      return input === undefined
        ? `required, expected ${issue.expected}`
        : `expected ${issue.expected}, got ${describeValue(input)}`;
    case 'invalid_value': {
      const expected = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}`;
      return reported ? `${expected}, got ${describeValue(input)}` : expected;
    }
    default: {
      // zod's own messages read "Too small: expected ..."; keep the part that says what was
      // expected. Our refinements describe the expected value ("a URL ...", "at least one ...").
      let text = issue.message.replace(/^[A-Z][A-Za-z ]*: (?=expected)/, '');
      if (/^(a|an|at least) /.test(text)) text = `expected ${text}`;
      return reported ? `${text}, got ${describeValue(input)}` : text;
    }
  }
}

/** One line per problem, each led by the field path; an unknown key is named by its own path. */
export function formatIssues(issues: ReadonlyArray<ZodIssue>, format: IssueFormat = {}): string[] {
  const prefix = format.pathPrefix ?? [];
  const root = format.rootLabel ?? 'root';
  const lines: string[] = [];
  for (const issue of issues) {
    const base = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatPath([...base, key])}: unknown field`);
      continue;
    }
    lines.push(`${formatPath(base) || root}: ${issueText(issue)}`);
  }
  if (format.max !== undefined && lines.length > format.max) {
    return [...lines.slice(0, format.max), `+${lines.length - format.max} more`];
  }
  return lines;
}

/** The lines joined into one message (`a: ...; b: ...`), for failures and errors. */
export function describeZodError(error: z.ZodError, format: IssueFormat = {}): string {
  return formatIssues(error.issues, format).join('; ');
}
