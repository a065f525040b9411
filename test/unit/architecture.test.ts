import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/tools';

// Keeps the rooms honest: workflows/ must stay deterministic for Temporal's sandbox and domain/
// must stay pure, so neither may import I/O libraries, and workflows/ sees activities as types only.
const IO_MODULES =
  /^(node:|fs$|path$|os$|http$|https$|net$|child_process$|crypto$|megalodon|axios|@aws-sdk\/|@duckdb\/|duckdb$|@temporalio\/(worker|client|activity)$)/;

function tsFiles(dir: string): string[] {
  const abs = path.join(REPO_ROOT, dir);
  return readdirSync(abs).flatMap((name) => {
    const p = path.join(abs, name);
    if (statSync(p).isDirectory()) return tsFiles(path.join(dir, name));
    return name.endsWith('.ts') ? [path.join(dir, name)] : [];
  });
}

function imports(file: string): Array<{ spec: string; typeOnly: boolean; line: string }> {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
  return [...text.matchAll(re)].map((m) => ({ spec: (m[3] ?? m[4])!, typeOnly: !!m[2], line: m[0].trim() }));
}

describe('room rules', () => {
  for (const room of ['workflows', 'domain']) {
    it(`${room}/ imports no I/O modules`, () => {
      const bad = tsFiles(room).flatMap((f) =>
        imports(f)
          .filter((i) => !i.typeOnly && IO_MODULES.test(i.spec))
          .map((i) => `${f}: ${i.line}`),
      );
      expect(bad).toEqual([]);
    });
    it(`${room}/ reads no wall clock or randomness directly`, () => {
      const bad = tsFiles(room).filter((f) =>
        /\bDate\.now\(\)|\bMath\.random\(\)|new Date\(\)/.test(readFileSync(path.join(REPO_ROOT, f), 'utf8')),
      );
      expect(bad).toEqual([]);
    });
  }

  it('workflows/ imports activities/ as types only', () => {
    const bad = tsFiles('workflows').flatMap((f) =>
      imports(f)
        .filter((i) => /activities/.test(i.spec) && !i.typeOnly)
        .map((i) => `${f}: ${i.line}`),
    );
    expect(bad).toEqual([]);
  });

  it('domain/ does not import from activities, workflows, cli or infra', () => {
    const bad = tsFiles('domain').flatMap((f) =>
      imports(f)
        .filter((i) => /(^|\/)(activities|workflows|cli|infra|runtime)(\/|$)/.test(i.spec))
        .map((i) => `${f}: ${i.line}`),
    );
    expect(bad).toEqual([]);
  });
});
