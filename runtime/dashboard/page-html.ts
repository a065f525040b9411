import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DashboardBundle, encodeBundle } from '../../domain/dashboard/bundle';

// The dashboard as one HTML file: style, script (the page module with the Vega runtime and
// Vega-Lite's compiler, bundled by esbuild) and, in static mode, the data, all inline. Nothing
// is fetched from anywhere: the static file opens from file:// with no network. The script is
// built once per process (~1 s) and reused by every page served or written.

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page', 'dashboard-page.ts');

let script: Promise<string> | undefined;

/** The page's script, minified (built on first use). */
export function dashboardScript(): Promise<string> {
  script ??= (async () => {
    const esbuild = await import('esbuild');
    try {
      const result = await esbuild.build({
        entryPoints: [ENTRY],
        bundle: true,
        minify: true,
        format: 'iife',
        platform: 'browser',
        target: 'es2020',
        write: false,
        legalComments: 'none',
        define: { 'process.env.NODE_ENV': '"production"' },
        logLevel: 'silent',
      });
      const code = result.outputFiles[0]?.text;
      if (code === undefined) throw new Error('dashboard: esbuild wrote no output');
      return code;
    } finally {
      await esbuild.stop();
    }
  })();
  script.catch(() => {
    script = undefined; // a failed build is retried by the next page
  });
  return script;
}

/** JSON safe inside a <script> element: no `</script>`, no `<!--` can end or confuse it. */
export function scriptSafeJson(json: string): string {
  return json
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
:root { font-family: "DejaVu Sans", system-ui, sans-serif; color: #222; background: #f4f5f7; }
body { margin: 0; }
header { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid #ddd; padding: 10px 20px;
  display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: center; }
header h1 { font-size: 18px; margin: 0; }
header form { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; font-size: 14px; }
header select, header input { font: inherit; padding: 2px 4px; }
#generated, #status { font-size: 12px; color: #666; }
main { padding: 16px 20px; }
#kpis { display: flex; flex-wrap: wrap; gap: 12px; }
.kpi { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 16px; min-width: 120px; }
.kpi-value { font-size: 24px; font-weight: bold; }
.kpi-label { font-size: 12px; color: #666; }
table { border-collapse: collapse; background: #fff; font-size: 13px; margin: 8px 0 16px; }
th, td { border: 1px solid #e2e2e2; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child, td a { text-align: left; }
td a { word-break: break-all; }
h2 { font-size: 16px; margin: 20px 0 6px; }
#charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure.chart { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 4px; overflow-x: auto; }
#tables { display: flex; flex-wrap: wrap; gap: 0 32px; }
.empty { color: #888; font-size: 13px; padding: 8px; }
`;

export interface PageOptions {
  mode: 'static' | 'live';
  /** Static: the data shown. */
  bundle?: DashboardBundle;
  /** Static: the bundle already as JSON (a WireBundle, as read-bundle.ts gives it). */
  bundleJson?: string;
}

/** The whole page as HTML text. */
export async function dashboardHtml(opts: PageOptions): Promise<string> {
  const js = (await dashboardScript()).replace(/<\/(script)/gi, '<\\/$1');
  const boot = JSON.stringify({ mode: opts.mode, ...(opts.mode === 'live' ? { api: 'api/dashboard' } : {}) });
  const data =
    opts.mode === 'static'
      ? `<script type="application/json" id="dashboard-data">${scriptSafeJson(opts.bundleJson ?? JSON.stringify(opts.bundle && encodeBundle(opts.bundle)))}</script>\n`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mastoflow dashboard</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body data-state="loading" data-mode="${opts.mode}">
<header>
<h1>mastoflow</h1>
<form id="filters" onsubmit="return false">
<label>Instance <select id="f-instance"><option value="">All instances</option></select></label>
<label>From <input type="date" id="f-from"></label>
<label>To <input type="date" id="f-to"></label>
<label id="f-refresh-box" hidden>Refresh <select id="f-refresh"><option value="0">off</option></select></label>
</form>
<span id="generated"></span> <span id="status"></span>
</header>
<main>
<section id="kpis"></section>
<section id="kpi-table"></section>
<h2>Charts</h2>
<section id="charts"></section>
<section id="tables"></section>
</main>
<script type="application/json" id="dashboard-boot">${scriptSafeJson(boot)}</script>
${data}<script>${js}</script>
</body></html>
`;
}
