// A self-contained re-implementation of vader-sentiment 1.1.3's polarity_scores (the package's
// build/vaderSentiment.bundle.js, same code as its src/vaderSentiment.js) that returns
// bit-identical neg / neu / pos / compound, several times faster. Only the lexicon data is taken
// from the package (src/vader_lexicon.js, key for key the same object as the one inlined in the
// bundle); everything else is replicated here, quirks included:
//
// Tokens (SentiText.get_words_and_emoticons)
//   - the text is split on every JS `\s` character (Unicode spaces, NBSP, U+2028/9, BOM, ...)
//     and only pieces longer than ONE UTF-16 UNIT are kept (so "a" and "!" vanish, while a
//     single astral emoji, two units, is a token);
//   - a token that is exactly `p + w` or `w + p`, with `p` one of the 17 marks of PUNC_LIST
//     (. ! ? , ; : - ' " !! !!! ?? ??? ?!? !?! ?!?! !?!?) and `w` free of ASCII punctuation and
//     longer than one unit, becomes `w`. The package builds a dictionary of every word glued to
//     every mark for this; as `w` is then the token's own punctuation-free text, the dictionary
//     test reduces to those conditions. So "good!!!!" (4 marks), "good..." and "(good)" keep
//     their punctuation and are not found in the lexicon, while "good!!!" and "'good" are.
//
// Valence of each token (polarity_scores, sentiment_valence)
//   - "kind" followed by "of" (case-insensitive) and the booster words score 0;
//   - other tokens are looked up lower-cased (String#toLowerCase: "\u212Aiss", Kelvin sign, is
//     "kiss"); ALL CAPS (`/^[^a-z]*[A-Z]+[^a-z]*$/`, ASCII letters only) adds ±0.733 when some
//     but not all tokens are ALL CAPS (even for emoticons with capitals such as ":D");
//   - each of the three preceding tokens that is NOT itself a lexicon word may add a booster
//     scalar (±0.293, ±0.733 more if that booster is ALL CAPS, × 0.95 / × 0.9 at distance 2 / 3)
//     and then runs the never-check with CASE-SENSITIVE tokens: NEGATE list or a token
//     containing "n't" multiplies by -0.74 ("Not" and "NEVER" do not negate); "never so/this X"
//     × 1.5; at distance 3, "never so/this _ X" OR simply "so/this X" × 1.25 (the port's
//     precedence quirk); a preceding lexicon word skips all of that for its position;
//   - at distance 3 (index >= 3, the token three before not in the lexicon) the idiom check
//     runs (case-sensitive, only the 7 SPECIAL_CASE_IDIOMS; the first of 5 backward n-grams
//     wins, then forward 2- and 3-grams override), and "kind of" / "sort of" / "just enough"
//     (exact case) as tokens i-3,i-2 or i-2,i-1 add -0.293 whatever the valence's sign;
//   - "least" (any case) before the word multiplies by -0.74 unless preceded by "at" or "very";
//   - there is no special handling of "no" in this port: it is just a lexicon word (-1.2).
//
// Sentence level (but_check, score_valence)
//   - only the first token exactly "but" (else exactly "BUT"; "But" never) halves the valences
//     before it and multiplies those after it by 1.5;
//   - '!' anywhere in the text adds 0.292 each (up to 4), '?' adds 0.18 each for 2 or 3 and 0.96
//     for more, to the sum's magnitude (nothing when the sum is 0) and to the larger side of
//     pos / neg; compound = sum / sqrt(sum² + 15); results rounded as parseFloat(toFixed(3 / 4))
//     does (computed without strings, see round());
//   - no tokens at all gives 0 / 0 / 0 / 0 (neu is 0, not 1).
//
// The floating-point operations are done in the package's order so every result is identical
// (test/unit/vader-fast.test.ts compares with === on the ground truth, generated and edge texts).
// Speed: one pass over the characters finds the tokens and counts '!' / '?', each token is
// lower-cased at most once and looked up once (Maps), no regex, no per-text dictionary.
//
// Not reentrant (module-level scratch buffers), which is fine in JS's single thread.

