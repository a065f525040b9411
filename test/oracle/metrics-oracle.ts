// The independent oracle of the status metrics: the same definitions as the TypeScript kernels
// (domain/metrics/), re-implemented in DuckDB SQL over the raw page files, with no kernel code
// involved. Tests hold `finalizeAll(mapStatuses(...))` equal to it, row for row; the map/reduce
// benchmark (bench/mapreduce.ts) uses it, with the typed reader (option `reader`), as the "one
// DuckDB query" baseline.
//
// Input: page files, each a JSON array of statuses exactly as the Mastodon API sent them. The
// records are taken in file order (the order of the list given, or path order for a glob) and
// array order, as a mapper fed the pages in that order sees them.
//
// Definitions re-implemented here (from the kernels' documentation, not their code):
//   - a record that breaks the schema but whose ID is a snowflake (16-20 digits, no leading 0)
//     dating it outside [windowStart, windowEnd) → out_of_window (another day's to quarantine);
//   - quarantine: a record that breaks the MastodonStatus schema (domain/mastodon-schemas.ts) is
//     not counted. The rule is spelled out field by field in SQL below (`VALID_STATUS`): decimal
//     ID string, RFC 3339 created_at, embedded account with its typed fields, content and/or
//     text, typed arrays, non-negative integer engagement counters, nullable fields...;
//   - then, in this order: not `public` → non_public; a non-null `reblog` → reblogs; created_at
//     outside [windowStart, windowEnd) → out_of_window; an ID seen before → duplicates (the first
//     occurrence counts); everything else is counted;
//   - created_at in ms: the date-time read as written, extra fraction digits truncated, offset
//     applied (integer arithmetic, no float parsing);
//   - plain text of HTML (html-text.ts rules): the HTML is cut into tokens by one regular
//     expression (tag | unterminated tag | character reference | text | lone `<` or `&`); tags
//     become "" except <br> and </li> ("\n") and </p> ("\n\n"), known references are decoded,
//     an unterminated tag drops the rest, the result is trimmed with ECMAScript's whitespace set;
//     length = code points (DuckDB `length`);
//   - opt-outs (privacy.ts): noindex true, discoverable false, or #nobot/#noindex (any case, also
//     as a prefix) in the note's plain text; an account opted out in any toot of the window is
//     opted out in every account-level row, viral toots included (option `viralOptOut`);
//   - percentiles nearest-rank with exact integer ranks: ceil(q·n) as (a·n + b − 1) div b;
//   - top-k: value descending, key ascending, k rows (default 50);
//   - origin servers (origins.ts): the part of a counted status's acct after its last `@`
//     (none: local), lower-cased; top 20 servers by statuses;
//   - new accounts (new-accounts.ts): the account's created_at and the status's created_at fall
//     on the same UTC day (both as ms, floor-divided by a day); first-seen: posters not among
//     the earlier days' posters given in `earlierPosters` (none by default);
//   - links (links.ts): `<a …>` tags whose first `href="…"` starts with http(s):// and whose
//     `class="…"` has no mention/hashtag token, plus an http(s) card url; domains = host without
//     userinfo, port and trailing dot, lower-cased, without `www.`, counted once per status.
//
// Where SQL has no equivalent, the oracle asks JavaScript's standard library, never the kernels:
//   - NFKC normalisation and full Unicode lower-casing of non-ASCII hashtag names and language
//     codes, and lower-casing of non-ASCII host names (origin servers, linked domains)
//     (`String.prototype.normalize` / `toLowerCase`; DuckDB has NFC and simple case mapping
//     only): a lookup table built from the distinct non-ASCII strings;
//   - sentiment (VADER is not in SQL): the English toots SQL selects, with the plain text SQL
//     computed, are scored one by one by the vader-sentiment package's own `polarity_scores`
//     (not the kernel's faster re-implementation) and summed here. Weaker than SQL, still
//     independent of the kernel's text extraction, tokenizer and accumulation.
//
// Known limits (documented, not reached by the tests' data):
//   - top-k ties are broken in code-point order (DuckDB); the kernels sort keys in UTF-16 order.
//     The two differ only between U+E000–U+FFFF and astral characters in tied keys;
//   - a JSON string with a lone surrogate escape (`"\ud800"`) is refused by DuckDB's parser
//     (JSON.parse accepts it): such a file makes the oracle throw;
//   - an object with a repeated key: JSON.parse keeps the last value; DuckDB's JSON functions
//     may not.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
// @ts-expect-error vader-sentiment ships no type declarations.
import vaderModule from 'vader-sentiment';
import { STATUS_FAMILIES } from '../../domain/metrics/catalog';
import type { KvRow } from '../../domain/metrics/types';

export type { KvRow };

export interface OracleOptions {
  /** Half-open window on created_at, Unix ms. */
  windowStartMs: number;
  windowEndMs: number;
  /** Rows kept by top-k metrics (default 50). */
  topK?: number;
  /** Viral floor (default 10). */
  viralMinEngagement?: number;
  /**
   * Sentiment family: scored with the vader-sentiment package per toot (default), or left out
   * (`false`: the SQL-only oracle, as the benchmark runs it).
   */
  sentiment?: boolean;
  /**
   * Which opt-out hides a viral toot. `account` (default) is the documented rule (privacy.ts,
   * accounts.ts): an account opted out in any of the window's toots is hidden everywhere.
   * `toot` mirrors the viral kernel as it stands, which reads only the viral toot's own account
   * snapshot (reported as a kernel bug; see test/unit/metrics-oracle.test.ts).
   */
  viralOptOut?: 'account' | 'toot';
  /**
   * How records are read. `exact` (default): every record as raw JSON, checked field by field
   * against the schema (the quarantine rule), in file and array order. `typed`: DuckDB's typed
   * JSON reader (read_json with explicit columns), the fastest way DuckDB reads these files; it
   * ASSUMES schema-valid records (nothing is quarantined; a type error fails the query) and
   * keeps, among copies of one ID, one from the earliest file. The benchmark's baseline; the
   * benchmark checks it gives the exact reader's rows on its data.
   */
  reader?: 'exact' | 'typed';
  /** DuckDB threads (default: DuckDB's own choice, all cores). */
  threads?: number;
  /**
   * The posters of the first-seen look-back days (new-accounts.ts) and how many days they cover;
   * none by default (look-back of 0 days: every poster is first-seen).
   */
  earlierPosters?: { lookbackDays: number; accts: readonly string[] };
}

export interface OracleQuarantined {
  file: string;
  /** 0-based position in the file's array. */
  index: number;
  /** The record's `id` when it is a string. */
  id?: string;
}

export interface OracleResult {
  rows: KvRow[];
  quarantined: OracleQuarantined[];
  /** Wall time of the SQL part and of the JS sentiment loop, ms. */
  sqlMs: number;
  sentimentMs: number;
  /** ms per SQL stage, for profiling. */
  steps: Record<string, number>;
  /** The accounts with a counted status (what a later day's first-seen look-back compares with). */
  posters: string[];
}

