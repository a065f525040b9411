// Accuracy of the sentiment step (domain/sentiment.ts) on the VADER tweets ground truth:
// 4,200 posts, each with the mean of independent human ratings on -4..+4.
//
//   npx tsx bench/sentiment-accuracy.ts
//
// Ground-truth labels: mean rating > +0.5 positive, < -0.5 negative, otherwise neutral (gives
// the documented 2,300 / 1,062 / 838). Predicted labels: VADER compound ≥ 0.05 positive,
// ≤ -0.05 negative, otherwise neutral. The posts are tweets, i.e. plain text with &amp; &lt;
// &gt; escaped, so they go through the same HTML-to-text step as toots (scoreHtml).
//
// The evaluation helpers are exported for test/unit/sentiment-accuracy.test.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SENTIMENT_LABELS, scoreHtml, type SentimentLabel } from '../domain/sentiment';

export const GROUND_TRUTH_THRESHOLD = 0.5;

export interface RatedPost {
  id: string;
  rating: number;
  text: string;
  label: SentimentLabel;
}

export function labelOfRating(rating: number): SentimentLabel {
  if (rating > GROUND_TRUTH_THRESHOLD) return 'positive';
  if (rating < -GROUND_TRUTH_THRESHOLD) return 'negative';
  return 'neutral';
}

export function parseGroundTruth(tsv: string): RatedPost[] {
  return tsv
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const [id, rating, ...rest] = line.split('\t');
      const value = Number(rating);
      if (id === undefined || rest.length === 0 || !Number.isFinite(value))
        throw new Error(`line ${i + 1}: expected id<TAB>rating<TAB>text`);
      return { id, rating: value, text: rest.join('\t'), label: labelOfRating(value) };
    });
}

export interface Evaluation {
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<SentimentLabel, { precision: number; recall: number; f1: number; support: number }>;
  /** confusion[truth][predicted] */
  confusion: Record<SentimentLabel, Record<SentimentLabel, number>>;
}

export function evaluate(
  posts: readonly RatedPost[],
  predict: (text: string) => SentimentLabel = (t) => scoreHtml(t).label,
): Evaluation {
  const zero = (): Record<SentimentLabel, number> => ({ negative: 0, neutral: 0, positive: 0 });
  const confusion = { negative: zero(), neutral: zero(), positive: zero() };
  let correct = 0;
  for (const post of posts) {
    const predicted = predict(post.text);
    confusion[post.label][predicted]++;
    if (predicted === post.label) correct++;
  }
  const perClass = {} as Evaluation['perClass'];
  for (const c of SENTIMENT_LABELS) {
    const tp = confusion[c][c];
    const support = SENTIMENT_LABELS.reduce((s, p) => s + confusion[c][p], 0);
    const predictedAs = SENTIMENT_LABELS.reduce((s, t) => s + confusion[t][c], 0);
    const precision = predictedAs === 0 ? 0 : tp / predictedAs;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[c] = { precision, recall, f1, support };
  }
  const macroF1 = SENTIMENT_LABELS.reduce((s, c) => s + perClass[c].f1, 0) / SENTIMENT_LABELS.length;
  return { n: posts.length, accuracy: correct / posts.length, macroF1, perClass, confusion };
}

export const GROUND_TRUTH_URL = new URL('../../shared/fixtures/sentiment/tweets_GroundTruth.tsv', import.meta.url);

function main(): void {
  const posts = parseGroundTruth(readFileSync(GROUND_TRUTH_URL, 'utf8'));
  const counts = { negative: 0, neutral: 0, positive: 0 };
  for (const p of posts) counts[p.label]++;
  console.log(`${posts.length} posts; truth (rating > ±${GROUND_TRUTH_THRESHOLD}): ${JSON.stringify(counts)}`);
  const t0 = performance.now();
  const e = evaluate(posts);
  const ms = performance.now() - t0;
  console.log(
    `accuracy ${e.accuracy.toFixed(4)}   macro-F1 ${e.macroF1.toFixed(4)}   (${Math.round(posts.length / (ms / 1000))} posts/s)`,
  );
  console.log('per class:');
  for (const c of SENTIMENT_LABELS) {
    const k = e.perClass[c];
    console.log(
      `  ${c.padEnd(9)} P ${k.precision.toFixed(3)}  R ${k.recall.toFixed(3)}  F1 ${k.f1.toFixed(3)}  n ${k.support}`,
    );
  }
  console.log('confusion (rows = truth, columns = predicted):');
  console.log(`  ${''.padEnd(9)} ${SENTIMENT_LABELS.map((c) => c.padStart(9)).join(' ')}`);
  for (const t of SENTIMENT_LABELS) {
    console.log(`  ${t.padEnd(9)} ${SENTIMENT_LABELS.map((p) => String(e.confusion[t][p]).padStart(9)).join(' ')}`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
