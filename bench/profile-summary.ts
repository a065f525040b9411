// Where a process's CPU time goes, from V8 CPU profiles (`node --cpu-prof`, one file per thread):
//
//   npx tsx bench/profile-summary.ts <dir or .cpuprofile files...> [--top 25]
//
// Self time of every sampled frame, grouped into the buckets the map/reduce work is judged by
// (kernel, sentiment, JSON parse and decode, S3 and network I/O, thread messaging, Temporal's
// machinery, GC, idle) and listed per thread (a profile per file) and in total, then the top
// frames by self time. The buckets go by script path and function name (see BUCKETS): a frame
// of the metric kernels counts as kernel wherever it is called from.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** First match wins: [bucket, test on the frame]. */
const BUCKETS: Array<[string, (f: CallFrame) => boolean]> = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['gc', (f) => f.functionName === '(garbage collector)'],
  ['sentiment', (f) => /vader|sentiment/i.test(f.url)],
  ['kernel', (f) => /domain\/metrics\//.test(f.url) || /domain\/mastodon-schemas/.test(f.url)],
  [
    'parse+decode',
    (f) => /page-json|raw-segments/.test(f.url) || /^(parse|JSON\.parse|stringify)$/.test(f.functionName),
  ],
  [
    's3+network',
    (f) => /@aws-sdk|@smithy|node:(net|tls|http|https|stream|zlib|_http)|_http_|undici|s3-light-client/.test(f.url),
  ],
  ['report charts', (f) => /report\/|resvg|vega/.test(f.url)],
  [
    'module loading',
    (f) =>
      /node:internal\/modules|compileSourceTextModule|wrapSafe|compileForInternalLoader/.test(f.url + f.functionName),
  ],
  [
    'thread messaging',
    (f) =>
      /worker_threads|node:internal\/worker|map-pool|map-thread|structuredClone|postMessage/.test(
        f.url + f.functionName,
      ),
  ],
  ['temporal', (f) => /@temporalio|protobufjs|@grpc/.test(f.url)],
  ['duckdb', (f) => /duckdb/.test(f.url)],
  ['program (native, unattributed)', (f) => f.functionName === '(program)'],
];

/**
 * The map threads run an esbuild bundle (runtime/thread-bundle.ts): one file, so its frames go by
 * function name — page parsing, sentiment, messaging, S3 reads; the rest is the metric kernel.
 */
function bundledBucketOf(f: CallFrame): string {
  if (/^(parsePageBytes|decodeRawString|utf8|hasEscapedLatin1|whole|declared)$/.test(f.functionName))
    return 'parse+decode';
  if (/vader|sentiment|polarity/i.test(f.functionName)) return 'sentiment';
  if (/postMessage|onmessage|structuredClone|emitMessage/i.test(f.functionName)) return 'thread messaging';
  if (/sign|request|fetch|getObject|putObject|hmac|sha256/i.test(f.functionName)) return 's3+network';
  return 'kernel';
}

function bucketOf(f: CallFrame): string {
  if (/\.cache\/thread-/.test(f.url)) return bundledBucketOf(f);
  for (const [name, test] of BUCKETS) if (test(f)) return name;
  return 'other';
}

function profilesIn(args: string[]): string[] {
  const files: string[] = [];
  for (const a of args) {
    if (statSync(a).isDirectory())
      for (const f of readdirSync(a)) if (f.endsWith('.cpuprofile')) files.push(path.join(a, f));
    if (a.endsWith('.cpuprofile')) files.push(a);
  }
  return files.sort();
}

/** Self ms per frame key and per bucket. */
function selfTimes(p: CpuProfile): { byBucket: Map<string, number>; byFrame: Map<string, number>; wallMs: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const byBucket = new Map<string, number>();
  const byFrame = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const f = byId.get(p.samples[i]!);
    if (!f) continue;
    const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const b = bucketOf(f);
    byBucket.set(b, (byBucket.get(b) ?? 0) + ms);
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '~/').replace(/^.*\/(activities|domain|runtime|workflows)\//, '$1/')}:${f.lineNumber + 1}`;
    byFrame.set(key, (byFrame.get(key) ?? 0) + ms);
    frameBuckets.set(key, b);
  }
  return { byBucket, byFrame, wallMs: (p.endTime - p.startTime) / 1000 };
}

const frameBuckets = new Map<string, string>();
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function main(): void {
  const args = process.argv.slice(2).filter((a, i, all) => a !== '--top' && all[i - 1] !== '--top');
  const topAt = process.argv.indexOf('--top');
  const top = topAt >= 0 ? Number(process.argv[topAt + 1]) : 25;
  const files = profilesIn(args);
  if (files.length === 0) throw new Error(`no .cpuprofile files in ${args.join(' ') || '(no argument)'}`);
  const total = new Map<string, number>();
  const frames = new Map<string, number>();
  const names = [...BUCKETS.map(([n]) => n), 'other'];
  console.log(
    `thread (profile file)                    wall     busy   ${names.map((n) => n.slice(0, 10).padStart(10)).join(' ')}`,
  );
  for (const file of files) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const { byBucket, byFrame, wallMs } = selfTimes(p);
    const busy = [...byBucket.entries()].filter(([b]) => b !== 'idle').reduce((s, [, v]) => s + v, 0);
    for (const [b, v] of byBucket) total.set(b, (total.get(b) ?? 0) + v);
    for (const [k, v] of byFrame) frames.set(k, (frames.get(k) ?? 0) + v);
    console.log(
      `${path.basename(file).slice(0, 40).padEnd(40)} ${fmt(wallMs).padStart(8)} ${fmt(busy).padStart(8)}   ${names.map((n) => fmt(byBucket.get(n) ?? 0).padStart(10)).join(' ')}`,
    );
  }
  const busy = [...total.entries()].filter(([b]) => b !== 'idle').reduce((s, [, v]) => s + v, 0);
  console.log(`\nwhere the CPU time goes (all threads, idle left out): ${fmt(busy)}`);
  for (const n of names.filter((x) => x !== 'idle')) {
    const v = total.get(n) ?? 0;
    if (v > 0) console.log(`  ${n.padEnd(32)} ${fmt(v).padStart(9)}  ${((100 * v) / busy).toFixed(1).padStart(5)} %`);
  }
  console.log(`\ntop ${top} frames by self time`);
  for (const [k, v] of [...frames.entries()]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`  ${fmt(v).padStart(9)}  ${(frameBuckets.get(k) ?? '').padEnd(16)} ${k}`);
}

main();