export const ORACLE_DEFAULT_TOP_K = 50;
export const ORACLE_DEFAULT_VIRAL_FLOOR = 10;

/** Status families the JavaScript part computes (sentiment: VADER is not in SQL). */
export const ORACLE_JS_FAMILIES: readonly string[] = ['sentiment'];

const metricsOf = (families: readonly string[]): string[] =>
  STATUS_FAMILIES.filter((f) => families.includes(f.name)).flatMap((f) => f.metrics.map((m) => m.metric));

// ---------------------------------------------------------------------------------------------
// SQL building blocks.

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** ECMAScript WhiteSpace + LineTerminator (what String.prototype.trim removes), as an RE2 class. */
const JS_SPACE = String.raw`[\t\n\x0B\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]`;

/**
 * One HTML token per match, leftmost-first: a tag, an unterminated tag (no `>` anywhere after:
 * the rest of the input), a hex / decimal / named character reference of the accepted forms, a
 * run of text, or a lone `<` / `&` that starts nothing.
 */
const HTML_TOKEN = String.raw`<[A-Za-z/!?][^>]*>|<[A-Za-z/!?][\s\S]*|&#[xX][0-9a-fA-F]{1,9};|&#[0-9]{1,10};|&(?:amp|lt|gt|quot|apos|nbsp);|[^<&]+|[<&]`;

const DATE_TIME = String.raw`\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)`;

const MACROS = [
  `CREATE OR REPLACE TEMP MACRO js_trim(s) AS regexp_replace(s, ${q(`^${JS_SPACE}+|${JS_SPACE}+$`)}, '', 'g')`,
  // A code point from a numeric reference, or NULL when it is not one the rules decode.
  `CREATE OR REPLACE TEMP MACRO ref_cp(t) AS (CASE WHEN t[3] IN ('x', 'X') THEN try_cast('0x' || substr(t, 4, length(t) - 4) AS BIGINT)
                                               ELSE try_cast(substr(t, 3, length(t) - 3) AS BIGINT) END)`,
  `CREATE OR REPLACE TEMP MACRO html_token_text(t) AS (CASE
     WHEN length(t) > 1 AND t[1] = '<' THEN (CASE
       WHEN t[length(t)] <> '>' THEN ''
       WHEN regexp_matches(t, ${q(String.raw`^</?[bB][rR][>/\t\n\f\r ]`)}) THEN chr(10)
       WHEN regexp_matches(t, ${q(String.raw`^</[lL][iI][>/\t\n\f\r ]`)}) THEN chr(10)
       WHEN regexp_matches(t, ${q(String.raw`^</[pP][>\t\n\f\r ]`)}) THEN chr(10) || chr(10)
       ELSE '' END)
     WHEN length(t) > 1 AND t[1] = '&' THEN (CASE
       WHEN t = '&amp;' THEN '&' WHEN t = '&lt;' THEN '<' WHEN t = '&gt;' THEN '>'
       WHEN t = '&quot;' THEN '"' WHEN t = '&apos;' THEN '''' WHEN t = '&nbsp;' THEN chr(160)
       WHEN ref_cp(t) BETWEEN 1 AND 1114111 AND NOT (ref_cp(t) BETWEEN 55296 AND 57343) THEN chr(ref_cp(t)::INTEGER)
       ELSE t END)
     ELSE t END)`,
  `CREATE OR REPLACE TEMP MACRO html_text(h) AS
     js_trim(array_to_string(list_transform(regexp_extract_all(h, ${q(HTML_TOKEN)}), lambda t: html_token_text(t)), ''))`,
  // Links in content (links.ts): <a> tags with an http(s) href and no mention/hashtag class.
  `CREATE OR REPLACE TEMP MACRO content_hrefs(h) AS list_transform(list_filter(
     list_transform(regexp_extract_all(h, ${q('<[aA][\t\n\f\r ][^>]*>')}),
       lambda t: {'href': regexp_extract(t, ${q('[\t\n\f\r ]href="([^"]*)"')}, 1), 'cls': regexp_extract(t, ${q('[\t\n\f\r ]class="([^"]*)"')}, 1)}),
     lambda x: regexp_matches(x.href, ${q('^[hH][tT][tT][pP][sS]?://')})
               AND NOT regexp_matches(x.cls, ${q('(^|[\t\n\f\r ])(mention|hashtag)([\t\n\f\r ]|$)')})),
     lambda x: x.href)`,
  // A URL's host as written: after ://, up to / ? #, without userinfo, :port and a trailing dot.
  `CREATE OR REPLACE TEMP MACRO url_host(u) AS regexp_replace(regexp_replace(regexp_replace(
     regexp_extract(substr(u, strpos(u, '://') + 3), '^[^/?#]*'), '(?s)^.*@', ''), ':[0-9]*$', ''), '[.]$', '')`,
  `CREATE OR REPLACE TEMP MACRO escape_html(s) AS replace(replace(replace(s, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')`,
  `CREATE OR REPLACE TEMP MACRO is_dt(s) AS coalesce(regexp_full_match(s, ${q(DATE_TIME)}) AND try_cast(substr(s, 1, 10) AS DATE) IS NOT NULL, false)`,
  // Unix ms of a valid date-time: fields as written, fraction truncated to ms, offset applied.
  `CREATE OR REPLACE TEMP MACRO dt_ms(s) AS (
     epoch_ms(CAST(substr(s, 1, 19) AS TIMESTAMP))
     + (CASE WHEN s[20] = '.' THEN CAST(rpad(substr(regexp_extract(s, ${q(String.raw`\.(\d+)`)}, 1), 1, 3), 3, '0') AS BIGINT) ELSE 0 END)
     - (CASE WHEN s[length(s)] = 'Z' THEN 0
             ELSE (CASE WHEN substr(s, -6, 1) = '+' THEN 1 ELSE -1 END)
                  * (CAST(substr(s, -5, 2) AS BIGINT) * 60 + CAST(substr(s, -2, 2) AS BIGINT)) * 60000 END))`,
  // JSON value-type predicates on extracted fragments (NULL fragment = key absent).
  `CREATE OR REPLACE TEMP MACRO j_str(x) AS coalesce(json_type(x) = 'VARCHAR', false)`,
  `CREATE OR REPLACE TEMP MACRO j_nestr(x) AS coalesce(json_type(x) = 'VARCHAR' AND (x->>'$') <> '', false)`,
  `CREATE OR REPLACE TEMP MACRO j_opt_str(x) AS (x IS NULL OR coalesce(json_type(x) = 'VARCHAR', false))`,
  `CREATE OR REPLACE TEMP MACRO j_nullish_str(x) AS (x IS NULL OR coalesce(json_type(x) IN ('VARCHAR', 'NULL'), false))`,
  `CREATE OR REPLACE TEMP MACRO j_bool(x) AS coalesce(json_type(x) = 'BOOLEAN', false)`,
  `CREATE OR REPLACE TEMP MACRO j_opt_bool(x) AS (x IS NULL OR coalesce(json_type(x) = 'BOOLEAN', false))`,
  `CREATE OR REPLACE TEMP MACRO j_nullish_bool(x) AS (x IS NULL OR coalesce(json_type(x) IN ('BOOLEAN', 'NULL'), false))`,
  // A JSON number that is a safe integer (JSON.parse + Number.isSafeInteger), and one ≥ 0.
  `CREATE OR REPLACE TEMP MACRO j_int(x) AS coalesce(CASE json_type(x)
     WHEN 'BIGINT' THEN CAST(x AS BIGINT) BETWEEN -9007199254740991 AND 9007199254740991
     WHEN 'UBIGINT' THEN CAST(x AS UBIGINT) <= 9007199254740991
     WHEN 'DOUBLE' THEN try_cast(x AS DOUBLE) = trunc(try_cast(x AS DOUBLE)) AND abs(try_cast(x AS DOUBLE)) <= 9007199254740991
     ELSE false END, false)`,
  `CREATE OR REPLACE TEMP MACRO j_count(x) AS coalesce(CASE json_type(x)
     WHEN 'BIGINT' THEN CAST(x AS BIGINT) BETWEEN 0 AND 9007199254740991
     WHEN 'UBIGINT' THEN CAST(x AS UBIGINT) <= 9007199254740991
     WHEN 'DOUBLE' THEN try_cast(x AS DOUBLE) = trunc(try_cast(x AS DOUBLE)) AND try_cast(x AS DOUBLE) BETWEEN 0 AND 9007199254740991
     ELSE false END, false)`,
  `CREATE OR REPLACE TEMP MACRO j_dt(x) AS (j_str(x) AND is_dt(x->>'$'))`,
  `CREATE OR REPLACE TEMP MACRO j_every(x, pred) AS (coalesce(json_type(x) = 'ARRAY', false)
     AND coalesce(list_bool_and(list_transform(json_extract(x, '$[*]'), pred)), true))`,
];