// @ts-expect-error vader-sentiment ships no type declarations; the lexicon is a plain object of numbers.
import { lexicon as packageLexicon } from 'vader-sentiment/src/vader_lexicon.js';

export interface VaderScores {
  neg: number;
  neu: number;
  pos: number;
  compound: number;
}

const B_INCR = 0.293;
const B_DECR = -0.293;
const C_INCR = 0.733;
const N_SCALAR = -0.74;

const LEXICON: ReadonlyMap<string, number> = new Map(Object.entries(packageLexicon as Record<string, number>));

/**
 * BOOSTER_DICT without its three two-word keys, which a token (never containing a space) cannot
 * equal. No booster word is a lexicon word (checked below), so both are looked up in one Map:
 * WORDS holds the lexicon values (all within ±4) and the markers BOOST_UP / BOOST_DOWN.
 */
const BOOSTERS_UP =
  'absolutely amazingly awfully completely considerably decidedly deeply effing enormously entirely especially ' +
  'exceptionally extremely fabulously flipping flippin fricking frickin frigging friggin fully fucking greatly hella ' +
  'highly hugely incredibly intensely majorly more most particularly purely quite really remarkably so substantially ' +
  'thoroughly totally tremendously uber unbelievably unusually utterly very';
const BOOSTERS_DOWN =
  'almost barely hardly kinda kindof kind-of less little marginally occasionally partly scarcely slightly somewhat sorta sortof sort-of';
const BOOST_UP = 1000;
const BOOST_DOWN = -1000;
const WORDS = new Map<string, number>(LEXICON);
for (const w of BOOSTERS_UP.split(' ')) WORDS.set(w, BOOST_UP);
for (const w of BOOSTERS_DOWN.split(' ')) WORDS.set(w, BOOST_DOWN);
if (WORDS.size !== LEXICON.size + BOOSTERS_UP.split(' ').length + BOOSTERS_DOWN.split(' ').length) {
  throw new Error('vader-fast: a booster word is also a lexicon word; the combined lookup does not apply');
}
for (const v of LEXICON.values()) {
  if (!(Math.abs(v) < 100)) throw new Error('vader-fast: unexpected lexicon value');
}

/** The package's NEGATE list (compared case-sensitively, as negated() does). */
const NEGATE: ReadonlySet<string> = new Set(
  (
    "aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't daren't didn't doesn't dont hadnt " +
    "hasnt havent isnt mightnt mustnt neither don't hadn't hasn't haven't isn't mightn't mustn't neednt needn't never " +
    "none nope nor not nothing nowhere oughtnt shant shouldnt uhuh wasnt werent oughtn't shan't shouldn't uh-uh wasn't " +
    "weren't without wont wouldnt won't wouldn't rarely seldom despite"
  ).split(' '),
);

const PUNC_LIST: ReadonlySet<string> = new Set([
  '.',
  '!',
  '?',
  ',',
  ';',
  ':',
  '-',
  "'",
  '"',
  '!!',
  '!!!',
  '??',
  '???',
  '?!?',
  '!?!',
  '?!?!',
  '!?!?',
]);

/** least_check compares a lexicon lookup of "least" too; it is not a lexicon word in 1.1.3. */
const LEAST_IN_LEXICON = LEXICON.has('least');

/** ASCII punctuation, the class of the package's REGEX_REMOVE_PUNCTUATION (! to / : to @ [ to ` { to ~). */
const IS_PUNCT = new Uint8Array(128);
for (let c = 33; c <= 126; c++) {
  if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) IS_PUNCT[c] = 1;
}

/** JS RegExp `\s`: WhiteSpace and LineTerminator (checked against /\s/ for every code unit in the tests). */
export function isJsWhitespace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
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

// Per-text scratch, grown on demand. FLAG_UPPER: is_upper_python(token); FLAG_LEX: lexicon word;
// FLAG_APOS: the token had an apostrophe (only such a token can contain "n't").
const FLAG_UPPER = 1;
const FLAG_LEX = 2;
const FLAG_APOS = 4;
let cap = 64;
const words: string[] = new Array<string>(cap);
const lowers: string[] = new Array<string>(cap);
let flags = new Uint8Array(cap);
let lexValue = new Float64Array(cap);
let boost = new Float64Array(cap); // booster scalar of the token, 0 when it is none
let sentiments = new Float64Array(cap);

