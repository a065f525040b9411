import { describe, expect, it } from 'vitest';
import { isOptedOut, noteOptsOut } from '../../domain/privacy';

const base = { note: '<p>I post about birds.</p>', noindex: false, discoverable: true };

// How Mastodon renders a hashtag in a bio: the word sits inside a link, after a bare "#".
const hashtagHtml = (tag: string): string =>
  `<p>Hi! <a href="https://example.social/tags/${tag.toLowerCase()}" class="mention hashtag" rel="tag">#<span>${tag}</span></a></p>`;

describe('isOptedOut', () => {
  it('is false for an ordinary, discoverable account', () => {
    expect(isOptedOut(base)).toBe(false);
  });

  it('honours #nobot and #noindex as rendered hashtags in the note', () => {
    expect(isOptedOut({ ...base, note: hashtagHtml('nobot') })).toBe(true);
    expect(isOptedOut({ ...base, note: hashtagHtml('noindex') })).toBe(true);
  });

  it('matches the hashtags case-insensitively and in plain text', () => {
    expect(isOptedOut({ ...base, note: hashtagHtml('NoBot') })).toBe(true);
    expect(isOptedOut({ ...base, note: '<p>please #NOINDEX me not</p>' })).toBe(true);
    expect(isOptedOut({ ...base, note: '#nobot' })).toBe(true);
  });

  it('errs on the cautious side for longer tags that start with the opt-out word', () => {
    expect(isOptedOut({ ...base, note: hashtagHtml('NoBots') })).toBe(true);
  });

  it('needs the hash: the bare word or a URL containing it is not an opt-out', () => {
    expect(isOptedOut({ ...base, note: '<p>nobot here, noindex there</p>' })).toBe(false);
    expect(isOptedOut({ ...base, note: '<p><a href="https://x.example/#nobot">link</a></p>' })).toBe(false);
  });

  it('honours noindex: true and discoverable: false', () => {
    expect(isOptedOut({ ...base, noindex: true })).toBe(true);
    expect(isOptedOut({ ...base, discoverable: false })).toBe(true);
  });

  it('does not treat unknown (null / absent) flags as an opt-out', () => {
    expect(isOptedOut({ note: '', noindex: null, discoverable: null })).toBe(false);
    expect(isOptedOut({ note: '' })).toBe(false);
  });

  it('decodes entities before matching (&#35; is "#")', () => {
    expect(noteOptsOut('<p>&#35;nobot</p>')).toBe(true);
  });
});
