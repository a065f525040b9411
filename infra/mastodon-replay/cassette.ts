// Reading VCR-style cassettes (Mastodon.py's recorded exchanges with real Mastodon servers)
// and deciding when a live request "is" a recorded one.
//
// Matching ignores the host (the recordings were made against localhost:3000 and
// mastodon.social) and query-parameter order, treats a trailing slash as absent, and compares
// parameter values as Mastodon would read them: percent-encoding decoded, and boolean flags
// (local, remote, only_media, ...) cast the Rails way, so `local=1` matches `local=true` and
// `local=false` matches no `local` at all. megalodon sends `local=false` on the public timeline,
// Mastodon.py sends nothing; both mean the same request to the server.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

/** ../shared/fixtures/mastodon-api-cassettes, beside the repository. */
export const CASSETTES_DIR_URL = new URL('../../../shared/fixtures/mastodon-api-cassettes', import.meta.url);
export const CASSETTES_DIR = fileURLToPath(CASSETTES_DIR_URL);

const HeaderValues = z.array(z.union([z.string(), z.number()]).transform(String));

const InteractionSchema = z.object({
  request: z.object({
    method: z.string(),
    uri: z.string(),
  }),
  response: z.object({
    status: z.object({ code: z.number().int(), message: z.string().nullish() }),
    headers: z.record(z.string(), HeaderValues).default({}),
    body: z.object({ string: z.union([z.string(), z.instanceof(Uint8Array)]).nullish() }).nullish(),
  }),
});

const CassetteSchema = z.object({
  interactions: z.array(InteractionSchema),
  version: z.number().optional(),
});

export interface RecordedAnswer {
  cassette: string;
  /** Position of the interaction in its cassette. */
  index: number;
  method: string;
  /** The URI as recorded, host included. */
  uri: string;
  host: string;
  key: string;
  status: number;
  statusMessage: string;
  /** Header names as recorded (mixed case in some answers), values in order. */
  headers: [string, string[]][];
  body: Buffer;
}

/** Flags Mastodon reads with Rails' boolean cast. */
const BOOLEAN_PARAMS = new Set([
  'local',
  'remote',
  'only_media',
  'exclude_replies',
  'exclude_reblogs',
  'pinned',
  'resolve',
  'following',
  'exclude_unreviewed',
]);
const FALSE_VALUES = new Set(['0', 'f', 'F', 'false', 'FALSE', 'off', 'OFF', '']);

/** Normalised identity of a request: method, path without trailing slash, sorted query. */
export function requestKey(method: string, pathAndQuery: string): string {
  const url = new URL(pathAndQuery, 'http://replay.invalid');
  let path = safeDecode(url.pathname);
  if (path.length > 1) path = path.replace(/\/+$/, '');
  const entries: [string, string][] = [];
  for (const [k, v] of url.searchParams) {
    if (BOOLEAN_PARAMS.has(k)) {
      if (FALSE_VALUES.has(v)) continue;
      entries.push([k, 'true']);
    } else {
      entries.push([k, v]);
    }
  }
  entries.sort((a, b) => (a[0] === b[0] ? cmpStr(a[1], b[1]) : cmpStr(a[0], b[0])));
  const query = entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${method.toUpperCase()} ${path}${query ? `?${query}` : ''}`;
}

export function listCassettes(dir: string = CASSETTES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
}

/** Every GET answer in the given cassettes, in file order then recorded order. */
export function loadAnswers(dir: string = CASSETTES_DIR, cassettes?: readonly string[]): RecordedAnswer[] {
  const names = cassettes ?? listCassettes(dir);
  const out: RecordedAnswer[] = [];
  for (const name of names) {
    const file = join(dir, /\.ya?ml$/.test(name) ? name : `${name}.yaml`);
    const parsed = CassetteSchema.safeParse(parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`cassette ${file} is not VCR YAML: ${parsed.error.message}`);
    parsed.data.interactions.forEach((it, index) => {
      if (it.request.method.toUpperCase() !== 'GET') return;
      const uri = new URL(it.request.uri);
      const raw = it.response.body?.string;
      out.push({
        cassette: basename(file),
        index,
        method: 'GET',
        uri: it.request.uri,
        host: uri.host,
        key: requestKey('GET', uri.pathname + uri.search),
        status: it.response.status.code,
        statusMessage: it.response.status.message ?? '',
        headers: Object.entries(it.response.headers),
        // vcrpy stores the decoded text; UTF-8 re-encoding gives back the bytes sent, which the
        // recorded content-length confirms for every answer in the fixtures.
        body: raw == null ? Buffer.alloc(0) : typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw),
      });
    });
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