function grow(): void {
  cap *= 2;
  const f = new Uint8Array(cap);
  f.set(flags);
  flags = f;
  const l = new Float64Array(cap);
  l.set(lexValue);
  lexValue = l;
  const b = new Float64Array(cap);
  b.set(boost);
  boost = b;
  sentiments = new Float64Array(cap);
  words.length = cap;
  lowers.length = cap;
}

/** negated([words[j]]) of the package: a NEGATE word (case-sensitive) or containing "n't". */
function negatedAt(j: number): boolean {
  const w = words[j] as string;
  return NEGATE.has(w) || (((flags[j] as number) & FLAG_APOS) !== 0 && w.includes("n't"));
}

/** SPECIAL_CASE_IDIOMS lookup of the two-token sequence "a b" (undefined when absent). */
function idiom2(a: string, b: string): number | undefined {
  if (a === 'the') return b === 'shit' || b === 'bomb' ? 3 : undefined;
  if (a === 'bad') return b === 'ass' ? 1.5 : undefined;
  if (a === 'yeah') return b === 'right' ? -2 : undefined;
  return undefined;
}

/** SPECIAL_CASE_IDIOMS lookup of the three-token sequence "a b c" (undefined when absent). */
function idiom3(a: string, b: string, c: string): number | undefined {
  if (a === 'cut') return b === 'the' && c === 'mustard' ? 2 : undefined;
  if (a === 'kiss') return b === 'of' && c === 'death' ? -1.5 : undefined;
  if (a === 'hand') return b === 'to' && c === 'mouth' ? -2 : undefined;
  return undefined;
}

/** BOOSTER_DICT lookup of "a b": only its keys with a space can match. */
function boosterBigram(a: string, b: string): boolean {
  return ((a === 'kind' || a === 'sort') && b === 'of') || (a === 'just' && b === 'enough');
}

/** idioms_check(valence, words_and_emoticons, i), called only with i ≥ 3. */
function idiomsCheck(valence: number, i: number, n: number): number {
  const w0 = words[i] as string;
  const w1 = words[i - 1] as string;
  const w2 = words[i - 2] as string;
  const w3 = words[i - 3] as string;
  let v = idiom2(w1, w0);
  if (v === undefined) v = idiom3(w2, w1, w0);
  if (v === undefined) v = idiom2(w2, w1);
  if (v === undefined) v = idiom3(w3, w2, w1);
  if (v === undefined) v = idiom2(w3, w2);
  if (v !== undefined) valence = v;
  if (n - 1 > i) {
    v = idiom2(w0, words[i + 1] as string);
    if (v !== undefined) valence = v;
  }
  if (n - 1 > i + 1) {
    v = idiom3(w0, words[i + 1] as string, words[i + 2] as string);
    if (v !== undefined) valence = v;
  }
  if (boosterBigram(w3, w2) || boosterBigram(w2, w1)) valence = valence + B_DECR;
  return valence;
}

/** never_check(valence, words_and_emoticons, startI, i). */
function neverCheck(valence: number, startI: number, i: number): number {
  if (startI === 0) {
    if (negatedAt(i - 1)) valence = valence * N_SCALAR;
  } else if (startI === 1) {
    const w1 = words[i - 1] as string;
    const w2 = words[i - 2] as string;
    if (w2 === 'never' && (w1 === 'so' || w1 === 'this')) valence = valence * 1.5;
    else if (negatedAt(i - 2)) valence = valence * N_SCALAR;
  } else {
    const w1 = words[i - 1] as string;
    const w2 = words[i - 2] as string;
    const w3 = words[i - 3] as string;
    if ((w3 === 'never' && (w2 === 'so' || w2 === 'this')) || w1 === 'so' || w1 === 'this') valence = valence * 1.25;
    else if (negatedAt(i - 3)) valence = valence * N_SCALAR;
  }
  return valence;
}

