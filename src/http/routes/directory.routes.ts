import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../app/auth/api-keys';
import { createUser, updateUser } from '../../app/directory/users';
import type { Deps } from '../../app/ports';
import {
  ApiKey,
  CreateApiKeyBody,
  CreatedApiKey,
  CreateUserBody,
  Organization,
  UpdateUserBody,
  User,
} from '../../contracts/auth';
import {
  CatalogItem,
  Customer,
  CustomerDetail,
  CustomerListQuery,
  JobType,
  TaxCode,
} from '../../contracts/catalog';
import { IdParams, PageQuery, Problem, pageOf } from '../../contracts/common';
import { invalid, notFound } from '../../core/errors';
import { decodeCursor, pairCursor, pageOf as toPage } from '../../core/pagination';
import { actorOf } from '../../core/principal';
import {
  getCustomer,
  getOrganization,
  getUser,
  listCatalogItems,
  listCustomers,
  listJobTypes,
  listTaxCodes,
  listUsers,
} from '../../db/queries/directory';
import { principalOf } from '../auth';
import {
  apiKeyView,
  catalogItemView,
  customerDetailView,
  customerView,
  jobTypeView,
  organizationView,
  taxCodeView,
  userView,
} from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

/** Cursor of an id-ordered list: [lastId]. */
export const afterIdOf = (cursor: string | undefined): string | undefined => {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor);
  const id = key?.[0];
  if (typeof id !== 'string') throw invalid('query.cursor', 'not a cursor from this API');
  return id;
};

export const directoryRoutes = (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const db = deps.database.db;

  app.get(
    '/organization',
    {
      config: { access: 'organization.read' },
      schema: {
        tags: ['organization'],
        summary: 'The caller’s organization',
        response: { 200: Organization, ...errors },
      },
    },
    async (request) => {
      const org = await getOrganization(db, principalOf(request).organizationId);
      if (!org) throw notFound('organization');
      return organizationView(org);
    },
  );

  app.get(
    '/users',
    {
      config: { access: 'users.read' },
      schema: { tags: ['users'], querystring: PageQuery, response: { 200: pageOf(User), ...errors } },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listUsers(db, principalOf(request).organizationId, {
        limit,
        afterId: afterIdOf(cursor),
      });
      const page = toPage(rows, limit, (u) => [u.id]);
      return { items: page.items.map(userView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/users/:id',
    {
      config: { access: 'users.read' },
      schema: { tags: ['users'], params: IdParams, response: { 200: User, ...errors } },
    },
    async (request) => {
      const user = await getUser(db, principalOf(request).organizationId, request.params.id);
      if (!user) throw notFound('user');
      return userView(user);
    },
  );

  app.post(
    '/users',
    {
      config: { access: 'users.manage' },
      schema: { tags: ['users'], body: CreateUserBody, response: { 201: User, 409: Problem, ...errors } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await createUser(deps, principal.organizationId, request.body, actorOf(principal));
      return reply.code(201).send(userView(user));
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['users'],
        summary:
          'Change a user’s name, roles or labor rate, or deactivate them (sessions stop at once; records stay). The organization keeps one active owner',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User, 409: Problem, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return userView(
        await updateUser(deps, principal.organizationId, request.params.id, request.body, actorOf(principal)),
      );
    },
  );

  app.get(
    '/api-keys',
    {
      config: { access: 'api_keys.manage' },
      schema: { tags: ['api-keys'], response: { 200: pageOf(ApiKey), ...errors } },
    },
    async (request) => ({
      items: (await listApiKeys(deps, principalOf(request).organizationId)).map(apiKeyView),
      nextCursor: null,
    }),
  );

  app.post(
    '/api-keys',
    {
      config: { access: 'api_keys.manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key for one role; the key is shown once',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...errors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const created = await createApiKey(deps, {
        organizationId: principal.organizationId,
        role: request.body.role,
        name: request.body.name,
        createdBy: principal,
      });
      return reply.code(201).send({ key: created.key, apiKey: apiKeyView(created.apiKey) });
    },
  );

  app.post(
    '/api-keys/:id/revoke',
    {
      config: { access: 'api_keys.manage' },
      schema: { tags: ['api-keys'], params: IdParams, response: { 200: ApiKey, ...errors } },
    },
    async (request) => apiKeyView(await revokeApiKey(deps, principalOf(request), request.params.id)),
  );

  app.get(
    '/customers',
    {
      config: { access: 'customers.read' },
      schema: {
        tags: ['customers'],
        summary: 'Customers by name; q finds a name, e-mail or phone number in part',
        querystring: CustomerListQuery,
        response: { 200: pageOf(Customer), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, q } = request.query;
      const key = pairCursor(cursor);
      const after = key ? { name: key[0], id: key[1] } : undefined;
      const rows = await listCustomers(db, principalOf(request).organizationId, { limit, after, q });
      const page = toPage(rows, limit, (c) => [c.name, c.id]);
      return { items: page.items.map(customerView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/customers/:id',
    {
      config: { access: 'customers.read' },
      schema: { tags: ['customers'], params: IdParams, response: { 200: CustomerDetail, ...errors } },
    },
    async (request) => {
      const customer = await getCustomer(db, principalOf(request).organizationId, request.params.id);
      if (!customer) throw notFound('customer');
      return customerDetailView(customer);
    },
  );

  app.get(
    '/tax-codes',
    {
      config: { access: 'price_book.read' },
      schema: { tags: ['price-book'], response: { 200: pageOf(TaxCode), ...errors } },
    },
    async (request) => ({
      items: (await listTaxCodes(db, principalOf(request).organizationId)).map(taxCodeView),
      nextCursor: null,
    }),
  );

  app.get(
    '/catalog-items',
    {
      config: { access: 'price_book.read' },
      schema: { tags: ['price-book'], response: { 200: pageOf(CatalogItem), ...errors } },
    },
    async (request) => ({
      items: (await listCatalogItems(db, principalOf(request).organizationId)).map(catalogItemView),
      nextCursor: null,
    }),
  );

  app.get(
    '/job-types',
    {
      config: { access: 'price_book.read' },
      schema: { tags: ['price-book'], response: { 200: pageOf(JobType), ...errors } },
    },
    async (request) => ({
      items: (await listJobTypes(db, principalOf(request).organizationId)).map(jobTypeView),
      nextCursor: null,
    }),
  );
};
