#!/usr/bin/env node
// The `closeout` command. Runs the server bundle when it is newer than every source (`npm start` builds it),
// and the TypeScript sources through tsx's loader otherwise, so an edit never runs stale code.
import { isFresh } from '../scripts/stale.mjs';

process.env.TZ ??= 'UTC';
const bundle = new URL('../dist/server/main.mjs', import.meta.url);
if (isFresh([bundle.pathname], ['src', 'package-lock.json'])) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