// Top-level status fields, in the order of the extracted list (1-based in SQL).
const STATUS_FIELDS = [
  'id',
  'created_at',
  'account',
  'content',
  'text',
  'language',
  'visibility',
  'sensitive',
  'spoiler_text',
  'media_attachments',
  'mentions',
  'tags',
  'favourites_count',
  'reblogs_count',
  'replies_count',
  'application',
  'in_reply_to_id',
  'in_reply_to_account_id',
  'reblog',
  'uri',
  'url',
  'edited_at',
  'card',
] as const;
const ACCOUNT_FIELDS = [
  'id',
  'username',
  'acct',
  'display_name',
  'note',
  'bot',
  'created_at',
  'followers_count',
  'following_count',
  'statuses_count',
  'noindex',
  'discoverable',
  'url',
  'locked',
  'group',
] as const;
const S = (f: (typeof STATUS_FIELDS)[number]): string => `v[${STATUS_FIELDS.indexOf(f) + 1}]`;
const A = (f: (typeof ACCOUNT_FIELDS)[number]): string => `a[${ACCOUNT_FIELDS.indexOf(f) + 1}]`;
const pathList = (fields: readonly string[]): string => `[${fields.map((f) => q(`$."${f}"`)).join(', ')}]`;

/** The MastodonStatus schema, field by field (zod is the definition; the fast check only agrees). */
const VALID_STATUS = `(
  rt = 'OBJECT'
  AND j_str(${S('id')}) AND regexp_full_match(${S('id')}->>'$', ${q(String.raw`0|[1-9]\d{0,19}`)})
  AND j_dt(${S('created_at')})
  -- (a non-empty account.id is only found in an object: no separate type check of account)
    AND j_nestr(${A('id')}) AND j_str(${A('username')}) AND j_nestr(${A('acct')}) AND j_str(${A('display_name')})
    AND j_str(${A('note')}) AND j_bool(${A('bot')}) AND j_dt(${A('created_at')})
    AND j_int(${A('followers_count')}) AND j_int(${A('following_count')}) AND j_int(${A('statuses_count')})
    AND j_nullish_bool(${A('noindex')}) AND j_nullish_bool(${A('discoverable')}) AND j_nullish_str(${A('url')})
    AND j_opt_bool(${A('locked')}) AND j_opt_bool(${A('group')})
  AND j_opt_str(${S('content')}) AND j_opt_str(${S('text')}) AND (${S('content')} IS NOT NULL OR ${S('text')} IS NOT NULL)
  AND j_nullish_str(${S('language')})
  AND j_nestr(${S('visibility')})
  AND j_bool(${S('sensitive')})
  AND j_str(${S('spoiler_text')})
  AND j_every(${S('media_attachments')}, lambda m: coalesce(json_type(m) = 'OBJECT', false) AND j_str(m->'$.id') AND j_nestr(m->'$.type'))
  AND j_every(${S('mentions')}, lambda m: coalesce(json_type(m) = 'OBJECT', false) AND j_str(m->'$.id') AND j_str(m->'$.username')
                                         AND j_str(m->'$.acct') AND j_opt_str(m->'$.url'))
  AND j_every(${S('tags')}, lambda t: coalesce(json_type(t) = 'OBJECT', false) AND j_nestr(t->'$.name') AND j_opt_str(t->'$.url'))
  AND j_count(${S('favourites_count')}) AND j_count(${S('reblogs_count')}) AND j_count(${S('replies_count')})
  AND (${S('application')} IS NULL OR coalesce(json_type(${S('application')}) = 'NULL', false)
       OR (coalesce(json_type(${S('application')}) = 'OBJECT', false)
           AND j_str(${S('application')}->'$.name') AND j_nullish_str(${S('application')}->'$.website')))
  AND j_nullish_str(${S('in_reply_to_id')}) AND j_nullish_str(${S('in_reply_to_account_id')})
  AND (${S('reblog')} IS NULL OR coalesce(json_type(${S('reblog')}) = 'NULL', false)
       OR (coalesce(json_type(${S('reblog')}) = 'OBJECT', false) AND j_str(${S('reblog')}->'$.id')))
  AND j_opt_str(${S('uri')}) AND j_nullish_str(${S('url')}) AND j_nullish_str(${S('edited_at')})
  AND (${S('card')} IS NULL OR coalesce(json_type(${S('card')}) = 'NULL', false)
       OR (coalesce(json_type(${S('card')}) = 'OBJECT', false) AND j_str(${S('card')}->'$.url')))
)`;

interface FamilySqlOptions {
  lookbackDays: number;
  topK: number;
  viralFloor: number;
  viralOptOut: 'account' | 'toot';
}

const top = (inner: string, metric: string, topK: number): string =>
  `(SELECT ${q(metric)} AS metric, k AS key, v::DOUBLE AS value FROM (${inner})
    QUALIFY row_number() OVER (ORDER BY v DESC, k ASC) <= ${topK})`;

/**
 * The oracle SQL of each status family (by its catalog name): SELECTs of (metric, key, value)
 * over the counted statuses (o_s), their accounts (o_a) and the CTEs of `familiesSql`. A family
 * of the catalog without an entry here (or in ORACLE_JS_FAMILIES) fails test/unit/metric-catalog.test.ts.
 */