/** sentiment_valence for token i, a lexicon word. */
function lexiconValence(i: number, n: number, isCapDiff: boolean): number {
  let valence = lexValue[i] as number;
  if (isCapDiff && (flags[i] as number) & FLAG_UPPER) {
    if (valence > 0) valence += C_INCR;
    else valence -= C_INCR;
  }
  for (let startI = 0; startI < 3; startI++) {
    const j = i - (startI + 1);
    if (j < 0) break;
    if ((flags[j] as number) & FLAG_LEX) continue;
    // scalar_inc_dec(words[j], valence, is_cap_diff)
    let s = 0.0;
    const b = boost[j] as number;
    if (b !== 0) {
      s = b;
      if (valence < 0) s *= -1;
      if (isCapDiff && (flags[j] as number) & FLAG_UPPER) {
        if (valence > 0) s += C_INCR;
        else s -= C_INCR;
      }
    }
    if (startI === 1 && s !== 0) s = s * 0.95;
    else if (startI === 2 && s !== 0) s = s * 0.9;
    valence = valence + s;
    valence = neverCheck(valence, startI, i);
    if (startI === 2) valence = idiomsCheck(valence, i, n);
  }
  // least_check
  if (i > 1 && lowers[i - 1] === 'least' && !LEAST_IN_LEXICON) {
    const l2 = lowers[i - 2];
    if (l2 !== 'at' && l2 !== 'very') valence = valence * N_SCALAR;
  } else if (i > 0 && lowers[i - 1] === 'least' && !LEAST_IN_LEXICON) {
    valence = valence * N_SCALAR;
  }
  return valence;
}

/**
 * parseFloat(x.toFixed(3)) (scale 1000) or parseFloat(x.toFixed(4)) (scale 10000) for |x| <= 1,
 * as score_valence rounds, without the string round trip. toFixed picks the integer n nearest
 * to the exact x * scale (a tie goes away from zero) and parseFloat returns the double nearest
 * to n / scale, which is exactly what the correctly rounded division n / scale gives. x * scale
 * in doubles is off by at most 2^-53 * scale < 2e-12, so Math.round of it finds the same n
 * unless x * scale lies that close to a tie (k + 0.5): those, and anything unexpected, take the
 * string path. Zero returns +0 as toFixed does for -0 too.
 */
function round(x: number, scale: number, digits: number): number {
  const y = x * scale;
  const frac = y - Math.floor(y);
  if (x === 0) return 0;
  if (Math.abs(frac - 0.5) < 1e-9 || !(Math.abs(x) <= 1)) return parseFloat(x.toFixed(digits));
  return Math.round(y) / scale;
}

