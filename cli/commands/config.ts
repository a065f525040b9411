import type { Command } from 'commander';
import { describeSecrets } from '../../domain/config';
import { configFrom } from '../context';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description('validate the config file and print the resolved config (secrets shown only as env var names)')
    .option('--json', 'print JSON only')
    .action((_opts: { json?: boolean }, cmd: Command) => {
      const { file, config: cfg } = configFrom(cmd);
      const secrets = describeSecrets(cfg, process.env);
      if (cmd.opts<{ json?: boolean }>().json) {
        console.log(JSON.stringify({ file, config: cfg, secrets }, null, 2));
        return;
      }
      console.log(`config OK: ${file}`);
      console.log(JSON.stringify(cfg, null, 2));
      console.log('secrets (read from the environment, never printed):');
      for (const [k, v] of Object.entries(secrets)) console.log(`  ${k}: ${v}`);
    });
}
