// Sentiment of English toots with VADER (Hutto & Gilbert 2014): a lexicon and rules tuned on
// social-media text, pure JS, deterministic, no model download. Only the compound score drives
// the label, with VADER's own published thresholds (±0.05).
//
// Measured on the VADER tweets ground truth (bench/sentiment-accuracy.ts, 3 classes, truth =
// mean human rating beyond ±0.5): accuracy 0.814, macro-F1 0.693; positive and negative are
// found well (F1 0.89 / 0.90), neutral poorly (F1 0.30: most mildly-rated posts contain some
// sentiment word and land beyond ±0.05).
//
// Speed: `polarityScores` is domain/vader-fast.ts, a self-contained re-implementation of the
// package's polarity_scores (tokenizer, lexicon, caps, boosters, negation, idioms, "but",
// punctuation emphasis, normalisation and rounding, quirks included) that gives bit-identical
// neg / neu / pos / compound: about 4.5 µs per ground-truth post on one core here (~220k
// posts/s; best runs 3.3-4 µs), against ~34 µs for the previous tokenizer-only rewrite and
// ~170 µs for the package itself (median of 11 interleaved timed passes over the 4,200
// ground-truth posts, HTML-decoded, scoring only; the machine is shared, so runs vary ±30 %).
// test/unit/vader-fast.test.ts and test/unit/sentiment-accuracy.test.ts hold `polarityScores`
// equal (===) to `packagePolarityScores` on every ground-truth post, on generated text and on
// edge cases of every rule.

// @ts-expect-error vader-sentiment ships no type declarations; VaderAnalyzer pins what we use.
import vaderModule from 'vader-sentiment';
import { htmlToText } from './metrics/html-text';
import { vaderPolarityScores, type VaderScores } from './vader-fast';

interface VaderAnalyzer {
  polarity_scores(text: string): VaderScores;
}
const analyzer = (vaderModule as { SentimentIntensityAnalyzer: VaderAnalyzer }).SentimentIntensityAnalyzer;

/** Same result as vader-sentiment's polarity_scores(text), several times faster (vader-fast.ts). */
export function polarityScores(text: string): VaderScores {
  return vaderPolarityScores(text);
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
