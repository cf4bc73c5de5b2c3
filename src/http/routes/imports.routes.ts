import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  checkImport,
  getImport,
  type ImportBatchRow,
  importRowsOf,
  listImports,
  startImport,
  startUndo,
  uploadImport,
} from '../../app/imports/batches';
import { IMPORT_LIMITS } from '../../app/imports/read-file';
import type { Deps } from '../../app/ports';
import { IdParams, Problem } from '../../contracts/common';
import {
  CheckImportBody,
  fieldsOfKind,
  ImportBatch,
  ImportRowsPage,
  ImportRowsQuery,
} from '../../contracts/imports';
import { IMPORT_KINDS } from '../../core/imports';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';
import { UPLOAD_ERRORS, uploadedFile } from '../uploads';

const errors = UPLOAD_ERRORS;

export const importView = (b: ImportBatchRow): z.infer<typeof ImportBatch> => ({
  id: b.id,
  kind: b.kind,
  fileName: b.fileName,
  format: b.format,
  encoding: b.encoding,
  sizeBytes: b.sizeBytes,
  columns: b.columns,
  sample: b.sample,
  preset: (b.preset as z.infer<typeof ImportBatch>['preset']) ?? null,
  mapping: b.mapping,
  fields: fieldsOfKind(b.kind),
  status: b.status,
  totalRows: b.totalRows,
  doneRows: b.doneRows,
  summary: b.summary,
  failure: b.failure,
  createdAt: b.createdAt.toISOString(),
  checkedAt: b.checkedAt?.toISOString() ?? null,
  importedAt: b.importedAt?.toISOString() ?? null,
  undoneAt: b.undoneAt?.toISOString() ?? null,
});

const Kind = z.enum(IMPORT_KINDS);

/** Importing customers and the price book from the tool a business leaves (#25): upload, dry run, import, undo. */
export const importRoutes = async (root: FastifyInstance, deps: Deps) => {
  await root.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      limits: { fileSize: IMPORT_LIMITS.csvBytes, files: 1, fields: 3, parts: 4, fieldSize: 100 },
      throwFileSizeLimit: true,
    });
    const app = scope.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/imports',
      {
        config: { access: 'imports.manage' },
        schema: {
          tags: ['imports'],
          summary:
            'Upload a CSV or XLSX file to import as multipart/form-data: a "kind" field (customers, price_book, jobs) and then one "file". Its header is read and the columns are guessed (the exports of Jobber, Housecall Pro, QuickBooks Online and Xero are recognized); nothing is imported until it is checked and run',
          consumes: ['multipart/form-data'],
          response: { 201: ImportBatch, ...errors },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        const { file, value: kind } = await uploadedFile(request, {
          name: 'kind',
          schema: Kind,
          allowed: IMPORT_KINDS,
        });
        const bytes = await file.toBuffer();
        const batch = await uploadImport(
          deps,
          p.organizationId,
          { kind, fileName: file.filename || 'import.csv', bytes },
          actorOf(p),
        );
        return reply.code(201).send(importView(batch));
      },
    );
  });

  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/imports',
    {
      config: { access: 'imports.manage' },
      schema: {
        tags: ['imports'],
        summary: 'The organization’s imports, newest first',
        response: { 200: z.object({ items: z.array(ImportBatch) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { items: (await listImports(deps, p.organizationId)).map(importView) };
    },
  );

  app.get(
    '/imports/:id',
    {
      config: { access: 'imports.manage' },
      schema: {
        tags: ['imports'],
        summary: 'One import: its columns, mapping, status, progress and counts',
        params: IdParams,
        response: { 200: ImportBatch, ...errors },
      },
    },
    async (request) =>
      importView(await getImport(deps, principalOf(request).organizationId, request.params.id)),
  );

  app.get(
    '/imports/:id/rows',
    {
      config: { access: 'imports.manage' },
      schema: {
        tags: ['imports'],
        summary: 'The dry run’s report, row by row: what each row would do, or why it cannot be imported',
        params: IdParams,
        querystring: ImportRowsQuery,
        response: { 200: ImportRowsPage, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { rows, total } = await importRowsOf(deps, p.organizationId, request.params.id, request.query);
      return {
        total,
        rows: rows.map((r) => ({
          line: r.line,
          label: r.label,
          action: r.action,
          problems: r.problems,
          matchId: r.matchId,
          matchLabel: r.matchLabel,
          done: r.done,
          recordId: r.recordId,
        })),
      };
    },
  );

  app.post(
    '/imports/:id/check',
    {
      config: { access: 'imports.manage' },
      schema: {
        tags: ['imports'],
        summary:
          'Set the columns to read (or a tool’s preset) and run the dry run in the background: every row checked, nothing imported',
        params: IdParams,
        body: CheckImportBody,
        response: { 202: ImportBatch, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const batch = await checkImport(
        deps,
        p.organizationId,
        request.params.id,
        request.body ?? {},
        actorOf(p),
      );
      return reply.code(202).send(importView(batch));
    },
  );

  app.post(
    '/imports/:id/run',
    {
      config: { access: 'imports.manage' },
      schema: {
        tags: ['imports'],
        summary:
          'Import a checked file in the background (or resume one that stopped): new rows are created, changed ones updated, the rest skipped',
        params: IdParams,
        response: { 202: ImportBatch, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply
        .code(202)
        .send(importView(await startImport(deps, p.organizationId, request.params.id, actorOf(p))));
    },
  );

  app.post(
    '/imports/:id/undo',
    {
      config: { access: 'imports.manage' },
      schema: {
        tags: ['imports'],
        summary:
          'Undo an import as a batch: what it created is removed and what it changed restored, except records used or changed since',
        params: IdParams,
        response: { 202: ImportBatch, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply
        .code(202)
        .send(importView(await startUndo(deps, p.organizationId, request.params.id, actorOf(p))));
    },
  );
};
