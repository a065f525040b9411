#!/usr/bin/env node
// The npm registry reachable from our machines serves only linux-x64 builds of packages with
// per-platform optional dependencies (DuckDB bindings, swc, esbuild, ...). npm then leaves the
// other platforms out of package-lock.json, and `npm ci` refuses the lock as "out of sync".
// This adds an entry for each missing optional platform package, marked optional and limited to
// its os/cpu, so `npm ci` accepts the lock and skips them here (and fetches them on a platform
// that needs them). Run after any dependency change: `npm run lock:complete`.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = [
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'android',
  'openbsd',
  'netbsd',
  'sunos',
  'aix',
  'openharmony',
  'cygwin',
];
const CPU = [
  'x64',
  'arm64',
  'arm',
  'ia32',
  'ppc64',
  's390x',
  'riscv64',
  'loong64',
  'mips64el',
  'wasm32',
  'x86_64',
  'armv7',
];

function platformOf(name) {
  const tokens = name.split('/').pop().split(/[-.]/);
  const os = tokens.find((t) => OS.includes(t)) ?? (tokens.includes('win32') ? 'win32' : undefined);
  const cpu = tokens.find((t) => CPU.includes(t));
  const musl = tokens.includes('musl');
  return { os, cpu, musl };
}

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    // npm resolves from the nearest node_modules upward; we only add where nothing resolves it.
    const nested = `${path ? `${path}/` : ''}node_modules/${dep}`;
    const hoisted = `node_modules/${dep}`;
    if (pkgs[nested] || pkgs[hoisted]) continue;
    const { os, cpu, musl } = platformOf(dep);
    const entry = { version: version.replace(/^[\^~=]/, ''), optional: true };
    if (os) entry.os = [os];
    if (cpu) entry.cpu = [cpu === 'x86_64' ? 'x64' : cpu];
    if (musl) entry.libc = ['musl'];
    if (!os && !cpu) entry.os = ['!linux'];
    pkgs[hoisted] = entry;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries to ${file}`);