export const ORACLE_FAMILY_SQL: Readonly<Record<string, (o: FamilySqlOptions) => readonly string[]>> = {
  map: () => [
    `SELECT 'map_counts', k, coalesce((SELECT n FROM counts WHERE cls = c), 0)::DOUBLE
    FROM (VALUES ('counted', 'counted'), ('quarantined', 'quarantined'), ('non_public', 'non_public'), ('reblogs', 'reblogs'),
                 ('out_of_window', 'out_of_window'), ('out_of_range', 'out_of_range'), ('duplicates', 'duplicates')) AS x(k, c)`,
    `SELECT 'map_counts', 'input', (SELECT count(*) FROM o_cls)::DOUBLE`,
  ],
  volume: () => [
    `SELECT 'toots_per_hour', h, count(*)::DOUBLE FROM (SELECT strftime(epoch_ms(ms), '%Y-%m-%dT%H') AS h FROM o_s) GROUP BY h`,
    `SELECT 'toots_per_day', d, count(*)::DOUBLE FROM (SELECT strftime(epoch_ms(ms), '%Y-%m-%d') AS d FROM o_s) GROUP BY d`,
  ],
  accounts: ({ topK }) => [
    `SELECT 'active_accounts', 'all', count(*)::DOUBLE FROM o_a`,
    `SELECT 'active_accounts', 'bot', count(*) FILTER (WHERE bot)::DOUBLE FROM o_a`,
    `SELECT 'active_accounts', 'human', count(*) FILTER (WHERE NOT bot)::DOUBLE FROM o_a`,
    `SELECT 'toots_per_account', 'mean', sum(toots)::DOUBLE / count(*)::DOUBLE FROM o_a HAVING count(*) > 0`,
    `SELECT 'toots_per_account', 'median', toots::DOUBLE FROM acc_ranked WHERE rn = (n + 1) // 2`,
    `SELECT 'toots_per_account', 'p90', toots::DOUBLE FROM acc_ranked WHERE rn = (9 * n + 9) // 10`,
    `SELECT 'toots_per_account', 'max', max(toots)::DOUBLE FROM o_a HAVING count(*) > 0`,
    `SELECT 'accounts_by_toot_count', toots::VARCHAR, count(*)::DOUBLE FROM o_a GROUP BY toots`,
    top('SELECT acct AS k, toots AS v FROM o_a WHERE NOT opted_out', 'top_accounts_by_toots', topK),
  ],
  length: () => [
    `SELECT 'toot_length', 'toots', count(*)::DOUBLE FROM lengths`,
    `SELECT 'toot_length', 'total_chars', coalesce(sum(len), 0)::DOUBLE FROM lengths`,
    `SELECT 'toot_length', 'mean', sum(len)::DOUBLE / count(*)::DOUBLE FROM lengths HAVING count(*) > 0`,
    `SELECT 'toot_length_hist', ((len // 50) * 50)::VARCHAR, count(*)::DOUBLE FROM lengths GROUP BY len // 50`,
  ],
  languages: () => [`SELECT 'toots_by_language', k, count(*)::DOUBLE FROM langs GROUP BY k`],
  apps: () => [
    `SELECT 'toots_with_app', 'all', count(*) FILTER (WHERE has_app)::DOUBLE FROM o_s`,
    `SELECT 'toots_by_app', k, count(*)::DOUBLE
    FROM (SELECT CASE WHEN js_trim(app_name) = '' THEN '(unnamed)' ELSE js_trim(app_name) END AS k FROM o_s WHERE has_app) GROUP BY k`,
  ],
  bots: () => [
    `SELECT 'toots_by_account_type', 'bot', count(*) FILTER (WHERE bot)::DOUBLE FROM o_s`,
    `SELECT 'toots_by_account_type', 'human', count(*) FILTER (WHERE NOT bot)::DOUBLE FROM o_s`,
  ],
  engagementTotal: () =>
    ['favourites', 'reblogs', 'replies']
      .map((k) => `SELECT 'engagement_total', '${k}', sum(${k})::DOUBLE FROM o_s HAVING count(*) > 0`)
      .concat([
        `SELECT 'engagement_total', 'total', sum(favourites + reblogs + replies)::DOUBLE FROM o_s HAVING count(*) > 0`,
      ]),
  hashtags: ({ topK }) => [
    `SELECT 'hashtag_stats', 'distinct_tags', (SELECT count(*) FROM tag_counts)::DOUBLE`,
    `SELECT 'hashtag_stats', 'tagged_toots', (SELECT count(*) FROM o_s WHERE len(tag_names) > 0)::DOUBLE`,
    `SELECT 'hashtag_stats', 'tag_uses', (SELECT coalesce(sum(n), 0) FROM tag_counts)::DOUBLE`,
    top('SELECT tag AS k, n AS v FROM tag_counts', 'top_hashtags', topK),
  ],
  engagement: ({ topK }) => [
    top(
      'SELECT acct AS k, engagement AS v FROM o_a WHERE NOT opted_out AND engagement > 0',
      'top_accounts_by_engagement',
      topK,
    ),
  ],
  followers: ({ topK }) => [
    top('SELECT acct AS k, followers AS v FROM o_a WHERE NOT opted_out', 'top_accounts_by_followers', topK),
  ],
  signups: () => [`SELECT 'signups_by_month', month, count(*)::DOUBLE FROM o_a GROUP BY month`],
  content: () => [
    `SELECT 'content_flags', 'toots', count(*)::DOUBLE FROM o_s`,
    `SELECT 'content_flags', 'with_media', count(*) FILTER (WHERE len(media_types) > 0)::DOUBLE FROM o_s`,
    `SELECT 'content_flags', 'with_content_warning', count(*) FILTER (WHERE js_trim(spoiler) <> '')::DOUBLE FROM o_s`,
    `SELECT 'content_flags', 'sensitive', count(*) FILTER (WHERE sensitive)::DOUBLE FROM o_s`,
    `SELECT 'content_flags', 'media_attachments', coalesce(sum(len(media_types)), 0)::DOUBLE FROM o_s`,
    `SELECT 'content_share', 'with_media', (count(*) FILTER (WHERE len(media_types) > 0))::DOUBLE / count(*)::DOUBLE FROM o_s HAVING count(*) > 0`,
    `SELECT 'content_share', 'with_content_warning', (count(*) FILTER (WHERE js_trim(spoiler) <> ''))::DOUBLE / count(*)::DOUBLE FROM o_s HAVING count(*) > 0`,
    `SELECT 'content_share', 'sensitive', (count(*) FILTER (WHERE sensitive))::DOUBLE / count(*)::DOUBLE FROM o_s HAVING count(*) > 0`,
    `SELECT 'media_by_type', t, count(*)::DOUBLE FROM (SELECT unnest(media_types) AS t FROM o_s) GROUP BY t`,
  ],
  viral: ({ topK, viralFloor }) => [
    `SELECT 'viral_stats', 'toots', count(*)::DOUBLE FROM o_s`,
    `SELECT 'viral_stats', 'p99_engagement', p99::DOUBLE FROM p99 WHERE p99 IS NOT NULL`,
    `SELECT 'viral_stats', 'threshold', greatest(${viralFloor}, p99)::DOUBLE FROM p99 WHERE p99 IS NOT NULL`,
    `SELECT 'viral_stats', 'viral_toots', (SELECT count(*) FROM viral)::DOUBLE FROM p99 WHERE p99 IS NOT NULL`,
    `(SELECT 'viral_toots', id, engagement::DOUBLE FROM viral WHERE NOT opted_out
    QUALIFY row_number() OVER (ORDER BY engagement DESC, id_num ASC) <= ${topK})`,
  ],
  origins: () => [
    `SELECT 'origin_stats', 'remote_statuses', (SELECT coalesce(sum(toots), 0) FROM origin_accts)::DOUBLE`,
    `SELECT 'origin_stats', 'remote_accounts', (SELECT count(*) FROM origin_accts)::DOUBLE`,
    `SELECT 'origin_stats', 'servers', (SELECT count(DISTINCT server) FROM origin_accts)::DOUBLE`,
    `SELECT 'origin_statuses', server, statuses::DOUBLE FROM origin_top`,
    `SELECT 'origin_accounts', server, accounts::DOUBLE FROM origin_top`,
  ],
  newAccounts: ({ lookbackDays }) => [
    `SELECT 'new_accounts', 'posters', count(*)::DOUBLE FROM o_a`,
    `SELECT 'new_accounts', 'created_on_day', count(*) FILTER (WHERE created_on_day)::DOUBLE FROM o_a`,
    `SELECT 'new_accounts', 'first_seen', count(*) FILTER (WHERE acct NOT IN (SELECT acct FROM o_earlier))::DOUBLE FROM o_a`,
    `SELECT 'new_accounts', 'lookback_days', ${lookbackDays}::DOUBLE`,
  ],
  links: ({ topK }) => [
    `SELECT 'link_stats', 'toots', count(*)::DOUBLE FROM o_s`,
    `SELECT 'link_stats', 'with_link', count(*) FILTER (WHERE has_card OR len(hrefs) > 0)::DOUBLE FROM o_s`,
    `SELECT 'link_stats', 'with_card', count(*) FILTER (WHERE has_card)::DOUBLE FROM o_s`,
    `SELECT 'link_stats', 'with_content_link', count(*) FILTER (WHERE len(hrefs) > 0)::DOUBLE FROM o_s`,
    `SELECT 'link_stats', 'distinct_domains', (SELECT count(DISTINCT domain) FROM link_domains)::DOUBLE`,
    `SELECT 'link_stats', 'share', (count(*) FILTER (WHERE has_card OR len(hrefs) > 0))::DOUBLE / count(*)::DOUBLE FROM o_s HAVING count(*) > 0`,
    top('SELECT domain AS k, count(*) AS v FROM link_domains GROUP BY domain', 'top_linked_domains', topK),
  ],
};

