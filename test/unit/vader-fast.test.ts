// domain/vader-fast.ts must give exactly vader-sentiment 1.1.3's scores: neg, neu, pos and
// compound are compared with === (and Object.is, so even the sign of a zero must agree), never
// by closeness, on the ground truth, on generated text and on edge cases of every rule.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error vader-sentiment ships no type declarations; the lexicon is a plain object of numbers.
import { lexicon } from 'vader-sentiment/src/vader_lexicon.js';
import { parseGroundTruth } from '../../bench/sentiment-accuracy';
import { htmlToText } from '../../domain/metrics/html-text';
import { packagePolarityScores, polarityScores } from '../../domain/sentiment';
import { isJsWhitespace, vaderPolarityScores, type VaderScores } from '../../domain/vader-fast';
import { lehmerRandom } from '../helpers/lehmer';

const GROUND_TRUTH = new URL('../../../shared/fixtures/sentiment/tweets_GroundTruth.tsv', import.meta.url);

function same(a: VaderScores, b: VaderScores): boolean {
  return (
    a.neg === b.neg &&
    a.neu === b.neu &&
    a.pos === b.pos &&
    a.compound === b.compound &&
    Object.is(a.neg, b.neg) &&
    Object.is(a.neu, b.neu) &&
    Object.is(a.pos, b.pos) &&
    Object.is(a.compound, b.compound)
  );
}

/** The texts (with both results) on which the fast scores differ from the package's. */
function differences(texts: Iterable<string>): Array<{ text: string; fast: VaderScores; pkg: VaderScores }> {
  const out: Array<{ text: string; fast: VaderScores; pkg: VaderScores }> = [];
  for (const text of texts) {
    const fast = vaderPolarityScores(text);
    const pkg = packagePolarityScores(text);
    if (!same(fast, pkg)) out.push({ text, fast, pkg });
  }
  return out;
}

/** Deterministic generator (Lehmer / MINSTD, as in sentiment-accuracy.test.ts). */
function generator(seed: number): { rand: () => number; pick: <T>(xs: readonly T[]) => T } {
  const rand = lehmerRandom(seed);
  return { rand, pick: <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T };
}

const LEXICON_WORDS = Object.keys(lexicon as Record<string, number>);

describe('vader-fast building blocks', () => {
  it('treats exactly the code units of RegExp \\s as whitespace', () => {
    const wrong: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isJsWhitespace(c) !== /\s/.test(String.fromCharCode(c))) wrong.push(c);
    expect(wrong).toEqual([]);
  });

  it('is what polarityScores of domain/sentiment.ts runs', () => {
    for (const t of ['I love it!', 'not bad at all', '']) expect(polarityScores(t)).toEqual(vaderPolarityScores(t));
  });

  it('returns the package’s key order', () => {
    expect(Object.keys(vaderPolarityScores('good'))).toEqual(Object.keys(packagePolarityScores('good')));
  });
});

