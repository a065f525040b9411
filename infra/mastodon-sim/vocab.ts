// Word material for the generator. Kept small and static so generation stays cheap; the
// variety comes from combining these deterministically. English text deliberately mixes
// positive, negative and neutral wording so a sentiment step sees a spread, not one class.

import type { Rng } from './prng';

export const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ra',
  'ne',
  'to',
  'su',
  'vi',
  'an',
  'el',
  'or',
  'ul',
  'be',
  'da',
  'fi',
  'go',
  'ha',
  'jo',
  'ki',
  'lu',
  'ma',
  'no',
  'pe',
  'qu',
  'ri',
  'sa',
  'te',
  'va',
  'wo',
  'ze',
  'bri',
  'cor',
  'dan',
  'fen',
  'gil',
  'hol',
  'jun',
  'kel',
  'lin',
  'mar',
  'nor',
  'pal',
  'ros',
  'sol',
  'tam',
  'wen',
] as const;

export function syllableWord(rng: Rng, min = 2, max = 3): string {
  const n = rng.range(min, max);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(SYLLABLES);
  return s;
}

const COMMON_TAGS = [
  'fediverse',
  'mastodon',
  'photography',
  'caturday',
  'introduction',
  'opensource',
  'linux',
  'art',
  'music',
  'science',
  'climate',
  'news',
  'books',
  'gardening',
  'cats',
  'dogs',
  'birds',
  'food',
  'coffee',
  'politics',
  'rust',
  'python',
  'javascript',
  'typescript',
  'programming',
  'foss',
  'privacy',
  'security',
  'gaming',
  'movies',
  'history',
  'space',
  'astronomy',
  'nature',
  'hiking',
  'cycling',
  'running',
  'football',
  'knitting',
  'silentsunday',
  'mosstodon',
  'bookstodon',
  'histodons',
  'fedibikes',
  'streetphotography',
  'sketch',
  'poetry',
  'writing',
  'podcast',
  'ai',
  'weather',
  'travel',
  'baking',
  'tea',
  'vegan',
  'accessibility',
  'ux',
  'webdev',
  'selfhosting',
  'homelab',
] as const;

/** The instance's hashtag vocabulary, most used first (rank = Zipf rank). */
export function buildTagVocabulary(rng: Rng, size: number): string[] {
  const tags: string[] = [...COMMON_TAGS];
  const seen = new Set(tags);
  while (tags.length < size) {
    const t = syllableWord(rng, 2, 4);
    if (!seen.has(t)) {
      seen.add(t);
      tags.push(t);
    }
  }
  // Keep a few well-known tags near the head but not in a fixed order between seeds.
  for (let i = tags.length - 1; i > 0; i--) {
    if (rng.chance(0.3)) continue;
    const j = rng.int(Math.min(tags.length, i + 8));
    const a = tags[i] as string;
    tags[i] = tags[j] as string;
    tags[j] = a;
  }
  return tags.slice(0, size);
}

export function buildRemoteHosts(rng: Rng, count: number): string[] {
  const hosts = new Set<string>();
  const suffixes = ['social', 'town', 'club', 'zone', 'online', 'space', 'cafe', 'network'];
  while (hosts.size < count) {
    hosts.add(`${syllableWord(rng, 2, 3)}.${rng.pick(suffixes)}.example`);
  }
  return [...hosts];
}

/** Sites statuses link to (Zipf by rank); some with `www.`, which the link metric drops. */
export const LINK_DOMAINS: readonly string[] = [
  'www.youtube.com',
  'github.com',
  'www.theguardian.com',
  'en.wikipedia.org',
  'www.bbc.co.uk',
  'arstechnica.com',
  'www.nytimes.com',
  'news.ycombinator.com',
  'blog.example.org',
  'www.reuters.com',
  'xkcd.com',
  'peertube.example',
  'codeberg.org',
  'www.heise.de',
  'lwn.net',
  'pixelfed.example',
  'bandcamp.com',
  'www.spiegel.de',
  'medium.com',
  'substack.com',
  'www.flickr.com',
  'archive.org',
  'docs.example.net',
  'www.lemonde.fr',
];

export const LANGUAGES: readonly (readonly [string | null, number])[] = [
  ['en', 50],
  ['de', 10],
  [null, 7],
  ['ja', 6],
  ['fr', 6],
  ['es', 5],
  ['pt', 4],
  ['nl', 3],
  ['it', 2],
  ['pl', 2],
  ['sv', 2],
  ['zh', 1],
  ['ko', 1],
  ['uk', 1],
];

const POSITIVE = [
  'I love this',
  'what a wonderful morning',
  'this is great news',
  'so happy with how it turned out',
  'absolutely beautiful light today',
  'thank you all, you are awesome',
  'really excited about the release',
  'best coffee in town',
  'nice work everyone',
  'feeling grateful and calm',
];
const NEGATIVE = [
  'this is terrible',
  'what an awful day',
  'I hate when the build breaks',
  'so sad to hear this',
  'the train is late again, annoying',
  'broken update, very disappointed',
  'angry about the news',
  'worst weather all week',
  'this bug is painful',
  'tired and frustrated',
];
const NEUTRAL = [
  'posting a few notes from the meeting',
  'the library opens at nine',
  'reading about compilers',
  'new photos from the walk',
  'trying a different keyboard layout',
  'the release notes are out',
  'thread about the history of the bridge',
  'weekly update on the garden',
  'testing the new client',
  'link to the slides below',
];
const FILLER = [
  'More later.',
  'Details in the replies.',
  'Anyone else?',
  'Thoughts?',
  'See you tomorrow.',
  'Photos attached.',
  'Long week.',
  'Back to work.',
];

