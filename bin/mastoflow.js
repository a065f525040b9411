#!/usr/bin/env node
// The `mastoflow` command. The project runs its TypeScript through tsx, so nothing needs a build step.
import { register } from 'tsx/esm/api';

// We run on Node 20 (the machine's); the AWS SDK's notice about its future Node 22 floor is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../cli/main.ts');
await main(process.argv.slice(2));
