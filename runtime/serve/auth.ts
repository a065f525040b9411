import { createHash, timingSafeEqual } from 'node:crypto';

// The API binds to loopback by default. Bound anywhere else it serves only requests carrying
// `Authorization: Bearer <token>`, the token read from MASTOFLOW_SERVE_TOKEN (never a flag, so
// it stays out of shell history and process lists).

export const SERVE_TOKEN_ENV = 'MASTOFLOW_SERVE_TOKEN';
const MIN_TOKEN_LENGTH = 16;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The bearer token the server must check, or undefined on loopback; throws, naming the variable, when it is required and missing. */
export function serveTokenFor(host: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[SERVE_TOKEN_ENV];
  if (isLoopbackHost(host)) return token || undefined;
  if (!token)
    throw new Error(
      `--host ${host} is not a loopback address: set ${SERVE_TOKEN_ENV} to a bearer token (at least ${MIN_TOKEN_LENGTH} characters) that clients send as "Authorization: Bearer <token>"`,
    );
  if (token.length < MIN_TOKEN_LENGTH)
    throw new Error(`${SERVE_TOKEN_ENV} is shorter than ${MIN_TOKEN_LENGTH} characters; use a long random token`);
  return token;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time check of an Authorization header against the token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return !!m && timingSafeEqual(digest(m[1] as string), digest(token));
}