const OTHER_LANG: Record<string, readonly string[]> = {
  de: ['Guten Morgen zusammen', 'Heute war ein schöner Tag', 'Das Wetter ist furchtbar', 'Neue Fotos vom Spaziergang'],
  ja: ['おはようございます', '今日はいい天気ですね', '新しい写真を投稿しました', 'お疲れさまでした'],
  fr: ['Bonjour à tous', 'Quelle belle journée', 'Le train est encore en retard', 'Nouvelles photos de la balade'],
  es: ['Buenos días a todos', 'Qué día tan bonito', 'Otra vez llueve', 'Fotos nuevas del paseo'],
  pt: ['Bom dia a todos', 'Que dia lindo', 'Mais uma semana longa', 'Fotos novas do passeio'],
  nl: ['Goedemorgen allemaal', 'Wat een mooie dag', 'De trein is weer te laat', 'Nieuwe foto’s van de wandeling'],
  it: ['Buongiorno a tutti', 'Che bella giornata', 'Di nuovo pioggia', 'Nuove foto della passeggiata'],
  pl: ['Dzień dobry wszystkim', 'Piękny dzień', 'Znowu pada', 'Nowe zdjęcia ze spaceru'],
  sv: ['God morgon allihop', 'Vilken fin dag', 'Tåget är sent igen', 'Nya bilder från promenaden'],
  zh: ['大家早上好', '今天天气很好', '新照片', '辛苦了'],
  ko: ['좋은 아침입니다', '오늘 날씨가 좋네요', '새 사진을 올렸어요', '수고하셨습니다'],
  uk: ['Доброго ранку всім', 'Гарний день сьогодні', 'Нові фото з прогулянки', 'Знову дощ'],
};

/** Plain text of a post body in the given language (null = the author declared none). */
export function sentence(rng: Rng, language: string | null): string {
  const lang = language ?? 'en';
  const other = OTHER_LANG[lang];
  if (other) return rng.pick(other);
  const mood = rng.weighted<readonly string[]>([
    [POSITIVE, 3],
    [NEGATIVE, 2],
    [NEUTRAL, 5],
  ]);
  let s = rng.pick(mood);
  s = `${s.charAt(0).toUpperCase() + s.slice(1)}.`;
  if (rng.chance(0.5)) s += ` ${rng.pick(FILLER)}`;
  return s;
}

export const CONTENT_WARNINGS = [
  'politics',
  'food',
  'mental health',
  'spoilers',
  'long post',
  'eye contact',
  'US politics',
  'news',
  'health',
  'lewd',
  'meta',
] as const;

export const LOCAL_APPS: readonly (readonly [{ name: string; website: string | null }, number])[] = [
  [{ name: 'Web', website: null }, 40],
  [{ name: 'Ivory for iOS', website: 'https://tapbots.com/ivory/' }, 12],
  [{ name: 'Mastodon for Android', website: 'https://app.joinmastodon.org/android' }, 12],
  [{ name: 'Mastodon for iOS', website: 'https://app.joinmastodon.org/ios' }, 10],
  [{ name: 'Tusky', website: 'https://tusky.app' }, 8],
  [{ name: 'Elk', website: 'https://elk.zone' }, 5],
  [{ name: 'Phanpy', website: 'https://phanpy.social' }, 4],
  [{ name: 'Ice Cubes', website: 'https://github.com/Dimillian/IceCubesApp' }, 4],
  [{ name: 'Moshidon', website: 'https://github.com/LucasGGamerM/moshidon' }, 2],
];

export const BOT_APPS: readonly (readonly [{ name: string; website: string | null }, number])[] = [
  [{ name: 'feed2toot', website: 'https://gitlab.com/chaica/feed2toot' }, 3],
  [{ name: 'Mastodon.py', website: null }, 2],
  [{ name: 'megalodon', website: null }, 1],
];

export const FIRST_NAMES = [
  'Alex',
  'Sam',
  'Robin',
  'Kim',
  'Jo',
  'Noor',
  'Mika',
  'Lea',
  'Tomás',
  'Yuki',
  'Ana',
  'Bruno',
  'Chen',
  'Dara',
  'Elif',
  'Finn',
  'Greta',
  'Hana',
  'Ilya',
  'Jana',
  'Kai',
  'Luca',
  'Maya',
  'Nils',
] as const;

export const NOTE_BITS = [
  'Photographer and tea drinker.',
  'Software person. Opinions my own.',
  'Birds, books, bikes.',
  'Writing about cities and trains.',
  'Gardener. Slow living.',
  'Researcher in climate science.',
  'Automated feed of local news headlines.',
  'Posting sketches every day.',
  'Musician, mostly synths.',
  'Open source maintainer.',
] as const;