/** Same result as vader-sentiment 1.1.3's SentimentIntensityAnalyzer.polarity_scores(text). */
export function vaderPolarityScores(text: string): VaderScores {
  const len = text.length;
  let n = 0;
  let bangs = 0;
  let questions = 0;
  let caps = 0;

  // One pass: tokens between `\s` characters, with what the token rules and the lookups need.
  let start = 0;
  while (start <= len) {
    // Token [start, end): scan to the next whitespace, counting '!' / '?' and classifying.
    let end = start;
    let lead = 0; // length of the leading run of ASCII punctuation
    let puncts = 0; // ASCII punctuation characters in the token
    let hasUpper = false; // A-Z
    let hasLower = false; // a-z
    let needsLowerCase = false; // A-Z or non-ASCII: toLowerCase may change the token
    let apostrophe = false;
    let leading = true;
    for (; end < len; end++) {
      const c = text.charCodeAt(end);
      if (c < 128) {
        if (IS_PUNCT[c] === 1) {
          puncts++;
          if (leading) lead++;
          if (c === 33) bangs++;
          else if (c === 63) questions++;
          else if (c === 39) apostrophe = true;
          continue;
        }
        if (c <= 32 && (c === 32 || (c >= 9 && c <= 13))) break;
        leading = false;
        if (c >= 97 && c <= 122) hasLower = true;
        else if (c >= 65 && c <= 90) {
          hasUpper = true;
          needsLowerCase = true;
        }
      } else {
        if (isJsWhitespace(c)) break;
        leading = false;
        needsLowerCase = true;
      }
    }
    const tokenLength = end - start;
    if (tokenLength > 1) {
      let a = start;
      let b = end;
      if (lead > 0) {
        // "p + w": p is the whole leading punctuation run, w must have no punctuation left.
        if (lead === puncts && tokenLength - lead > 1 && PUNC_LIST.has(text.slice(start, start + lead)))
          a = start + lead;
      } else if (puncts > 0) {
        // "w + p": count the trailing punctuation run.
        let trail = 0;
        while (trail < tokenLength && IS_PUNCT[text.charCodeAt(end - 1 - trail)] === 1) trail++;
        if (trail === puncts && tokenLength - trail > 1 && PUNC_LIST.has(text.slice(end - trail, end))) b = end - trail;
      }
      if (n === cap) grow();
      const word = text.slice(a, b);
      const lower = needsLowerCase ? word.toLowerCase() : word;
      words[n] = word;
      lowers[n] = lower;
      // Stripped characters are ASCII punctuation, so the letter classes hold for `word` too.
      let f = apostrophe ? FLAG_APOS : 0;
      if (hasUpper && !hasLower) {
        f |= FLAG_UPPER;
        caps++;
      }
      const v = WORDS.get(lower);
      let bv = 0;
      if (v !== undefined) {
        if (v === BOOST_UP) bv = B_INCR;
        else if (v === BOOST_DOWN) bv = B_DECR;
        else {
          f |= FLAG_LEX;
          lexValue[n] = v;
        }
      }
      flags[n] = f;
      boost[n] = bv;
      n++;
    }
    start = end + 1;
  }

  if (n === 0) return { neg: 0, neu: 0, pos: 0, compound: 0 };

  const capDifferential = n - caps;
  const isCapDiff = capDifferential > 0 && capDifferential < n;

  for (let i = 0; i < n; i++) {
    if ((i < n - 1 && lowers[i] === 'kind' && lowers[i + 1] === 'of') || (boost[i] as number) !== 0) sentiments[i] = 0;
    else if ((flags[i] as number) & FLAG_LEX) sentiments[i] = lexiconValence(i, n, isCapDiff);
    else sentiments[i] = 0;
  }

  // but_check: the first "but", else the first "BUT".
  let butIndex = -1;
  for (let i = 0; i < n; i++) {
    if (words[i] === 'but') {
      butIndex = i;
      break;
    }
  }
  if (butIndex === -1) {
    for (let i = 0; i < n; i++) {
      if (words[i] === 'BUT') {
        butIndex = i;
        break;
      }
    }
  }
  if (butIndex !== -1) {
    for (let i = 0; i < n; i++) {
      if (i < butIndex) sentiments[i] = (sentiments[i] as number) * 0.5;
      else if (i > butIndex) sentiments[i] = (sentiments[i] as number) * 1.5;
    }
  }

  // score_valence
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sentiments[i] as number;
  const epAmplifier = Math.min(bangs, 4) * 0.292;
  const qmAmplifier = questions > 1 ? (questions <= 3 ? questions * 0.18 : 0.96) : 0;
  const amplifier = epAmplifier + qmAmplifier;
  if (sum > 0) sum += amplifier;
  else if (sum < 0) sum -= amplifier;
  // normalize(sum, 15)
  let compound = sum / Math.sqrt(sum * sum + 15);
  if (compound < -1.0) compound = -1.0;
  else if (compound > 1.0) compound = 1.0;

  // sift_sentiment_scores
  let posSum = 0.0;
  let negSum = 0.0;
  let neuCount = 0;
  for (let i = 0; i < n; i++) {
    const s = sentiments[i] as number;
    if (s > 0) posSum += s + 1;
    else if (s < 0) negSum += s - 1;
    else neuCount += 1;
  }
  if (posSum > Math.abs(negSum)) posSum += amplifier;
  else if (posSum < Math.abs(negSum)) negSum -= amplifier;
  const total = posSum + Math.abs(negSum) + neuCount;
  return {
    neg: round(Math.abs(negSum / total), 1000, 3),
    neu: round(Math.abs(neuCount / total), 1000, 3),
    pos: round(Math.abs(posSum / total), 1000, 3),
    compound: round(compound, 10000, 4),
  };
}
