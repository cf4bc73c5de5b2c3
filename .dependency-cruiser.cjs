/** Import direction: core <- app <- {http, worker, cli}; adapters implement app's ports; web sees only core and contracts. */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/core runs in the browser too: no app, db, http, adapters, node builtins.',
      severity: 'error',
      from: { path: '^src/core' },
      to: { path: '^src/(app|db|http|worker|cli|adapters|contracts)|^src/config' },
    },
    {
      name: 'core-no-node',
      severity: 'error',
      from: { path: '^src/core' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'contracts-are-shapes',
      severity: 'error',
      from: { path: '^src/contracts' },
      to: { path: '^src/(app|db|http|worker|cli|adapters)' },
    },
    {
      name: 'app-below-transports',
      severity: 'error',
      from: { path: '^src/(app|db|adapters)' },
      to: { path: '^src/(http|worker|cli)' },
    },
    {
      name: 'app-owns-its-ports',
      comment:
        'The application names what it needs (app/ports.ts, app/*/port.ts, app/documents-port.ts); adapters implement it and the transports wire them in. app never imports an adapter.',
      severity: 'error',
      from: { path: '^src/app' },
      to: { path: '^src/adapters' },
    },
    {
      name: 'db-below-app',
      severity: 'error',
      from: { path: '^src/db' },
      to: { path: '^src/(app|adapters)' },
    },
    {
      name: 'web-sees-core-and-contracts',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: '^src/(core|contracts)/' },
    },
    {
      name: 'jobs-know-no-followers',
      comment:
        'A job changes in app/jobs/job-store.ts and its followers (webhooks, invoicing) hear of it through deps.reactions (app/reactions.ts): the jobs and scheduling modules import none of them.',
      severity: 'error',
      from: { path: '^src/app/(jobs/|scheduling/)' },
      to: { path: '^src/app/(invoicing|accounting|integrations|reactions)' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
