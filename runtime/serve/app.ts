import { Hono } from 'hono';
import { ApiError, errorBody } from './api-error';
import type { AppDeps } from './app-deps';
import { bearerMatches } from './auth';
import { RunsUnavailableError } from './run-lister';
import { registerDashboardRoutes } from './routes/dashboard';
import { registerDayRoutes } from './routes/days';
import { registerReportRoutes } from './routes/report';
import { registerRunRoutes } from './routes/runs';
import { registerTrackedAccountRoutes } from './routes/tracked-accounts';
import { registerViewRoutes } from './routes/views';
import { StoreBusyError, StoreMissingError } from './store-reader';

// The HTTP API of `mastoflow serve` (issue #11), on Hono. Read-only: every route answers from
// declared views of the DuckDB store or from Temporal; no request carries SQL. A refused request
// gets a 4xx JSON answer naming the parameter at fault; an unexpected error is a 500 without
// details (they go to the log), and the server keeps serving.

export type { AppDeps } from './app-deps';

/** A path segment that climbs or hides a separator: refused before routing. */
const SUSPICIOUS_PATH = /(^|\/)\.\.?(\/|$)|\\|\0/;

export function createApp(deps: AppDeps, log: (msg: string) => void = console.error): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    const raw = new URL(c.req.url).pathname;
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      throw new ApiError(400, 'path', 'path: malformed percent-encoding');
    }
    if (SUSPICIOUS_PATH.test(decoded) || SUSPICIOUS_PATH.test(raw))
      throw new ApiError(400, 'path', 'path: "..", "." and "\\" segments are not allowed');
    if (deps.token && c.req.path !== '/healthz' && !bearerMatches(c.req.header('authorization'), deps.token)) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, 'Authorization', 'Authorization: a valid "Bearer <token>" header is required');
    }
    await next();
  });

  app.get('/healthz', (c) => c.json({ ok: true, views: deps.views.length, duckdb: deps.duckdbPath ?? null }));
  registerViewRoutes(app, deps);
  registerDayRoutes(app, deps);
  registerTrackedAccountRoutes(app, deps);
  registerRunRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerDashboardRoutes(app, deps);

  app.notFound((c) =>
    c.json(errorBody(404, 'path', `path: no route ${c.req.method} ${new URL(c.req.url).pathname.slice(0, 100)}`), 404),
  );

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.status, err.parameter, err.message), err.status);
    if (err instanceof StoreBusyError) {
      c.header('Retry-After', String(err.retryAfterSeconds));
      return c.json(errorBody(503, null, err.message), 503);
    }
    if (err instanceof StoreMissingError || err instanceof RunsUnavailableError)
      return c.json(errorBody(503, null, err.message), 503);
    log(`serve: ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return c.json(errorBody(500, null, 'internal error (see the server log)'), 500);
  });
  return app;
}
