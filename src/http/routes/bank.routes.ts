import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listBankEntries, listBankStatements } from '../../app/collections/bank-entries';
import { csvMappingsOf, csvPreviewFor, importBankFile } from '../../app/collections/bank-import';
import {
  applyBankEntry,
  ignoreBankEntry,
  matchBankEntries,
  undoBankEntry,
} from '../../app/collections/bank-matching';
import type { Deps } from '../../app/ports';
import {
  ApplyBankEntryBody,
  BankEntriesQuery,
  BankEntry,
  BankEntryReasonBody,
  BankImportBody,
  BankImportResult,
  BankStatement,
  CsvPreview,
  CsvPreviewBody,
  SavedCsvMapping,
} from '../../contracts/bank';
import { IdParams, Problem } from '../../contracts/common';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** Bank reconciliation (#24): import statements, the review queue, apply and undo. */
export const bankRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  const entryById = async (organizationId: string, id: string) => {
    const [hit] = await listBankEntries(deps, organizationId, { status: 'all', limit: 1 }, [id]);
    if (!hit) throw new Error('bank entry vanished after its change');
    return hit;
  };

  app.post(
    '/bank/imports',
    {
      bodyLimit: 6_000_000,
      config: { access: 'payments.record' },
      schema: {
        tags: ['bank'],
        summary:
          'Import a bank file (CAMT.053, CAMT.054, or CSV with a column mapping); credits are matched to open invoices, the sure ones applied',
        body: BankImportBody,
        response: { 200: BankImportResult, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const r = await importBankFile(deps, p.organizationId, request.body, actorOf(p));
      const statements = await listBankStatements(deps, p.organizationId, r.statementIds);
      return {
        statements,
        added: r.added.length,
        duplicates: r.duplicates,
        applied: r.applied,
        payouts: r.payouts,
        toReview: statements.reduce((s, x) => s + x.toReview - x.unmatched, 0),
        matching: r.background,
      };
    },
  );

  app.post(
    '/bank/csv-preview',
    {
      bodyLimit: 6_000_000,
      config: { access: 'payments.record' },
      schema: {
        tags: ['bank'],
        summary: 'The first lines of a CSV bank export and a guess at its column mapping',
        body: CsvPreviewBody,
        response: { 200: CsvPreview, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return csvPreviewFor(deps, p.organizationId, request.body.content);
    },
  );

  app.get(
    '/bank/csv-mappings',
    {
      config: { access: 'payments.record' },
      schema: {
        tags: ['bank'],
        summary: 'The CSV column mappings saved, by bank',
        response: { 200: z.object({ items: z.array(SavedCsvMapping) }), ...errors },
      },
    },
    async (request) => ({ items: await csvMappingsOf(deps, principalOf(request).organizationId) }),
  );

  app.get(
    '/bank/statements',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['bank'],
        summary: 'Bank files imported, newest first, with how many entries are settled and how many wait',
        response: { 200: z.object({ items: z.array(BankStatement) }), ...errors },
      },
    },
    async (request) => ({ items: await listBankStatements(deps, principalOf(request).organizationId) }),
  );

  app.get(
    '/bank/entries',
    {
      config: { access: 'invoices.read' },
      schema: {
        tags: ['bank'],
        summary:
          'Bank entries by status: the review queue (with suggested matches) by default, applied, customer credit, set aside, or money out',
        querystring: BankEntriesQuery,
        response: { 200: z.object({ items: z.array(BankEntry) }), ...errors },
      },
    },
    async (request) => ({
      items: await listBankEntries(deps, principalOf(request).organizationId, request.query),
    }),
  );

  app.post(
    '/bank/match',
    {
      config: { access: 'payments.record' },
      schema: {
        tags: ['bank'],
        summary: 'Match the review queue again (after new invoices were issued, or payers learned)',
        response: { 200: z.object({ applied: z.number().int(), toReview: z.number().int() }), ...errors },
      },
    },
    async (request) => matchBankEntries(deps, principalOf(request).organizationId, 'all'),
  );

  app.post(
    '/bank/entries/:id/apply',
    {
      config: { access: 'payments.record' },
      schema: {
        tags: ['bank'],
        summary:
          'Apply an entry: one of its suggestions, or the invoices chosen; what is left is the payer’s credit',
        params: IdParams,
        body: ApplyBankEntryBody,
        response: { 200: BankEntry, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await applyBankEntry(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return entryById(p.organizationId, request.params.id);
    },
  );

  app.post(
    '/bank/entries/:id/undo',
    {
      config: { access: 'payments.record' },
      schema: {
        tags: ['bank'],
        summary:
          'Undo an entry’s match (its payments are taken back, at the accounting provider too) or bring back one set aside',
        params: IdParams,
        body: BankEntryReasonBody,
        response: { 200: BankEntry, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await undoBankEntry(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return entryById(p.organizationId, request.params.id);
    },
  );

  app.post(
    '/bank/entries/:id/ignore',
    {
      config: { access: 'payments.record' },
      schema: {
        tags: ['bank'],
        summary: 'Set aside an entry that is not a customer’s payment, with why',
        params: IdParams,
        body: BankEntryReasonBody,
        response: { 200: BankEntry, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ignoreBankEntry(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return entryById(p.organizationId, request.params.id);
    },
  );
};
