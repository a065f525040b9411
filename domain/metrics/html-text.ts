// The one definition of "the text of a toot": what the length metric counts, what sentiment
// scores and where opt-out hashtags are looked for. Mastodon serves sanitised HTML
// (`<p>`, `<br>`, `<a><span class="invisible">https://</span>…</a>`, entities), so the plain
// text is recovered the way Mastodon's own plain-text rendering does it:
//
//   - tags are removed; `<br>` becomes "\n", `</li>` becomes "\n", `</p>` becomes "\n\n"
//     (paragraphs are separated by a blank line);
//   - the hidden parts of links (`class="invisible"` spans) are kept: they are the URL the
//     author wrote, and Mastodon hides them only for display;
//   - character references are decoded: &amp; &lt; &gt; &quot; &apos; &nbsp; and numeric
//     &#NNN; / &#xHH; (a reference that is unknown or invalid stays as written);
//   - the result is trimmed (ECMAScript String.prototype.trim whitespace).
//
// A `<` starts a tag only when followed by a letter, `/`, `!` or `?` (as in the HTML tokenizer),
// so plain text such as "I <3 you" survives if it is ever fed through here; an unterminated tag
// swallows the rest of the input, as in the tokenizer.
//
// Length = number of Unicode code points of that text (an emoji is 1, a ZWJ family sequence is
// several). Code points rather than grapheme clusters because they are exact, cheap and the
// same in every engine; Mastodon's own 500-character limit counts differently (URLs as 23).
//
// This runs once per toot in the map step, so it jumps between `<` and `&` with indexOf (native
// scanning) instead of looking at every character in JS, and the length is counted without
// building the text at all (textLength).

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

function isTagStart(code: number): boolean {
  // A-Z a-z / ! ?
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 47 || code === 33 || code === 63;
}

/** The replacement for the tag spanning html[start..end] (both brackets included). */
function tagReplacement(html: string, start: number, end: number): string {
  let i = start + 1;
  const closing = html.charCodeAt(i) === 47;
  if (closing) i++;
  const a = html.charCodeAt(i) | 0x20; // ASCII lower case
  const b = i + 1 < end ? html.charCodeAt(i + 1) | 0x20 : 0;
  // The name ends at whitespace, `/` or `>`; names longer than two letters never match.
  const c = i + 2 < end ? html.charCodeAt(i + 2) : 62;
  const endsAt2 = c === 62 || c === 47 || c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
  if (a === 98 && b === 114 && endsAt2) return '\n'; // <br>, <br/>, <br />, and </br> as browsers do
  if (closing && a === 108 && b === 105 && endsAt2) return '\n'; // </li>
  if (closing && a === 112) {
    const d = html.charCodeAt(i + 1);
    if (d === 62 || d === 32 || d === 9 || d === 10 || d === 13 || d === 12) return '\n\n'; // </p>
  }
  return '';
}

const NUMERIC_DEC = /^[0-9]+$/;
const NUMERIC_HEX = /^[0-9a-fA-F]+$/;

/** Decodes the character reference at html[start] === '&'; null when it is not a known one. */
function decodeReference(html: string, start: number): { text: string; end: number } | null {
  const semi = html.indexOf(';', start + 1);
  if (semi < 0 || semi - start > 12) return null;
  if (html.charCodeAt(start + 1) === 35) {
    // numeric: &#123; or &#x1F600;
    const hex = (html.charCodeAt(start + 2) | 0x20) === 120;
    const digits = html.slice(start + (hex ? 3 : 2), semi);
    if (!(hex ? NUMERIC_HEX : NUMERIC_DEC).test(digits)) return null;
    const cp = parseInt(digits, hex ? 16 : 10);
    if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    return { text: String.fromCodePoint(cp), end: semi + 1 };
  }
  const name = html.slice(start + 1, semi);
  const text = Object.hasOwn(NAMED, name) ? NAMED[name] : undefined;
  return text === undefined ? null : { text, end: semi + 1 };
}

