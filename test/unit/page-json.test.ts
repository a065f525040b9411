import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  declaredStringsDecoder,
  decodeRawString,
  parsePageBytes,
  rawStringsDecoder,
} from '../../activities/aggregate/page-json';
import { createStatusMapper, type MapResult } from '../../domain/metrics';
import { iterateDay } from '../../infra/mastodon-sim/generator';

// parsePageBytes parses latin1-decoded bytes and leaves strings undecoded until the mapper needs
// them; everything here holds it to the plain JSON.parse(bytes.toString('utf8')).

const CASSETTES = fileURLToPath(new URL('../../../shared/fixtures/mastodon-api-cassettes/', import.meta.url));

/** The recorded response bodies that are arrays of statuses, as the bytes Mastodon sent. */
function cassettePages(): Buffer[] {
  const out: Buffer[] = [];
  for (const file of readdirSync(CASSETTES).filter((f) => f.endsWith('.yaml'))) {
    const doc = parse(readFileSync(CASSETTES + file, 'utf8')) as {
      interactions: { request: { uri: string }; response: { status: { code: number }; body: { string: string } } }[];
    };
    for (const { request, response } of doc.interactions) {
      if (response.status.code !== 200 || !/\/api\/v1\/(timelines\/|accounts\/\d+\/statuses)/.test(request.uri))
        continue;
      if (response.body.string.startsWith('[')) out.push(Buffer.from(response.body.string, 'utf8'));
    }
  }
  return out;
}

function generatedPages(statuses: number, perPage = 40): Buffer[] {
  const pages: Buffer[] = [];
  let page: unknown[] = [];
  for (const e of iterateDay(7, '2026-03-04', { statusesPerDay: statuses, accountCount: 300 })) {
    page.push(e.status);
    if (page.length === perPage) {
      pages.push(Buffer.from(JSON.stringify(page)));
      page = [];
    }
  }
  return pages;
}

const plain = (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8'));

/** The partial of mapping pages either way (no window: every public status counts). */
function mapBoth(pages: Buffer[]): { plain: MapResult; fast: MapResult; decoded: number } {
  const a = createStatusMapper();
  const b = createStatusMapper();
  let decoded = 0;
  pages.forEach((bytes, i) => {
    a.add(plain(bytes) as unknown[], `p${i}`);
    const parsed = parsePageBytes(bytes);
    if (parsed.decoder) decoded++;
    b.add(parsed.value as unknown[], `p${i}`, parsed.decoder);
  });
  return { plain: a.finish(), fast: b.finish(), decoded };
}

/** Every string leaf of a value (keys left alone), through `f`. */
function mapStrings(v: unknown, f: (s: string, path: string) => string, path = ''): unknown {
  if (typeof v === 'string') return f(v, path);
  if (Array.isArray(v)) return v.map((x, i) => mapStrings(x, f, `${path}[${i}]`));
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f, `${path}.${k}`)]));
  return v;
}