/** Status families the SQL part computes. */
export const ORACLE_SQL_FAMILIES: readonly string[] = Object.keys(ORACLE_FAMILY_SQL);

/** Metrics the SQL part computes (everything but the sentiment family), from the catalog. */
export const ORACLE_SQL_METRICS: readonly string[] = metricsOf(ORACLE_SQL_FAMILIES);
export const ORACLE_SENTIMENT_METRICS: readonly string[] = metricsOf(ORACLE_JS_FAMILIES);

/** Rows of the SQL families, as one UNION ALL over the counted statuses (o_s) and accounts (o_a). */
function familiesSql(o: FamilySqlOptions): string {
  const selects = Object.values(ORACLE_FAMILY_SQL).flatMap((family) => family(o));
  return `
  WITH
  counts AS (SELECT cls, count(*) AS n FROM o_cls GROUP BY cls),
  acc_ranked AS (SELECT toots, row_number() OVER (ORDER BY toots) AS rn, count(*) OVER () AS n FROM o_a),
  eng_hist AS (SELECT engagement AS e, count(*) AS n FROM o_s GROUP BY engagement),
  eng_ranked AS (SELECT e, sum(n) OVER (ORDER BY e ROWS UNBOUNDED PRECEDING) AS cum, sum(n) OVER () AS total FROM eng_hist),
  p99 AS (SELECT min(e) AS p99 FROM eng_ranked WHERE cum >= greatest(1, (99 * total + 99) // 100)),
  viral AS (SELECT s.id, s.id_num, s.engagement, ${o.viralOptOut === 'toot' ? 's.opted_out' : 'a.opted_out'} AS opted_out
            FROM o_s s JOIN o_a a ON a.acct = s.acct, p99
            WHERE p99.p99 IS NOT NULL AND s.engagement >= greatest(${o.viralFloor}, p99.p99)),
  tag_keys AS (SELECT DISTINCT s.id, coalesce(m.dst, lower(t.name)) AS tag
               FROM o_s s, unnest(s.tag_names) AS t(name) LEFT JOIN o_map m ON m.kind = 'tag' AND m.src = t.name),
  tag_counts AS (SELECT tag, count(*) AS n FROM tag_keys GROUP BY tag),
  lengths AS (SELECT length(html_text(html)) AS len FROM o_s),
  origin_accts AS (SELECT a.toots, coalesce(m.dst, lower(a.server_raw)) AS server
                   FROM (SELECT toots, regexp_extract(acct, '@([^@]*)$', 1) AS server_raw FROM o_a) a
                   LEFT JOIN o_map m ON m.kind = 'host' AND m.src = a.server_raw WHERE a.server_raw <> ''),
  origin_top AS (SELECT server, sum(toots) AS statuses, count(*) AS accounts FROM origin_accts GROUP BY server
                 QUALIFY row_number() OVER (ORDER BY statuses DESC, server ASC) <= 20),
  link_domains AS (SELECT DISTINCT id, domain FROM (
                     SELECT l.id, regexp_replace(coalesce(m.dst, lower(l.host)), '^www[.]', '') AS domain
                     FROM o_links l LEFT JOIN o_map m ON m.kind = 'host' AND m.src = l.host) WHERE domain <> ''),
  langs AS (SELECT CASE WHEN lang IS NULL OR js_trim(lang) = '' THEN 'und' ELSE coalesce(m.dst, lower(js_trim(lang))) END AS k
            FROM o_s LEFT JOIN o_map m ON m.kind = 'lang' AND m.src = js_trim(o_s.lang))
  ${selects.join('\n  UNION ALL ')}
  `;
}

// ---------------------------------------------------------------------------------------------

const vader = (vaderModule as { SentimentIntensityAnalyzer: { polarity_scores(text: string): { compound: number } } })
  .SentimentIntensityAnalyzer;

