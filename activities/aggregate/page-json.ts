import { isAscii } from 'node:buffer';
import type { z } from 'zod';
import { MastodonStatus } from '../../domain/mastodon-schemas';
import type { RecordDecoder } from '../../domain/metrics';

// Parsing raw pages faster than `JSON.parse(bytes.toString('utf8'))`, with the same result.
//
// Statuses carry text in every script, so a page decoded as UTF-8 becomes a two-byte string, and
// V8 both decodes and parses those much more slowly than one-byte strings: on the bench's
// 2.1 KB statuses, UTF-8 decoding plus JSON.parse alone ran at ~37k statuses/s per core, the
// floor under the whole map. Here the bytes are decoded as latin1 (one byte, one char: a copy),
// parsed, and only the strings the metrics can read (those MastodonStatus declares) are turned
// from UTF-8 bytes into text afterwards.
//
// Why the result is exactly the UTF-8 parse, string by string:
// - JSON's structure is ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII, so both
//   decodings see the same tokens, and a string's raw bytes are the same bytes in both.
// - Escapes decode the same in both; only an escape of a char in U+0080..U+00FF would be
//   indistinguishable from a raw byte afterwards, so a page containing `\u008x`..`\u00Fx` is
//   parsed the plain way.
// - Escaped chars above U+00FF are kept as they are; the one-byte runs between them (and ASCII
//   escapes inside them) are UTF-8-decoded by the same decoder the plain way uses. Invalid
//   sequences end at an ASCII byte or at an escape in both ways, so they turn into the same U+FFFD.
// - A page that is not JSON is parsed the plain way too, so its error message is unchanged.
// - The fast status check reads strings only through ASCII-only regexes, emptiness and typeof,
//   which give the same answer on raw bytes as on text; records it rejects are decoded whole
//   before zod sees them.
// test/unit/page-json.test.ts holds both ways equal on generated pages, on every declared string
// field made non-ASCII, and on random bytes.

/**
 * Whether the text has an escape of one of U+0080..U+00FF (or a false alarm like `\\u00e9`).
 * A native substring search: measured several times faster than the equivalent regex.
 */
function hasEscapedLatin1(text: string): boolean {
  for (let i = text.indexOf('\\u00'); i >= 0; i = text.indexOf('\\u00', i + 4)) {
    const c = text.charCodeAt(i + 4) | 0x20; // ASCII letters to lower case
    if (c === 0x38 || c === 0x39 || (c >= 0x61 && c <= 0x66)) return true; // 8, 9, a-f
  }
  return false;
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: the ranges are byte ranges, control bytes included
const NON_ASCII = /[^\x00-\x7f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the ranges are byte ranges, control bytes included
const ABOVE_LATIN1 = /[^\x00-\xff]/;

function utf8(oneByteRun: string): string {
  return Buffer.from(oneByteRun, 'latin1').toString('utf8');
}

/** A string parsed from latin1-decoded UTF-8, as text. */
export function decodeRawString(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  if (!ABOVE_LATIN1.test(s)) return utf8(s);
  // Chars above U+00FF came from escapes: keep them, decode the runs between them.
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) {
      if (i > from) out += utf8(s.slice(from, i));
      out += s[i];
      from = i + 1;
    }
  }
  return from < s.length ? out + utf8(s.slice(from)) : out;
}

/** Every string in a parsed value (keys too), decoded; objects are rebuilt only when a key changes. */
export function decodeRawValue(v: unknown): unknown {
  if (typeof v === 'string') return decodeRawString(v);
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = decodeRawValue(v[i]);
    return v;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.some((k) => NON_ASCII.test(k))) {
    return Object.fromEntries(keys.map((k) => [decodeRawString(k), decodeRawValue(o[k])]));
  }
  for (const k of keys) o[k] = decodeRawValue(o[k]);
  return o;
}

type Fix = (v: unknown) => unknown;

const fixString: Fix = (v) => (typeof v === 'string' ? decodeRawString(v) : v);

/**
 * A function decoding, in place, exactly the string fields a zod schema declares (through nested
 * objects, arrays, optional and nullable). A schema part it does not know throws here, at load.
 */
export function declaredStringsDecoder(schema: z.ZodType, at = '(root)'): Fix | undefined {
  // def.type names the kind; string formats (ISO dates, regexes) are kind 'string' too.
  const def = (schema as unknown as { _zod: { def: { type: string } } })._zod.def;
  switch (def.type) {
    case 'string':
      return fixString;
    case 'boolean':
    case 'number':
      return undefined;
    case 'optional':
    case 'nullable':
      return declaredStringsDecoder((schema as z.ZodOptional | z.ZodNullable).unwrap() as z.ZodType, at);
    case 'array': {
      const each = declaredStringsDecoder((schema as z.ZodArray).element as z.ZodType, `${at}[]`);
      if (!each) return undefined;
      return (v) => {
        if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = each(v[i]);
        return v;
      };
    }
    case 'object': {
      const fields: [string, Fix][] = [];
      for (const [key, field] of Object.entries((schema as z.ZodObject).shape as Record<string, z.ZodType>)) {
        const fix = declaredStringsDecoder(field, `${at}.${key}`);
        if (fix) fields.push([key, fix]);
      }
      return (v) => {
        if (typeof v !== 'object' || v === null) return v;
        const o = v as Record<string, unknown>;
        for (const [key, fix] of fields) {
          const x = o[key];
          if (x !== undefined && x !== null) {
            const y = fix(x);
            if (y !== x) o[key] = y;
          }
        }
        return o;
      };
    }
    default:
      throw new Error(`declaredStringsDecoder: ${at} is a zod ${def.type}, which it does not know how to walk`);
  }
}

const decodeStatusStrings = declaredStringsDecoder(MastodonStatus)!;

/** What the mapper needs for records parsed from raw bytes (see StatusMapper.add). */
export const rawStringsDecoder: RecordDecoder = {
  declared: (status) => void decodeStatusStrings(status),
  whole: decodeRawValue,
};

export interface ParsedPage {
  value: unknown;
  /** When set, the value's strings are still raw UTF-8 bytes: hand this to the mapper. */
  decoder?: RecordDecoder;
}

/** JSON.parse of a page's UTF-8 bytes (see above); throws JSON.parse's own SyntaxError. */
export function parsePageBytes(bytes: Buffer): ParsedPage {
  if (isAscii(bytes)) return { value: JSON.parse(bytes.toString('latin1')) };
  const text = bytes.toString('latin1');
  if (hasEscapedLatin1(text)) return { value: JSON.parse(bytes.toString('utf8')) };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { value: JSON.parse(bytes.toString('utf8')) };
  }
  return { value, decoder: rawStringsDecoder };
}
