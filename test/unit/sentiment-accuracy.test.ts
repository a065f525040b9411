import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, parseGroundTruth } from '../../bench/sentiment-accuracy';
import {
  classifyCompound,
  isEnglish,
  packagePolarityScores,
  polarityScores,
  scoreHtml,
  scoreText,
} from '../../domain/sentiment';
import { htmlToText } from '../../domain/metrics/html-text';
import { lehmerRandom } from '../helpers/lehmer';

// The VADER paper's tweets with mean human ratings (see ../shared/fixtures/README.md).
const GROUND_TRUTH = new URL('../../../shared/fixtures/sentiment/tweets_GroundTruth.tsv', import.meta.url);

type Scores = ReturnType<typeof polarityScores>;
/** Exact equality: every field ===, the same sign of zero, the same key order. */
function sameScores(a: Scores, b: Scores): boolean {
  return (
    a.neg === b.neg &&
    a.neu === b.neu &&
    a.pos === b.pos &&
    a.compound === b.compound &&
    Object.is(a.neg, b.neg) &&
    Object.is(a.neu, b.neu) &&
    Object.is(a.pos, b.pos) &&
    Object.is(a.compound, b.compound) &&
    JSON.stringify(a) === JSON.stringify(b)
  );
}

describe('sentiment on the VADER tweets ground truth', () => {
  const posts = parseGroundTruth(readFileSync(GROUND_TRUTH, 'utf8'));

  it('labels the ground truth as documented with a ±0.5 threshold on the mean rating', () => {
    const counts = { negative: 0, neutral: 0, positive: 0 };
    for (const p of posts) counts[p.label]++;
    expect(posts).toHaveLength(4200);
    expect(counts).toEqual({ positive: 2300, negative: 1062, neutral: 838 });
  });

  it('beats the 0.76 accuracy baseline, with macro-F1 above the measured floor', () => {
    const e = evaluate(posts);
    // Measured: accuracy 0.8136, macro-F1 0.6929 (neutral is the hard class: F1 ≈ 0.30).
    expect(e.accuracy).toBeGreaterThan(0.76);
    expect(e.macroF1).toBeGreaterThan(0.68);
    expect(e.perClass.positive.f1).toBeGreaterThan(0.85);
    expect(e.perClass.negative.f1).toBeGreaterThan(0.85);
  }, 60_000); // well under 1 s with vader-fast.ts; the machine is shared
});

// polarityScores is domain/vader-fast.ts; test/unit/vader-fast.test.ts has the rule-by-rule cases.
describe('polarityScores gives exactly the package’s scores', () => {
  it('on every ground-truth post, raw and entity-decoded', () => {
    const posts = parseGroundTruth(readFileSync(GROUND_TRUTH, 'utf8'));
    const differ = posts
      .flatMap((p) => [p.text, htmlToText(p.text)])
      .filter((t) => !sameScores(polarityScores(t), packagePolarityScores(t)));
    expect(differ).toEqual([]);
  }, 120_000);

  it('on 3,000 generated texts full of punctuation, caps, boosters, negations and idioms', () => {
    const VOCAB = (
      'good bad GOOD BAD love hate :) :( :-D <3 </3 not never so this very really kind of sort-of kinda ' +
      "kind-of least at but BUT the shit bomb yeah right cut mustard isn't don't without nothing LOL lol " +
      'happy sad great awful okay meh'
    ).split(' ');
    const GLUE = [
      '',
      '',
      '',
      '.',
      '!',
      '?',
      ',',
      '!!',
      '!!!',
      '??',
      '?!?',
      '"',
      "'",
      '-',
      ':',
      ';',
      '(',
      ')',
      '...',
      '*',
    ];
    const SPACE = [' ', ' ', ' ', '  ', '\n', '\t', '\u00a0'];
    const rand = lehmerRandom(2024);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const differ: string[] = [];
    for (let n = 0; n < 3000; n++) {
      let text = '';
      for (let i = Math.floor(rand() * 14); i >= 0; i--) text += pick(GLUE) + pick(VOCAB) + pick(GLUE) + pick(SPACE);
      if (!sameScores(polarityScores(text), packagePolarityScores(text))) differ.push(text);
    }
    expect(differ).toEqual([]);
  }, 120_000);
});

describe('sentiment scoring', () => {
  it('uses VADER’s ±0.05 thresholds on compound', () => {
    expect(classifyCompound(0.05)).toBe('positive');
    expect(classifyCompound(0.0499)).toBe('neutral');
    expect(classifyCompound(-0.0499)).toBe('neutral');
    expect(classifyCompound(-0.05)).toBe('negative');
  });

  it('scores toot HTML as its plain text', () => {
    const html =
      '<p>I <strong>love</strong> this &amp; it is great!</p><p><a href="https://x.example/tags/sad">#<span>x</span></a></p>';
    expect(scoreHtml(html)).toEqual(scoreText('I love this & it is great!\n\n#x'));
    expect(scoreHtml(html).label).toBe('positive');
    expect(scoreHtml('<p>This is awful and I hate it.</p>').label).toBe('negative');
    expect(scoreHtml('<p>The train leaves at nine.</p>').label).toBe('neutral');
  });

  it('treats only declared English as English', () => {
    expect(isEnglish('en')).toBe(true);
    expect(isEnglish('EN')).toBe(true);
    expect(isEnglish('en-GB')).toBe(true);
    expect(isEnglish('en_US')).toBe(true);
    for (const other of [null, undefined, '', 'e', 'eng', 'enm', 'de', 'und']) expect(isEnglish(other)).toBe(false);
  });
});
