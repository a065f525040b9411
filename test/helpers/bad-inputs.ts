import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../infra/tools';

// The bad-input corpus (test/fixtures/bad-inputs/*.json, README "Bad input"): one file per
// surface, each case a name, an input, the substrings its error must contain (they name what is
// wrong) and how it must fail. The test of each surface reads its file through here.

export const BAD_INPUTS_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'bad-inputs');

export interface BadInputCase<Input> {
  name: string;
  /** Every substring must appear in the error (stderr, or the failure message). */
  stderr?: string[];
  message?: string[];
  input?: Input;
  [key: string]: unknown;
}

/** The cases of one surface's file; a file with no case or a case with no expected text is an error. */
export function badInputCases<C extends { name: string }>(file: string): C[] {
  const parsed = JSON.parse(readFileSync(path.join(BAD_INPUTS_DIR, file), 'utf8')) as { cases?: C[] };
  const cases = parsed.cases ?? [];
  if (cases.length === 0) throw new Error(`${file}: no cases`);
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`${file}: two cases are named "${c.name}"`);
    names.add(c.name);
    const expected = (c as { stderr?: string[]; message?: string[] }).stderr ?? (c as { message?: string[] }).message;
    if (!expected?.length) throw new Error(`${file}: case "${c.name}" expects no error text`);
  }
  return cases;
}