describe('parsePageBytes', () => {
  it('maps generated pages to the very partial the plain parse gives', () => {
    const pages = generatedPages(4000);
    const r = mapBoth(pages);
    expect(r.decoded).toBeGreaterThan(pages.length / 2); // the deferred path really ran
    expect(r.fast).toEqual(r.plain);
    expect(r.plain.partial.counts.counted).toBeGreaterThan(3000);
  });

  it('maps the recorded Mastodon pages (escaped non-ASCII, many scripts) to the same partial', () => {
    const pages = cassettePages();
    expect(pages.length).toBeGreaterThan(5);
    // These bodies escape every non-ASCII char (\u043e ...): all ASCII, parsed as one-byte text
    // with nothing left to decode.
    const r = mapBoth(pages);
    expect(r.decoded).toBe(0);
    expect(r.fast).toEqual(r.plain);
    expect(r.plain.partial.counts.counted).toBeGreaterThan(50);
  });

  it('gives the same partial when every string of every status carries multi-byte text', () => {
    // Format-checked strings (IDs, dates) and visibility stay as they are; every other string
    // gains non-Latin-1 text and escaped chars above U+00FF, so a declared field the decoder
    // missed would change a metric key, a length or a score.
    const keep = /(^|\.)(id|created_at|edited_at|in_reply_to_id|in_reply_to_account_id|visibility)$/;
    const pages = generatedPages(1200).map((bytes) => {
      const records = mapStrings(plain(bytes), (s, p) => (keep.test(p) ? s : `${s}é→日本😀`));
      return Buffer.from(JSON.stringify(records).replace(/😀/g, '\\ud83d\\ude00 \\u2028'), 'utf8');
    });
    const r = mapBoth(pages);
    expect(r.decoded).toBe(pages.length);
    expect(r.fast).toEqual(r.plain);
  });

  it('equals the plain parse on random string bytes: invalid UTF-8, escapes, lone surrogates', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = [
      '\\n',
      '\\"',
      '\\\\',
      '\\u0041',
      '\\u2028',
      '\\ud83d\\ude00',
      '\\ud800',
      '\\u00e9',
      'é',
      '日',
      '😀',
      'a',
      ' ',
    ];
    for (let round = 0; round < 2000; round++) {
      const parts: Buffer[] = [Buffer.from('["')];
      for (let k = rand(12); k > 0; k--) {
        if (rand(3) === 0) {
          // a raw byte: any but '"', '\' and the control chars JSON forbids inside strings
          let b = 0x20 + rand(0xe0);
          if (b === 0x22 || b === 0x5c) b = 0x80;
          parts.push(Buffer.from([b]));
        } else parts.push(Buffer.from(pieces[rand(pieces.length)]!, 'utf8'));
      }
      parts.push(Buffer.from('", {"k\u00e9": "x"}]'));
      const bytes = Buffer.concat(parts);
      const parsed = parsePageBytes(bytes);
      const value = parsed.decoder ? parsed.decoder.whole(parsed.value) : parsed.value;
      expect(value, bytes.toString('hex')).toEqual(plain(bytes));
    }
  });

  it('parses an escaped U+0080..U+00FF char the plain way (it would look like a raw byte)', () => {
    for (const [esc, char] of [
      ['\\u00e9', 'é'],
      ['\\u00C9', 'É'],
      ['\\u0080', '\u0080'],
      ['\\u009f', '\u009f'],
    ]) {
      const bytes = Buffer.from(`[{"content":"caf${esc} — ok"}]`, 'utf8');
      const parsed = parsePageBytes(bytes);
      expect(parsed.decoder, esc).toBeUndefined();
      expect(parsed.value).toEqual([{ content: `caf${char} — ok` }]);
    }
    // Escapes of ASCII or of chars above U+00FF keep the fast way.
    const fast = parsePageBytes(Buffer.from('[{"content":"\\u0041 \\u2028 — ok"}]', 'utf8'));
    expect(fast.decoder).toBeDefined();
    expect(fast.decoder!.whole(fast.value)).toEqual([{ content: 'A \u2028 — ok' }]);
  });

  it('throws the plain parse’s own error for a page that is not JSON', () => {
    const bytes = Buffer.from('[{"content": "ünï" ,]', 'utf8');
    let expected = '';
    try {
      plain(bytes);
    } catch (err) {
      expected = (err as Error).message;
    }
    expect(expected).not.toBe('');
    expect(() => parsePageBytes(bytes)).toThrow(expected);
  });
});

describe('declaredStringsDecoder', () => {
  it('decodes the declared string fields, through nesting, and leaves the others as bytes', () => {
    const Schema = z.looseObject({
      a: z.string(),
      n: z.number(),
      inner: z.object({ b: z.string().nullish() }).optional(),
      list: z.array(z.looseObject({ c: z.string() })),
    });
    const decode = declaredStringsDecoder(Schema)!;
    const raw = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
    const v = { a: raw('é'), n: 1, inner: { b: raw('日') }, list: [{ c: raw('😀'), d: raw('ü') }], other: raw('ß') };
    expect(decode(v)).toEqual({ a: 'é', n: 1, inner: { b: '日' }, list: [{ c: '😀', d: raw('ü') }], other: raw('ß') });
  });

  it('refuses a schema part it cannot walk, naming where it is', () => {
    expect(() => declaredStringsDecoder(z.object({ x: z.union([z.string(), z.number()]) }))).toThrow(
      /\(root\)\.x is a zod union/,
    );
  });

  it('decodes statuses’ declared strings only: rawStringsDecoder.declared', () => {
    const status = plain(generatedPages(40)[0]!) as Record<string, unknown>[];
    const bytes = Buffer.from(JSON.stringify(status[0]), 'utf8');
    const raw = JSON.parse(bytes.toString('latin1')) as Record<string, unknown>;
    rawStringsDecoder.declared(raw as never);
    const want = status[0] as { content: string; account: { display_name: string } };
    expect((raw as typeof want).content).toBe(want.content);
    expect((raw as typeof want).account.display_name).toBe(want.account.display_name);
  });
});

describe('decodeRawString', () => {
  it('keeps ASCII as is and decodes byte runs around escaped chars', () => {
    expect(decodeRawString('plain')).toBe('plain');
    const raw = `${Buffer.from('é', 'utf8').toString('latin1')}\u2028${Buffer.from('日', 'utf8').toString('latin1')}`;
    expect(decodeRawString(raw)).toBe('é\u2028日');
  });
});
