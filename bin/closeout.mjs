#!/usr/bin/env node
// The `closeout` command. Runs the TypeScript sources through tsx's loader, so there is no build step to forget.
import { register } from 'tsx/esm/api';

process.env.TZ ??= 'UTC';
register();
await import('../src/cli/main.ts');