/** The sentiment family from (language-filtered) plain texts, with the package's own scorer. */
function sentimentRows(texts: readonly string[]): KvRow[] {
  let negative = 0;
  let neutral = 0;
  let positive = 0;
  let sumE4 = 0;
  const hist = new Array<number>(20).fill(0);
  for (const text of texts) {
    const compound = vader.polarity_scores(text).compound;
    if (compound >= 0.05) positive++;
    else if (compound <= -0.05) negative++;
    else neutral++;
    const e4 = Math.round(compound * 10_000);
    sumE4 += e4;
    // Bins of width 0.1 over [-1, 1], +1 in the last one.
    const bin = Math.min(19, Math.max(0, Math.floor((e4 + 10_000) / 1_000)));
    hist[bin] = (hist[bin] as number) + 1;
  }
  const scored = texts.length;
  const rows: KvRow[] = [
    { metric: 'sentiment', key: 'scored', value: scored },
    { metric: 'sentiment', key: 'negative', value: negative },
    { metric: 'sentiment', key: 'neutral', value: neutral },
    { metric: 'sentiment', key: 'positive', value: positive },
  ];
  if (scored > 0) {
    rows.push(
      { metric: 'sentiment', key: 'mean_compound', value: sumE4 / scored / 10_000 },
      { metric: 'sentiment_share', key: 'negative', value: negative / scored },
      { metric: 'sentiment_share', key: 'neutral', value: neutral / scored },
      { metric: 'sentiment_share', key: 'positive', value: positive / scored },
    );
  }
  hist.forEach((n, bin) => {
    const lower = -10 + bin; // tenths
    const key = `${lower < 0 ? '-' : ''}${Math.floor(Math.abs(lower) / 10)}.${Math.abs(lower) % 10}`;
    rows.push({ metric: 'sentiment_compound_hist', key, value: n });
  });
  return rows;
}

