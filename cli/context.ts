import type { Command } from 'commander';
import type { MastoflowConfig } from '../domain/config';
import { loadConfig } from '../runtime/config-file';

/** The config named by the global --config option (or its defaults), loaded and validated. */
export function configFrom(cmd: Command): { file: string; config: MastoflowConfig } {
  const opts = cmd.optsWithGlobals<{ config?: string }>();
  return loadConfig(opts.config);
}