describe('vader-fast gives exactly the package’s scores', () => {
  it('on every ground-truth post, raw and entity-decoded', () => {
    const posts = parseGroundTruth(readFileSync(GROUND_TRUTH, 'utf8'));
    expect(posts).toHaveLength(4200);
    expect(differences(posts.flatMap((p) => [p.text, htmlToText(p.text)]))).toEqual([]);
  }, 120_000);

  it('on every lexicon entry alone, in capitals, boosted, negated and glued to punctuation', () => {
    const texts: string[] = [];
    for (const w of LEXICON_WORDS) {
      texts.push(w, `the ${w.toUpperCase()} one!`, `not very ${w} but so ${w}??`);
    }
    expect(differences(texts)).toEqual([]);
  }, 120_000);

  it('on edge cases of every rule', () => {
    const cases = [
      // empty, whitespace, punctuation only, one-unit tokens
      '',
      ' ',
      '\n\t ',
      '!',
      '?',
      '!!!!',
      '???',
      '?!?!',
      '...',
      '!!! ???',
      'a',
      'I',
      'a b c',
      '! ? !',
      '?? good',
      'good ??',
      // negation: NEGATE list (case-sensitive), n't, never so / this, distance 1-3
      'not good',
      'not bad',
      "isn't good",
      "Isn't good",
      'NOT good',
      'Not good',
      'never good',
      'Never good',
      'NEVER good',
      'never so good',
      'never this good',
      'never so very good',
      'I am not very good',
      'not really that good',
      'without love',
      "don't like it",
      "DON'T like it",
      'dont like it',
      'aint bad',
      'it is not not good',
      'nothing is good',
      'uh-uh good',
      'uhuh good',
      'nope good',
      'despite the good news',
      'rarely good',
      "hasn't been good at all",
      "couldn't be better",
      "can't stand it",
      "n't good",
      "wouldn't hurt",
      'not x y good',
      'not x y z good',
      'never so x good',
      'never this x good',
      'the food so good',
      'a so this good',
      'so this good',
      'never so',
      'good never',
      "it isn't",
      'neither good nor bad',
      // "least"
      'least good',
      'the least good',
      'at least good',
      'very least good',
      'LEAST good',
      'Least good',
      'not the least bit happy',
      'least',
      'least least good',
      'at least',
      'AT least good',
      'Very least good',
      // "but"
      'good but bad',
      'good BUT bad',
      'good But bad',
      'bad but good but bad',
      'but good',
      'good but',
      'good, but bad',
      'good but, bad',
      'good ,but bad',
      'good but BUT bad',
      'good BUT but bad',
      'but',
      'BUT',
      'love it but hate it!!!',
      // boosters and dampeners
      'very good',
      'VERY good',
      'very GOOD',
      'VERY GOOD',
      'extremely bad',
      'really really good',
      'kinda good',
      'sort of good',
      'kind of good',
      'kind of bad',
      'Kind Of good',
      'KIND OF bad',
      'kind-of good',
      'sorta bad',
      'just enough good',
      'barely good',
      'hardly bad',
      'the movie was kind of a blast',
      'it is sort of ok',
      'really very extremely good',
      'very x good',
      'very x y good',
      'very x y z good',
      'the most amazing day',
      'less bad',
      'little love',
      'kind',
      'kind of',
      'of kind',
      'so kind',
      'very kind of you',
      'EXTREMELY bad day',
      'FUCKING great',
      'fucking GREAT day',
      'somewhat OK',
      'a little bit sad',
      'just enough',
      'it was sort of kind of good',
      'sort-of bad',
      'kindof good',
      'sortof nice',
      // ALL CAPS mixes
      'GOOD',
      'GOOD day',
      'I LOVE it',
      'I LOVE IT',
      'ALL CAPS BAD',
      'LOVE :D',
      ':D :D',
      'XD good',
      'Good GOOD good',
      'HATE it!!!',
      '3 LOVE',
      'LOVE2 you',
      'LOVE!!! it',
      'GREAT-ish day',
      "DON'T hate",
      'OK ok',
      'ÉCOLE LOVE ok',
      'A+ work',
      // idioms
      'the bomb',
      'you are the bomb',
      'this party was the bomb',
      'that is the shit',
      'wow this is the shit man',
      'bad ass movie',
      'such a bad ass movie',
      'yeah right great',
      'oh yeah right',
      'this will cut the mustard',
      'it was the kiss of death',
      'living hand to mouth',
      'a kiss of death really good',
      'cut the mustard good',
      'they live hand to mouth sadly',
      'x x the shit',
      'x x x the bomb',
      'x the bomb',
      'The bomb is here',
      'x y THE BOMB',
      'well yeah right',
      'x y yeah right no',
      'x y z hand to mouth',
      'x kind of good',
      'x sort of y good',
      'x just enough good',
      // "no" (a plain lexicon word in this port)
      'no good',
      'No good',
      'NO',
      'no',
      'there is no problem',
      'no love lost',
      'no no no',
      'no, thanks',
      'not no',
      // emoticons
      ':)',
      ':(',
      ':-D',
      ':D',
      '<3',
      '</3',
      ':P',
      ';)',
      '(:',
      '):',
      ':-)!',
      'good :)',
      ':)good',
      'xD',
      'XD',
      '=D',
      'D:',
      ":'(",
      'O.o',
      'o_O',
      '8-)',
      ':|',
      '<3 <3 <3',
      ':) :( :)',
      'sad :(',
      ':-))',
      '(-:',
      'hi :-Þ',
      '1337',
      '143 <3',
      // punctuation glued to words and emphasis
      'good!',
      'good!!!',
      'good!!!!',
      'good?',
      'good??',
      'good???',
      'good????',
      '!good',
      '!!good',
      '!!!good',
      '!!!!good',
      '...good',
      'good...',
      '(good)',
      "'good'",
      '"good"',
      'good,',
      ',good',
      'good.',
      '-good-',
      'good!?!',
      'good?!?!',
      'good!?!?!',
      'g!',
      'go!',
      '!go',
      ':good:',
      'good;',
      'love!!!!!!!!!',
      'hate????',
      '? ? good',
      'good ! ! ! ! !',
      'bad?!',
      'bad!?',
      'bad??!!',
      "good'",
      "'bad",
      'good:',
      ':bad',
      'good-',
      '-bad',
      '?good?',
      "isn't!",
      "!isn't good",
      'good!!! bad??? love!!!',
      'good_',
      '_good',
      '#good',
      '@good',
      'good#',
      'good.good',
      'good,bad',
      '"bad!"',
      // unicode, emoji, odd whitespace
      'I ❤️ this',
      'so happy 😀😀',
      '😀',
      '😀 good',
      'happy 🎉!!',
      'café good',
      '\u212Aiss me',
      'KİSS',
      'naïve love',
      'LOVE ÉCOLE',
      'ÜBER good',
      '日本語 good',
      'good \ud83d',
      'good\u00a0bad',
      'good\u2028bad',
      'good\u3000bad',
      'good\ufeffbad',
      'good\u200bbad',
      'good\u180ebad',
      'good\u0085bad',
      'good\r\nbad',
      'good\vbad\fno',
      'ǅ good',
      'ΣΑΣ love',
      'straße good',
      'İyi good',
      'ﬁne',
      'FINE',
      'Ⅻ good',
      '\u00a0good\u00a0',
      'Þ good',
      // long texts
      'good '.repeat(200),
      'not bad but '.repeat(50),
      'LOVE it! '.repeat(80),
      `${'kind of '.repeat(30)}good`,
    ];
    expect(differences(cases)).toEqual([]);
  });

  it('on 8,000 generated texts mixing lexicon entries, rule words, capitals, punctuation and unicode', () => {
    const RULE_WORDS = (
      'not never Never NOT so this So THIS very VERY really REALLY kind of Kind OF sort just enough kinda sort-of least ' +
      'Least at very but BUT But the shit bomb bad ass yeah right cut mustard kiss death hand to mouth ' +
      "isn't ISN'T don't without nothing no No NO uh-uh uhuh can't extremely EXTREMELY barely hardly slightly " +
      'somewhat little less most more fucking'
    ).split(' ');
    const PUNCTS = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('');
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
      '!!!!',
      '??',
      '???',
      '????',
      '?!?',
      '!?!',
      '?!?!',
      '!?!?',
      '"',
      "'",
      '-',
      ':',
      ';',
      '(',
      ')',
      '...',
      '*',
      '_',
      '#',
    ];
    const SPACE = [
      ' ',
      ' ',
      ' ',
      '  ',
      '\n',
      '\t',
      '\u00a0',
      '\r\n',
      '\u2003',
      '\u3000',
      '\ufeff',
      '\u2028',
      '\u180e',
      '\u200b',
      '\v',
      '\u0085',
    ];
    const ODD = [
      '\u212Aiss',
      'K',
      'İ',
      'ı',
      'ß',
      'Σ',
      'É',
      'é',
      '😀',
      '🎉',
      '👍🏽',
      '\ud800',
      'x',
      'a',
      'I',
      'A',
      ':D',
      ':P',
      'XD',
      'xD',
      'LOL',
      'Þ',
      'GOOD',
      'Good',
      'gOOD',
    ];
    const { rand, pick } = generator(777);
    const word = (): string => {
      const r = rand();
      if (r < 0.35) {
        const w = pick(LEXICON_WORDS);
        return rand() < 0.15 ? w.toUpperCase() : w;
      }
      if (r < 0.75) return pick(RULE_WORDS);
      if (r < 0.85) return pick(ODD);
      if (r < 0.95) {
        let s = '';
        for (let k = Math.floor(rand() * 4); k >= 0; k--) s += pick(PUNCTS);
        return s;
      }
      return '';
    };
    const texts: string[] = [];
    for (let n = 0; n < 8000; n++) {
      let text = '';
      for (let i = Math.floor(rand() * (rand() < 0.1 ? 60 : 15)); i >= 0; i--)
        text += pick(GLUE) + word() + pick(GLUE) + pick(SPACE);
      texts.push(rand() < 0.3 ? text.trim() : text);
    }
    expect(differences(texts)).toEqual([]);
  }, 120_000);
});
