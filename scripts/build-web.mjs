#!/usr/bin/env node
// Builds the office web app with Vite. With --if-stale it does nothing when the build is newer than every source,
// so `npm start` on a fresh checkout builds once and a warm start costs nothing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outs = ['office', 'tech'].map((app) => path.join(root, 'dist', 'web', app, 'index.html'));
const sources = [
  'web',
  'src/core',
  'src/contracts',
  'vite.config.ts',
  'vite.tech.config.ts',
  'package-lock.json',
];

const newest = (p) => {
  const full = path.join(root, p);
  if (!fs.existsSync(full)) return 0;
  const stat = fs.statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(full).map((name) => newest(path.join(p, name))));
};

if (
  process.argv.includes('--if-stale') &&
  outs.every((out) => fs.existsSync(out) && fs.statSync(out).mtimeMs >= Math.max(...sources.map(newest)))
) {
  process.exit(0);
}
process.stdout.write('Building the web apps (office, technician)…\n');
const { build } = await import('vite');
await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
await build({ configFile: path.join(root, 'vite.tech.config.ts'), logLevel: 'warn' });
process.stdout.write('Web apps built.\n');