/** Expand a glob (`*`, `?` in the last path segment only) or take the list as given. */
export function resolvePageFiles(pageFiles: readonly string[] | string): string[] {
  if (typeof pageFiles !== 'string') return [...pageFiles];
  const dir = path.dirname(pageFiles);
  const pattern = path.basename(pageFiles);
  if (/[*?[]/.test(dir)) throw new Error(`only the last path segment may hold a wildcard: ${pageFiles}`);
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

async function rowsOf(conn: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await conn.runAndReadAll(sql)).getRows() as unknown[][];
}

/** Records → o_cls (class + facts per record), reading raw JSON and checking the schema. */
async function readExact(
  conn: DuckDBConnection,
  files: readonly string[],
  startMs: number,
  endMs: number,
): Promise<void> {
  const empty = files.length === 0;
  const source = empty
    ? `(SELECT NULL::VARCHAR AS filename, NULL::JSON AS rec, 0 AS idx LIMIT 0)`
    : `(SELECT filename, unnest(arr) AS rec, generate_subscripts(arr, 1) - 1 AS idx
        FROM (SELECT filename, json::JSON[] AS arr
              FROM read_json_objects([${files.map(q).join(', ')}], format = 'unstructured', filename = true,
                                     maximum_object_size = 1073741824)))`;
  const createdAt = `(${S('created_at')}->>'$')`;
  const int = (x: string): string => `CAST(try_cast(${x} AS DOUBLE) AS BIGINT)`;
  // 1. Every record in file and array order: its top-level fields extracted in one parse (and
  //    the account's in another), its validity, its class before de-duplication, and the facts
  //    the families read (meaningful for valid records only).
  await conn.run(`CREATE TABLE o_rec AS
    WITH r AS (
      SELECT f.ord, s.filename AS file, s.idx, json_type(s.rec) AS rt, json_extract(s.rec, ${pathList(STATUS_FIELDS)}) AS v
      FROM ${source} s JOIN o_files f ON f.file = s.filename),
    x AS (SELECT *, json_extract(v[${STATUS_FIELDS.indexOf('account') + 1}], ${pathList(ACCOUNT_FIELDS)}) AS a FROM r),
    y AS (SELECT *, ${VALID_STATUS} AS valid FROM x)
    SELECT ord, file, idx,
      CASE WHEN json_type(${S('id')}) = 'VARCHAR' THEN ${S('id')}->>'$' END AS id,
      CASE WHEN NOT valid AND regexp_full_match(${S('id')}->>'$', '[1-9][0-9]{15,19}')
                AND json_type(${S('id')}) = 'VARCHAR'
                AND (TRY_CAST(${S('id')}->>'$' AS HUGEINT) >> 16 < ${startMs}
                  OR TRY_CAST(${S('id')}->>'$' AS HUGEINT) >> 16 >= ${endMs})
             THEN 'out_of_window'
           WHEN NOT valid THEN 'quarantined'
           WHEN (${S('visibility')}->>'$') <> 'public' THEN 'non_public'
           WHEN ${S('reblog')} IS NOT NULL AND json_type(${S('reblog')}) <> 'NULL' THEN 'reblogs'
           WHEN dt_ms(${createdAt}) < ${startMs} OR dt_ms(${createdAt}) >= ${endMs} THEN 'out_of_window'
           ELSE 'candidate' END AS pre,
      CASE WHEN valid THEN dt_ms(${createdAt}) END AS ms,
      ${A('acct')}->>'$' AS acct,
      (${A('bot')}->>'$') = 'true' AS bot,
      ${int(A('followers_count'))} AS followers,
      CASE WHEN NOT valid THEN NULL
           WHEN (${A('created_at')}->>'$')[-1] = 'Z' THEN substr(${A('created_at')}->>'$', 1, 7)
           ELSE strftime(epoch_ms(dt_ms(${A('created_at')}->>'$')), '%Y-%m') END AS month,
      ${A('note')}->>'$' AS note,
      coalesce(json_type(${A('noindex')}) = 'BOOLEAN' AND (${A('noindex')}->>'$') = 'true', false)
        OR coalesce(json_type(${A('discoverable')}) = 'BOOLEAN' AND (${A('discoverable')}->>'$') = 'false', false) AS flag_opt_out,
      CASE WHEN json_type(${S('language')}) = 'VARCHAR' THEN ${S('language')}->>'$' END AS lang,
      CASE WHEN ${S('content')} IS NOT NULL THEN ${S('content')}->>'$' ELSE escape_html(${S('text')}->>'$') END AS html,
      ${S('spoiler_text')}->>'$' AS spoiler,
      (${S('sensitive')}->>'$') = 'true' AS sensitive,
      CASE WHEN valid THEN list_transform(json_extract(${S('media_attachments')}, '$[*]'), lambda m: m->>'$.type') END AS media_types,
      CASE WHEN valid THEN list_transform(json_extract(${S('tags')}, '$[*]'), lambda t: t->>'$.name') END AS tag_names,
      ${int(S('favourites_count'))} + ${int(S('reblogs_count'))} + ${int(S('replies_count'))} AS engagement,
      ${int(S('favourites_count'))} AS favourites, ${int(S('reblogs_count'))} AS reblogs, ${int(S('replies_count'))} AS replies,
      coalesce(json_type(${S('application')}) = 'OBJECT', false) AS has_app,
      ${S('application')}->>'$.name' AS app_name,
      CASE WHEN valid THEN floor(dt_ms(${A('created_at')}->>'$') / 86400000) = floor(dt_ms(${createdAt}) / 86400000) END AS created_on_day,
      coalesce(json_type(${S('card')}) = 'OBJECT', false) AS has_card,
      ${S('card')}->>'$.url' AS card_url,
      CASE WHEN valid THEN content_hrefs(CASE WHEN ${S('content')} IS NOT NULL THEN ${S('content')}->>'$' ELSE escape_html(${S('text')}->>'$') END) END AS hrefs
    FROM y`);
  // 2. De-duplication: the first occurrence of an ID among the records still in the running.
  await conn.run(`CREATE TABLE o_cls AS
    SELECT *,
      CASE WHEN pre <> 'candidate' THEN pre
           WHEN row_number() OVER (PARTITION BY pre, id ORDER BY ord, idx) = 1 THEN 'counted'
           ELSE 'duplicates' END AS cls
    FROM o_rec`);
}

/** Records → o_cls with DuckDB's typed JSON reader (schema-valid input assumed, see `reader`). */
async function readTyped(
  conn: DuckDBConnection,
  files: readonly string[],
  startMs: number,
  endMs: number,
): Promise<void> {
  const columns = {
    id: 'VARCHAR',
    created_at: 'VARCHAR',
    visibility: 'VARCHAR',
    reblog: 'JSON',
    language: 'VARCHAR',
    content: 'VARCHAR',
    text: 'VARCHAR',
    spoiler_text: 'VARCHAR',
    sensitive: 'BOOLEAN',
    favourites_count: 'BIGINT',
    reblogs_count: 'BIGINT',
    replies_count: 'BIGINT',
    application: 'STRUCT(name VARCHAR)',
    media_attachments: 'STRUCT(type VARCHAR)[]',
    tags: 'STRUCT(name VARCHAR)[]',
    account:
      'STRUCT(acct VARCHAR, bot BOOLEAN, created_at VARCHAR, followers_count BIGINT, note VARCHAR, noindex BOOLEAN, discoverable BOOLEAN)',
    card: 'JSON',
  };
  const struct = `{${Object.entries(columns)
    .map(([k, v]) => `${k}: ${q(v)}`)
    .join(', ')}}`;
  const source =
    files.length === 0
      ? `(SELECT ${Object.entries(columns)
          .map(([k, v]) => `NULL::${v === 'JSON' ? 'JSON' : v} AS ${k}`)
          .join(', ')}, NULL::VARCHAR AS filename LIMIT 0)`
      : `read_json([${files.map(q).join(', ')}], format = 'array', filename = true, columns = ${struct}, maximum_object_size = 1073741824)`;
  await conn.run(`CREATE TABLE o_cls AS
    WITH r AS (SELECT f.ord, j.* FROM ${source} j JOIN o_files f ON f.file = j.filename),
    p AS (SELECT *, CASE WHEN visibility <> 'public' THEN 'non_public'
                         WHEN reblog IS NOT NULL AND json_type(reblog) <> 'NULL' THEN 'reblogs'
                         WHEN dt_ms(created_at) < ${startMs} OR dt_ms(created_at) >= ${endMs} THEN 'out_of_window'
                         ELSE 'candidate' END AS pre FROM r)
    SELECT ord, filename AS file, 0 AS idx, id,
      CASE WHEN pre <> 'candidate' THEN pre
           WHEN row_number() OVER (PARTITION BY pre, id ORDER BY ord) = 1 THEN 'counted'
           ELSE 'duplicates' END AS cls,
      dt_ms(created_at) AS ms,
      account.acct AS acct,
      account.bot AS bot,
      account.followers_count AS followers,
      CASE WHEN account.created_at[-1] = 'Z' THEN substr(account.created_at, 1, 7)
           ELSE strftime(epoch_ms(dt_ms(account.created_at)), '%Y-%m') END AS month,
      account.note AS note,
      coalesce(account.noindex, false) OR coalesce(NOT account.discoverable, false) AS flag_opt_out,
      language AS lang,
      coalesce(content, escape_html(text)) AS html,
      spoiler_text AS spoiler,
      sensitive,
      list_transform(media_attachments, lambda m: m.type) AS media_types,
      list_transform(tags, lambda t: t.name) AS tag_names,
      favourites_count + reblogs_count + replies_count AS engagement,
      favourites_count AS favourites, reblogs_count AS reblogs, replies_count AS replies,
      application IS NOT NULL AS has_app,
      application.name AS app_name,
      floor(dt_ms(account.created_at) / 86400000) = floor(dt_ms(created_at) / 86400000) AS created_on_day,
      coalesce(json_type(card) = 'OBJECT', false) AS has_card,
      card->>'$.url' AS card_url,
      content_hrefs(coalesce(content, escape_html(text))) AS hrefs
    FROM p`);
}

/** The full oracle: rows plus the quarantined records and timings. */
export async function runOracle(pageFiles: readonly string[] | string, opts: OracleOptions): Promise<OracleResult> {
  const { windowStartMs: startMs, windowEndMs: endMs } = opts;
  if (!(Number.isSafeInteger(startMs) && Number.isSafeInteger(endMs) && startMs < endMs)) {
    throw new Error(`oracle needs integer windowStartMs < windowEndMs, got [${startMs}, ${endMs})`);
  }
  const topK = Math.max(0, Math.floor(opts.topK ?? ORACLE_DEFAULT_TOP_K));
  const viralFloor = opts.viralMinEngagement ?? ORACLE_DEFAULT_VIRAL_FLOOR;
  if (!Number.isSafeInteger(viralFloor)) throw new Error(`viralMinEngagement must be an integer, got ${viralFloor}`);
  const files = resolvePageFiles(pageFiles);

  const t0 = performance.now();
  const instance = await DuckDBInstance.create(':memory:', opts.threads ? { threads: String(opts.threads) } : {});
  const conn = await instance.connect();
  const steps: Record<string, number> = {};
  let last = performance.now();
  const step = (name: string): void => {
    const now = performance.now();
    steps[name] = now - last;
    last = now;
  };
  try {
    for (const m of MACROS) await conn.run(m);
    await conn.run("SET TimeZone = 'UTC'");
    await conn.run('CREATE TABLE o_files (file VARCHAR, ord INTEGER)');
    const app = await conn.createAppender('o_files');
    files.forEach((f, i) => {
      app.appendVarchar(f);
      app.appendInteger(i);
      app.endRow();
    });
    app.closeSync();

    if (opts.reader === 'typed') await readTyped(conn, files, startMs, endMs);
    else await readExact(conn, files, startMs, endMs);
    step('read');
    // 3. The counted statuses.
    await conn.run(`CREATE TABLE o_s AS
      SELECT id, CAST(id AS HUGEINT) AS id_num, ms, acct, bot, followers, month, note, flag_opt_out, lang, html, spoiler,
             sensitive, media_types, tag_names, engagement, favourites, reblogs, replies, has_app, app_name, false AS opted_out,
             created_on_day, has_card, card_url, hrefs
      FROM o_cls WHERE cls = 'counted'`);
    step('facts');
    // Opt-out hashtags in the note's plain text, once per distinct note.
    await conn.run(`CREATE TABLE o_notes AS
      SELECT note, regexp_matches(html_text(note), ${q('#[nN][oO](?:[bB][oO][tT]|[iI][nN][dD][eE][xX])')}) AS tag_opt_out
      FROM (SELECT DISTINCT note FROM o_s)`);
    await conn.run(
      `UPDATE o_s SET opted_out = o_s.flag_opt_out OR n.tag_opt_out FROM o_notes n WHERE n.note = o_s.note`,
    );
    step('optouts');
    // 4. Accounts that tooted: toots, flags ORed, engagement, newest followers snapshot, month.
    await conn.run(`CREATE TABLE o_a AS
      SELECT acct, count(*) AS toots, bool_or(bot) AS bot, bool_or(opted_out) AS opted_out, sum(engagement) AS engagement,
             arg_max(followers, id_num) AS followers, min(month) AS month, bool_or(created_on_day) AS created_on_day
      FROM o_s GROUP BY acct`);
    // The links of each status: content links and an http(s) card URL, as hosts.
    await conn.run(`CREATE TABLE o_links AS
      SELECT id, url_host(u) AS host FROM (
        SELECT id, unnest(hrefs) AS u FROM o_s
        UNION ALL SELECT id, card_url FROM o_s WHERE has_card AND regexp_matches(card_url, ${q('^[hH][tT][tT][pP][sS]?://')}))`);
    await conn.run('CREATE TABLE o_earlier (acct VARCHAR)');
    const earlierApp = await conn.createAppender('o_earlier');
    for (const acct of opts.earlierPosters?.accts ?? []) {
      earlierApp.appendVarchar(acct);
      earlierApp.endRow();
    }
    earlierApp.closeSync();
    step('accounts');
    // 5. JS lower-casing / NFKC for the non-ASCII strings SQL cannot treat the JS way.
    await conn.run('CREATE TABLE o_map (kind VARCHAR, src VARCHAR, dst VARCHAR)');
    const nonAscii = String.raw`[^\x00-\x7F]`;
    const tags = await rowsOf(
      conn,
      `SELECT DISTINCT name FROM (SELECT unnest(tag_names) AS name FROM o_s) WHERE regexp_matches(name, ${q(nonAscii)})`,
    );
    const langs = await rowsOf(
      conn,
      `SELECT DISTINCT js_trim(lang) FROM o_s WHERE lang IS NOT NULL AND regexp_matches(lang, ${q(nonAscii)})`,
    );
    const hosts = await rowsOf(
      conn,
      `SELECT DISTINCT h FROM (SELECT host AS h FROM o_links UNION ALL SELECT regexp_extract(acct, '@([^@]*)$', 1) FROM o_a)
       WHERE regexp_matches(h, ${q(nonAscii)})`,
    );
    const mapApp = await conn.createAppender('o_map');
    for (const [host] of hosts) {
      mapApp.appendVarchar('host');
      mapApp.appendVarchar(String(host));
      mapApp.appendVarchar(String(host).toLowerCase());
      mapApp.endRow();
    }
    for (const [name] of tags) {
      mapApp.appendVarchar('tag');
      mapApp.appendVarchar(String(name));
      mapApp.appendVarchar(String(name).normalize('NFKC').toLowerCase());
      mapApp.endRow();
    }
    for (const [lang] of langs) {
      mapApp.appendVarchar('lang');
      mapApp.appendVarchar(String(lang));
      mapApp.appendVarchar(String(lang).toLowerCase());
      mapApp.endRow();
    }
    mapApp.closeSync();
    step('jsmap');
    // 6. The rows.
    const rows = (
      await rowsOf(
        conn,
        familiesSql({
          topK,
          viralFloor,
          viralOptOut: opts.viralOptOut ?? 'account',
          lookbackDays: opts.earlierPosters?.lookbackDays ?? 0,
        }),
      )
    ).map(([metric, key, value]) => ({
      metric: String(metric),
      key: String(key),
      value: Number(value),
    }));
    step('families');
    const quarantined = (
      await rowsOf(conn, `SELECT file, idx, id FROM o_cls WHERE cls = 'quarantined' ORDER BY ord, idx`)
    ).map(([file, idx, id]) => ({
      file: String(file),
      index: Number(idx),
      ...(id !== null && id !== undefined ? { id: String(id) } : {}),
    }));
    let englishTexts: string[] = [];
    if (opts.sentiment !== false) {
      englishTexts = (
        await rowsOf(
          conn,
          `SELECT html_text(html) FROM o_s WHERE regexp_full_match(lang, ${q('[eE][nN]([-_][\\s\\S]*)?')}) ORDER BY id_num`,
        )
      ).map(([t]) => String(t));
    }
    const sqlMs = performance.now() - t0;
    const t1 = performance.now();
    if (opts.sentiment !== false) rows.push(...sentimentRows(englishTexts));
    const posters = (await rowsOf(conn, 'SELECT acct FROM o_a ORDER BY acct')).map(([a]) => String(a));
    return { rows, quarantined, sqlMs, sentimentMs: performance.now() - t1, steps, posters };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Every status metric of the given page files (a list, or a glob on the last path segment),
 * computed independently of the kernels. Rows come unordered, like finalizeAll's.
 */
export async function computeMetricsWithDuckDb(
  pageFiles: readonly string[] | string,
  opts: OracleOptions,
): Promise<KvRow[]> {
  return (await runOracle(pageFiles, opts)).rows;
}

/** The oracle's plain text of each HTML fragment (its html-text rules alone, for diagnostics). */
export async function plainTextsWithDuckDb(htmls: readonly string[]): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    for (const m of MACROS) await conn.run(m);
    await conn.run('CREATE TABLE h (i INTEGER, html VARCHAR)');
    const app = await conn.createAppender('h');
    htmls.forEach((html, i) => {
      app.appendInteger(i);
      app.appendVarchar(html);
      app.endRow();
    });
    app.closeSync();
    return (await rowsOf(conn, 'SELECT html_text(html) FROM h ORDER BY i')).map(([t]) => String(t));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison helpers for the tests.

/** Stable text form of a row set: `metric#key=value`, sorted (value rounded when asked). */
export function rowLines(rows: readonly KvRow[], opts: { round?: number } = {}): string[] {
  const fmt = (v: number): string =>
    opts.round === undefined ? String(v) : String(Math.round(v / opts.round) * opts.round);
  return rows.map((r) => `${r.metric}#${r.key}=${fmt(r.value)}`).sort();
}

/** Rows in one set and not the other, by metric#key, for readable failures. */
export function diffRows(expected: readonly KvRow[], actual: readonly KvRow[]): string[] {
  const index = (rows: readonly KvRow[]) => new Map(rows.map((r) => [`${r.metric}#${r.key}`, r.value]));
  const e = index(expected);
  const a = index(actual);
  const out: string[] = [];
  for (const [k, v] of e) {
    if (!a.has(k)) out.push(`missing   ${k} = ${v}`);
    else if (!Object.is(a.get(k), v)) out.push(`differs   ${k}: expected ${v}, got ${a.get(k)}`);
  }
  for (const [k, v] of a) if (!e.has(k)) out.push(`unexpected ${k} = ${v}`);
  return out.sort();
}
