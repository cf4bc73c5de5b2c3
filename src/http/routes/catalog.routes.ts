import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { saveCatalogItem, saveJobType, saveTaxCode } from '../../app/catalog/price-book';
import { mergeCustomers } from '../../app/customers/customer-merge';
import {
  addSite,
  createCustomer,
  setExternalId,
  updateCustomer,
  updateSite,
} from '../../app/customers/customers';
import type { Deps } from '../../app/ports';
import {
  CatalogItem,
  CatalogItemBody,
  CreateCustomerBody,
  CustomerDetail,
  ExternalIdBody,
  ExternalIdParams,
  JobType,
  JobTypeBody,
  MergeCustomerBody,
  SiteInput,
  SiteParams,
  TaxCode,
  TaxCodeBody,
  UpdateCustomerBody,
} from '../../contracts/catalog';
import { IdParams, Problem } from '../../contracts/common';
import { notFound } from '../../core/errors';
import { actorOf } from '../../core/principal';
import { getCustomer, listCatalogItems, listJobTypes, listTaxCodes } from '../../db/queries/directory';
import { principalOf } from '../auth';
import { catalogItemView, customerDetailView, jobTypeView, taxCodeView } from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** Writes to customers, sites and the price book (reads are in directory.routes). */
export const catalogRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = deps.database.db;
  const customerDetail = async (organizationId: string, id: string) => {
    const c = await getCustomer(db, organizationId, id);
    if (!c) throw notFound('customer');
    return customerDetailView(c);
  };

  app.post(
    '/customers',
    {
      config: { access: 'customers.manage' },
      schema: {
        tags: ['customers'],
        summary:
          'Create a customer; a likely duplicate answers 409 with the candidates unless confirmDuplicate is true',
        body: CreateCustomerBody,
        response: { 201: CustomerDetail, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const id = await createCustomer(deps, p.organizationId, request.body, actorOf(p));
      return reply.code(201).send(await customerDetail(p.organizationId, id));
    },
  );

  app.patch(
    '/customers/:id',
    {
      config: { access: 'customers.manage' },
      schema: {
        tags: ['customers'],
        params: IdParams,
        body: UpdateCustomerBody,
        response: { 200: CustomerDetail, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await updateCustomer(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return customerDetail(p.organizationId, request.params.id);
    },
  );

  app.post(
    '/customers/:id/merge',
    {
      config: { access: 'customers.merge' },
      schema: {
        tags: ['customers'],
        summary:
          'Merge a duplicate into this customer: its sites, jobs, recurring services, invoices, contacts and accounting links move here; the duplicate stays on record, merged',
        params: IdParams,
        body: MergeCustomerBody,
        response: { 200: CustomerDetail, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await mergeCustomers(deps, p.organizationId, request.params.id, request.body.duplicateId, actorOf(p));
      return customerDetail(p.organizationId, request.params.id);
    },
  );

  app.post(
    '/customers/:id/sites',
    {
      config: { access: 'customers.manage' },
      schema: {
        tags: ['customers'],
        params: IdParams,
        body: SiteInput,
        response: { 201: CustomerDetail, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await addSite(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return reply.code(201).send(await customerDetail(p.organizationId, request.params.id));
    },
  );

  app.patch(
    '/customers/:id/sites/:siteId',
    {
      config: { access: 'customers.manage' },
      schema: {
        tags: ['customers'],
        params: SiteParams,
        body: SiteInput.partial(),
        response: { 200: CustomerDetail, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await updateSite(
        deps,
        p.organizationId,
        request.params.id,
        request.params.siteId,
        request.body,
        actorOf(p),
      );
      return customerDetail(p.organizationId, request.params.id);
    },
  );

  app.put(
    '/customers/:id/external-ids/:connector',
    {
      config: { access: 'customers.manage' },
      schema: {
        tags: ['customers'],
        summary:
          'Record the customer’s ID in an accounting system; immutable once set (409 on a different value)',
        params: ExternalIdParams,
        body: ExternalIdBody,
        response: { 200: CustomerDetail, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await setExternalId(
        deps,
        p.organizationId,
        request.params.id,
        request.params.connector,
        request.body.externalId,
        actorOf(p),
      );
      return customerDetail(p.organizationId, request.params.id);
    },
  );

  const find = async <T extends { id: string }>(rows: T[], id: string, what: string) => {
    const row = rows.find((r) => r.id === id);
    if (!row) throw notFound(what);
    return row;
  };

  app.post(
    '/tax-codes',
    {
      config: { access: 'price_book.manage' },
      schema: { tags: ['price-book'], body: TaxCodeBody, response: { 201: TaxCode, ...errors } },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const id = await saveTaxCode(deps, p.organizationId, null, request.body, actorOf(p));
      return reply
        .code(201)
        .send(taxCodeView(await find(await listTaxCodes(db, p.organizationId), id, 'tax code')));
    },
  );

  app.put(
    '/tax-codes/:id',
    {
      config: { access: 'price_book.manage' },
      schema: {
        tags: ['price-book'],
        params: IdParams,
        body: TaxCodeBody,
        response: { 200: TaxCode, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await saveTaxCode(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return taxCodeView(await find(await listTaxCodes(db, p.organizationId), request.params.id, 'tax code'));
    },
  );

  app.post(
    '/catalog-items',
    {
      config: { access: 'price_book.manage' },
      schema: { tags: ['price-book'], body: CatalogItemBody, response: { 201: CatalogItem, ...errors } },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const id = await saveCatalogItem(deps, p.organizationId, null, request.body, actorOf(p));
      return reply
        .code(201)
        .send(catalogItemView(await find(await listCatalogItems(db, p.organizationId), id, 'catalog item')));
    },
  );

  app.put(
    '/catalog-items/:id',
    {
      config: { access: 'price_book.manage' },
      schema: {
        tags: ['price-book'],
        params: IdParams,
        body: CatalogItemBody,
        response: { 200: CatalogItem, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await saveCatalogItem(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return catalogItemView(
        await find(await listCatalogItems(db, p.organizationId), request.params.id, 'catalog item'),
      );
    },
  );

  app.post(
    '/job-types',
    {
      config: { access: 'job_types.manage' },
      schema: {
        tags: ['price-book'],
        summary: 'Create a job type with validated closeout requirements, approval rules and custom fields',
        body: JobTypeBody,
        response: { 201: JobType, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const id = await saveJobType(deps, p.organizationId, null, request.body, actorOf(p));
      return reply
        .code(201)
        .send(jobTypeView(await find(await listJobTypes(db, p.organizationId), id, 'job type')));
    },
  );

  app.put(
    '/job-types/:id',
    {
      config: { access: 'job_types.manage' },
      schema: {
        tags: ['price-book'],
        params: IdParams,
        body: JobTypeBody,
        response: { 200: JobType, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await saveJobType(deps, p.organizationId, request.params.id, request.body, actorOf(p));
      return jobTypeView(await find(await listJobTypes(db, p.organizationId), request.params.id, 'job type'));
    },
  );
};
