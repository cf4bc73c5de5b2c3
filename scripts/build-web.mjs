#!/usr/bin/env node
// Builds the office web app with Vite. With --if-stale it does nothing when the build is newer than every source,
// so `npm start` on a fresh checkout builds once and a warm start costs nothing.
import path from 'node:path';
import { isFresh, root } from './stale.mjs';

const outs = ['office', 'tech'].map((app) => path.join(root, 'dist', 'web', app, 'index.html'));
const sources = [
  'web',
  'src/core',
  'src/contracts',
  'vite.config.ts',
  'vite.tech.config.ts',
  'package-lock.json',
];

if (process.argv.includes('--if-stale') && isFresh(outs, sources)) process.exit(0);
process.stdout.write('Building the web apps (office, technician)…\n');
const { build } = await import('vite');
await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
await build({ configFile: path.join(root, 'vite.tech.config.ts'), logLevel: 'warn' });
process.stdout.write('Web apps built.\n');
