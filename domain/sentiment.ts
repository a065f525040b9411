// Sentiment of English toots with VADER (Hutto & Gilbert 2014): a lexicon and rules tuned on
// social-media text, pure JS, deterministic, no model download. Only the compound score drives
// the label, with VADER's own published thresholds (±0.05).
//
// Measured on the VADER tweets ground truth (bench/sentiment-accuracy.ts, 3 classes, truth =
// mean human rating beyond ±0.5): accuracy 0.814, macro-F1 0.693; positive and negative are
// found well (F1 0.89 / 0.90), neutral poorly (F1 0.30: most mildly-rated posts contain some
// sentiment word and land beyond ±0.05).
//
// Speed: the package's polarity_scores spends nearly all its time in its tokenizer, which
// builds a dictionary of every word glued to each of 17 punctuation marks (34 × words string
// concatenations per text). `polarityScores` below produces the very same tokens without that
// dictionary and then runs the package's own scoring steps (sentiment_valence, but_check,
// score_valence: lexicon, boosters, negation, idioms, punctuation emphasis), so the scores are
// the package's, ~8× faster (2.5k -> 20k posts/s on one core here). test/unit/sentiment-accuracy.test.ts holds the two equal
// on the 4,200 ground-truth posts and on generated text.

// @ts-expect-error vader-sentiment ships no type declarations; VaderAnalyzer pins what we use.
import vaderModule from 'vader-sentiment';
import { htmlToText } from './metrics/html-text';

interface VaderScores {
  neg: number;
  neu: number;
  pos: number;
  compound: number;
}
interface SentiText {
  words_and_emoticons: string[];
  is_cap_diff: boolean;
}
interface VaderAnalyzer {
  polarity_scores(text: string): VaderScores;
  sentiment_valence(valence: number, sentiText: SentiText, item: string, index: number, sentiments: number[]): number[];
  but_check(words: string[], sentiments: number[]): number[];
  score_valence(sentiments: number[], text: string): VaderScores;
}
const analyzer = (vaderModule as { SentimentIntensityAnalyzer: VaderAnalyzer }).SentimentIntensityAnalyzer;

// Constants of vader-sentiment 1.1.3's build (build/vaderSentiment.bundle.js), which does not
// export them: its punctuation list, punctuation class and booster words (keys with a space can
// never equal a whitespace-free token and are left out).
const PUNC_LIST = ['.', '!', '?', ',', ';', ':', '-', "'", '"', '!!', '!!!', '??', '???', '?!?', '!?!', '?!?!', '!?!?'];
const REMOVE_PUNCTUATION = /[!"#$%&'()*+,-./:;<=>?@[\\\]^_`{|}~]/g;
const BOOSTERS = new Set(
  (
    'absolutely amazingly awfully completely considerably decidedly deeply effing enormously entirely especially ' +
    'exceptionally extremely fabulously flipping flippin fricking frickin frigging friggin fully fucking greatly hella ' +
    'highly hugely incredibly intensely majorly more most particularly purely quite really remarkably so substantially ' +
    'thoroughly totally tremendously uber unbelievably unusually utterly very almost barely hardly kinda kindof kind-of ' +
    'less little marginally occasionally partly scarcely slightly somewhat sorta sortof sort-of'
  ).split(' '),
);
const ALL_CAPS = /^[^a-z]*[A-Z]+[^a-z]*$/;

/**
 * The package's SentiText.get_words_and_emoticons: whitespace tokens longer than one unit, a
 * token that is a punctuation mark from PUNC_LIST glued before or after one of the text's
 * punctuation-free words replaced by that word. The glued mark is the token's whole leading (or
 * trailing) run of punctuation, so at most one candidate can match.
 */
function wordsAndEmoticons(text: string): string[] {
  const words = new Set<string>();
  for (const w of text.replace(REMOVE_PUNCTUATION, '').split(/\s/)) if (w.length > 1) words.add(w);
  const out: string[] = [];
  for (const token of text.split(/\s/)) {
    if (token.length <= 1) continue;
    let replaced = token;
    for (const p of PUNC_LIST) {
      if (token.length <= p.length) continue;
      if (token.startsWith(p) && words.has(token.slice(p.length))) {
        replaced = token.slice(p.length);
        break;
      }
      if (token.endsWith(p) && words.has(token.slice(0, token.length - p.length))) {
        replaced = token.slice(0, token.length - p.length);
        break;
      }
    }
    out.push(replaced);
  }
  return out;
}

/** True when some but not all tokens are ALL CAPS (the package's allcap_differential). */
function allCapDifferential(words: readonly string[]): boolean {
  let caps = 0;
  for (const w of words) if (ALL_CAPS.test(w)) caps++;
  const differential = words.length - caps;
  return differential > 0 && differential < words.length;
}

/** Same result as vader-sentiment's polarity_scores(text), without its slow tokenizer. */
export function polarityScores(text: string): VaderScores {
  const words = wordsAndEmoticons(text);
  const sentiText: SentiText = { words_and_emoticons: words, is_cap_diff: allCapDifferential(words) };
  let sentiments: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const item = words[i] as string;
    const lower = item.toLowerCase();
    if ((i < words.length - 1 && lower === 'kind' && (words[i + 1] as string).toLowerCase() === 'of') || BOOSTERS.has(lower)) {
      sentiments.push(0);
      continue;
    }
    sentiments = analyzer.sentiment_valence(0, sentiText, item, i, sentiments);
  }
  sentiments = analyzer.but_check(words, sentiments);
  return analyzer.score_valence(sentiments, text);
}

/** The package's own entry point, for the equivalence tests. */
export function packagePolarityScores(text: string): VaderScores {
  return analyzer.polarity_scores(text);
}

export type SentimentLabel = 'negative' | 'neutral' | 'positive';
export const SENTIMENT_LABELS: readonly SentimentLabel[] = ['negative', 'neutral', 'positive'];

/** VADER's standard thresholds on the compound score. */
export const POSITIVE_THRESHOLD = 0.05;
export const NEGATIVE_THRESHOLD = -0.05;

export interface SentimentScore extends VaderScores {
  label: SentimentLabel;
}

export function classifyCompound(compound: number): SentimentLabel {
  if (compound >= POSITIVE_THRESHOLD) return 'positive';
  if (compound <= NEGATIVE_THRESHOLD) return 'negative';
  return 'neutral';
}

/** Scores plain text (already stripped of HTML). */
export function scoreText(text: string): SentimentScore {
  const s = polarityScores(text);
  return { neg: s.neg, neu: s.neu, pos: s.pos, compound: s.compound, label: classifyCompound(s.compound) };
}

/** Scores a toot's HTML content: tags removed and entities decoded first (see html-text.ts). */
export function scoreHtml(html: string): SentimentScore {
  return scoreText(htmlToText(html));
}

/**
 * VADER's lexicon is English: only toots that declare English (`en`, or a regional `en-XX`)
 * are scored. Undeclared (null) language is not guessed.
 */
export function isEnglish(language: string | null | undefined): boolean {
  if (typeof language !== 'string' || language.length < 2) return false;
  const a = language.charCodeAt(0) | 0x20;
  const b = language.charCodeAt(1) | 0x20;
  if (a !== 101 || b !== 110) return false; // "en"
  if (language.length === 2) return true;
  const sep = language.charCodeAt(2);
  return sep === 45 || sep === 95; // en-GB, en_US
}
