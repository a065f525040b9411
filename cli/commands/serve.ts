import type { Command } from 'commander';
import { createApp } from '../../runtime/serve/app';
import { serveTokenFor } from '../../runtime/serve/auth';
import { serveDepsFromConfig } from '../../runtime/serve/serve-deps';
import { startServer } from '../../runtime/serve/server';
import { VIEW_CATALOG } from '../../domain/metrics/catalog';
import { configFrom } from '../context';
import { temporalUiLink } from '../../runtime/dag-client';

// `mastoflow serve`: the read-only HTTP API over the DuckDB store and Temporal (README "HTTP
// API"). Loopback by default; any other --host needs MASTOFLOW_SERVE_TOKEN (bearer auth).

interface ServeFlags {
  port: string;
  host: string;
  temporalUi?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API (views, days, tracked accounts, runs) over the DuckDB store, read-only')
    .option('--port <port>', 'TCP port', '8088')
    .option('--host <host>', 'address to bind (not loopback: needs MASTOFLOW_SERVE_TOKEN)', '127.0.0.1')
    .option('--temporal-ui <url>', 'Temporal UI base URL for run links (default: the dev server UI on loopback)')
    .action(async (opts: ServeFlags, cmd: Command) => {
      const { config } = configFrom(cmd);
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port: expected 0..65535, got ${opts.port}`);
      const token = serveTokenFor(opts.host);
      const temporalUiUrl = opts.temporalUi ?? temporalUiLink(config, 'x')?.replace(/\/namespaces\/.*$/, '');
      const views = VIEW_CATALOG;
      const { deps, close } = serveDepsFromConfig(config, {
        views,
        ...(token ? { token } : {}),
        ...(temporalUiUrl ? { temporalUiUrl } : {}),
      });
      const server = await startServer(createApp(deps), { host: opts.host, port });
      console.log(
        `serve: ${server.url} (DuckDB ${config.duckdb.path}, read-only${token ? '; bearer token required' : ''})`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await close();
      console.log('serve: stopped');
    });
}
