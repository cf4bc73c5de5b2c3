// Fails when the Drizzle schema (src/db/schema) has changes no SQL migration carries: drizzle-kit generates
// against a copy of the migrations in a temporary folder, and any new migration file there is drift.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
// drizzle-kit resolves `out` relative to the working directory: the scratch folder lives in the project.
const tmp = fs.mkdtempSync(path.join(root, '.drift-'));
try {
  const out = path.join(tmp, 'migrations');
  fs.cpSync(path.join(root, 'src/db/migrations'), out, { recursive: true });
  const config = path.join(tmp, 'drizzle.config.mjs');
  fs.writeFileSync(
    config,
    `export default ${JSON.stringify({
      dialect: 'postgresql',
      schema: './src/db/schema/index.ts',
      out: `./${path.relative(root, out)}`,
    })};\n`,
  );
  const before = new Set(fs.readdirSync(out));
  const run = spawnSync('npx', ['drizzle-kit', 'generate', '--config', config, '--name', 'drift'], {
    cwd: root,
    encoding: 'utf8',
  });
  // drizzle-kit can print an error and still exit 0.
  if (run.status !== 0 || /\berror\b/i.test(run.stderr)) {
    console.error(run.stdout, run.stderr);
    process.exit(run.status ?? 1);
  }
  const added = fs.readdirSync(out).filter((f) => !before.has(f) && f.endsWith('.sql'));
  if (added.length > 0) {
    console.error(`The schema has changes no migration carries. Run npm run db:generate. Drift:\n`);
    for (const f of added) console.error(fs.readFileSync(path.join(out, f), 'utf8'));
    process.exit(1);
  }
  console.log('✔ migrations match the schema');
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
