#!/usr/bin/env node
// Builds the office web app with Vite. With --if-stale it does nothing when the build is newer than every source,
// so `npm start` on a fresh checkout builds once and a warm start costs nothing.
import path from 'node:path';
import { isFresh, root } from './stale.mjs';

const outs = ['office', 'tech', 'portal'].map((app) => path.join(root, 'dist', 'web', app, 'index.html'));
const sources = [
  'web',
  'src/core',
  'src/contracts',
  'vite.config.ts',
  'vite.tech.config.ts',
  'vite.portal.config.ts',
  'package-lock.json',
];

if (process.argv.includes('--if-stale') && isFresh(outs, sources)) process.exit(0);
// Progress a person can follow on a first start: each app with how long it took, no bundler chatter.
const started = Date.now();
process.stdout.write('Building the web apps (once; later starts reuse them)\n');
const { build } = await import('vite');
const apps = [
  ['office app', 'vite.config.ts'],
  ['technician app', 'vite.tech.config.ts'],
  ['customer pages', 'vite.portal.config.ts'],
];
for (const [i, [name, config]] of apps.entries()) {
  const t0 = Date.now();
  process.stdout.write(`  [${i + 1}/${apps.length}] ${name}…`);
  await build({ configFile: path.join(root, config), logLevel: 'error' });
  process.stdout.write(` done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(`Web apps built in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
