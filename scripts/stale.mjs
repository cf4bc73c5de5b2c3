// Whether built files are older than their sources (by modification time): the web build, the server bundle.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** The newest modification time under a path of the project (a file or a folder, recursively); 0 if absent. */
const newest = (p) => {
  const full = path.join(root, p);
  if (!fs.existsSync(full)) return 0;
  const stat = fs.statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(full).map((name) => newest(path.join(p, name))));
};

/** True when every output exists and is at least as new as every source. */
export const isFresh = (outs, sources) => {
  const latest = Math.max(...sources.map(newest));
  return outs.every((out) => fs.existsSync(out) && fs.statSync(out).mtimeMs >= latest);
};
