import type { Hono } from 'hono';
import { ApiError } from '../api-error';
import type { AppDeps } from '../app-deps';
import { dayParam, enumParam, instanceParam, readQuery } from '../params';

// GET /api/report?date=&instance=&format=: the daily report. Its parameters are checked now;
// the report itself comes from domain/report (the report helper's module of issue #11), so
// until that is merged a valid request is answered 501.

const FORMATS = ['json', 'markdown', 'html'] as const;

export function registerReportRoutes(app: Hono, deps: AppDeps): void {
  app.get('/api/report', async (c) => {
    const q = readQuery(c.req.url, ['date', 'instance', 'format']);
    dayParam(q, 'date', deps.today());
    enumParam(q, 'format', FORMATS, 'json');
    await instanceParam(q, deps.instances);
    // TODO(#11 report): render with domain/report once merged.
    throw new ApiError(501, null, 'the daily report is not available in this build yet');
  });
}