/** Plain text of a Mastodon HTML fragment (see the rules at the top of this file). */
export function htmlToText(html: string): string {
  let lt = html.indexOf('<');
  let amp = html.indexOf('&');
  if (lt < 0 && amp < 0) return html.trim();
  const n = html.length;
  const parts: string[] = [];
  let segment = 0; // start of the pending literal run
  let stop = n;
  for (;;) {
    // The next `<` or `&` at or after `segment`'s scan position.
    if (lt < 0 && amp < 0) break;
    if (lt >= 0 && (amp < 0 || lt < amp)) {
      if (lt + 1 < n && isTagStart(html.charCodeAt(lt + 1))) {
        const end = html.indexOf('>', lt + 2);
        if (end < 0) {
          stop = lt;
          break;
        }
        if (lt > segment) parts.push(html.slice(segment, lt));
        const rep = tagReplacement(html, lt, end);
        if (rep !== '') parts.push(rep);
        segment = end + 1;
        lt = html.indexOf('<', segment);
        if (amp >= 0 && amp < segment) amp = html.indexOf('&', segment);
      } else {
        lt = html.indexOf('<', lt + 1);
      }
    } else {
      const ref = decodeReference(html, amp);
      if (ref === null) {
        amp = html.indexOf('&', amp + 1);
      } else {
        if (amp > segment) parts.push(html.slice(segment, amp));
        parts.push(ref.text);
        segment = ref.end;
        amp = html.indexOf('&', segment);
        if (lt >= 0 && lt < segment) lt = html.indexOf('<', segment);
      }
    }
  }
  if (stop > segment) parts.push(html.slice(segment, stop));
  return parts.join('').trim();
}

/** Plain text as HTML that htmlToText turns back into the same text. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The HTML of a status: `content`, or — for the "deleted status" form that carries only its
 * plain-text source in `text` — that source escaped.
 */
export function statusHtml(status: { content?: string | undefined; text?: string | undefined }): string {
  return status.content ?? escapeHtml(status.text ?? '');
}

const HIGH_SURROGATE = /[\ud800-\udbff]/;

/** Number of Unicode code points (a lone surrogate counts as one). */
export function codePointLength(text: string): number {
  if (!HIGH_SURROGATE.test(text)) return text.length;
  let pairs = 0;
  const n = text.length;
  for (let i = 0; i < n - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return n - pairs;
}

// ECMAScript WhiteSpace and LineTerminator code points (what String.prototype.trim removes);
// all are single UTF-16 units.
function isTrimSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Incremental length of a trimmed concatenation: pieces are appended one by one; leading
 * whitespace is dropped, trailing whitespace held back until something else follows.
 */
class TrimmedLength {
  length = 0;
  private started = false;
  private pendingSpace = 0;
  /** Appends text[from..to) (UTF-16 units; `units` per code point is handled by the caller). */
  append(text: string, from: number, to: number): void {
    let i = from;
    if (!this.started) {
      while (i < to && isTrimSpace(text.charCodeAt(i))) i++;
      if (i === to) return;
      this.started = true;
    }
    let j = to;
    while (j > i && isTrimSpace(text.charCodeAt(j - 1))) j--;
    if (j === i) {
      this.pendingSpace += to - i;
      return;
    }
    this.length += this.pendingSpace + (j - i);
    this.pendingSpace = to - j;
  }
}

/**
 * The toot length metric: the number of code points of htmlToText(html), computed without
 * building the text (it runs on every toot). The unit tests hold it equal to
 * codePointLength(htmlToText(html)).
 */
export function textLength(html: string): number {
  // Astral characters (emoji) make UTF-16 lengths differ from code points: take the long way.
  if (HIGH_SURROGATE.test(html)) return codePointLength(htmlToText(html));
  let lt = html.indexOf('<');
  let amp = html.indexOf('&');
  const acc = new TrimmedLength();
  const n = html.length;
  let segment = 0;
  let stop = n;
  for (;;) {
    if (lt < 0 && amp < 0) break;
    if (lt >= 0 && (amp < 0 || lt < amp)) {
      if (lt + 1 < n && isTagStart(html.charCodeAt(lt + 1))) {
        const end = html.indexOf('>', lt + 2);
        if (end < 0) {
          stop = lt;
          break;
        }
        if (lt > segment) acc.append(html, segment, lt);
        const rep = tagReplacement(html, lt, end);
        if (rep !== '') acc.append(rep, 0, rep.length);
        segment = end + 1;
        lt = html.indexOf('<', segment);
        if (amp >= 0 && amp < segment) amp = html.indexOf('&', segment);
      } else {
        lt = html.indexOf('<', lt + 1);
      }
    } else {
      const ref = decodeReference(html, amp);
      if (ref === null) {
        amp = html.indexOf('&', amp + 1);
      } else {
        if (amp > segment) acc.append(html, segment, amp);
        // A decoded astral character is two units but one code point.
        if (ref.text.length === 2) {
          acc.append('x', 0, 1);
        } else {
          acc.append(ref.text, 0, 1);
        }
        segment = ref.end;
        amp = html.indexOf('&', segment);
        if (lt >= 0 && lt < segment) lt = html.indexOf('<', segment);
      }
    }
  }
  if (stop > segment) acc.append(html, segment, stop);
  return acc.length;
}
