import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from '@readme/openapi-parser';
import { freePort } from './processes';

type Json = unknown;

/**
 * Prism skips request-body validation on the unmodified Xero spec (stoplightio/prism#2574). This writes a
 * derived copy in which every request body's $refs are inlined (a reference back into its own ancestry
 * becomes an open schema), which Prism does validate.
 */
export const normalizedSpec = async (specPath: string, only: string[]): Promise<string> => {
  const spec = (await parse(specPath)) as { paths: Record<string, Record<string, { requestBody?: Json }>> };
  const target = (ref: string): Json =>
    ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((o, k) => (o as Record<string, Json>)[k], spec);
  const inline = (node: Json, stack: string[]): Json => {
    if (Array.isArray(node)) return node.map((n) => inline(n, stack));
    if (!node || typeof node !== 'object') return node;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string') return stack.includes(ref) ? {} : inline(target(ref), [...stack, ref]);
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, k === 'example' || k === 'examples' ? v : inline(v, stack)]),
    );
  };
  for (const [p, ops] of Object.entries(spec.paths)) {
    // Only the paths the connector calls: inlining all 99 bodies makes a 14 MB spec Prism needs 20 s to load.
    if (!only.includes(p)) continue;
    for (const op of Object.values(ops)) {
      if (op && typeof op === 'object' && op.requestBody) op.requestBody = inline(op.requestBody, []);
    }
  }
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xero-spec-')), 'xero-normalized.json');
  fs.writeFileSync(out, JSON.stringify(spec));
  return out;
};

/** Prism's mock server on loopback, from the npm package (no download). */
export const startPrism = async (
  specFile: string,
): Promise<{ url: string; log: () => string; stop(): Promise<void> }> => {
  const port = await freePort();
  const bin = path.resolve(__dirname, '../../node_modules/.bin/prism');
  let output = '';
  const child: ChildProcess = spawn(bin, ['mock', '-h', '127.0.0.1', '-p', String(port), specFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prism exited: ${output.slice(-2000)}`);
    try {
      await fetch(`${url}/`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`prism did not start: ${output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    log: () => output,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      if (child.exitCode === null) await exited;
    },
  };
};
