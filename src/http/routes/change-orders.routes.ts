import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  approveByLink,
  changeOrderPhoto,
  declineByLink,
  openChangeOrderLink,
} from '../../app/change-orders/answer-change-order';
import { approveInPerson } from '../../app/change-orders/approve-change-order';
import { changeOrderLink, lockBoth } from '../../app/change-orders/change-order-scope';
import { changeOrderOf, changeOrdersOf, changeOrderView } from '../../app/change-orders/change-order-store';
import { declineChangeOrder, withdrawChangeOrder } from '../../app/change-orders/close-change-order';
import { createChangeOrder } from '../../app/change-orders/create-change-order';
import { sendChangeOrder } from '../../app/change-orders/send-change-order';
import { jobNumber } from '../../app/jobs/job-store';
import type { Deps } from '../../app/ports';
import {
  ApproveByLinkBody,
  ApproveInPersonBody,
  ChangeOrder,
  ChangeOrderPhotoParams,
  ChangeOrderReasonBody,
  ChangeOrderTokenParams,
  CreateChangeOrderBody,
  DeclineChangeOrderBody,
  PublicChangeOrder,
  SendChangeOrderBody,
} from '../../contracts/change-orders';
import { IdParams, PhotoSizeQuery, Problem } from '../../contracts/common';
import { notFound } from '../../core/errors';
import { actorOf, type Principal } from '../../core/principal';
import { jobNumberOf } from '../../db/queries/jobs';
import { principalOf } from '../auth';
import { sendPhoto } from '../files';
import { ensureJobVisible } from '../job-access';
import { answererOf, publicLinkRoutes } from '../public-limit';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/**
 * Change orders (#22): amendments to a job's agreed scope, drafted on site or in the office and approved by
 * the customer, in person with a signature or by a link. Technicians act on their own jobs only.
 */
export const changeOrderRoutes = async (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  /** The change order, if the caller may see its job; 404 for another organization's or job's. */
  const visibleOrder = async (p: Principal, id: string) => {
    const order = await changeOrderOf(deps.database, p.organizationId, id);
    await ensureJobVisible(deps, p, order.jobId, 'locked-later');
    return order;
  };

  app.get(
    '/jobs/:id/change-orders',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['change orders'],
        summary: 'A job’s change orders, in their order, with the agreed price before and after each',
        params: IdParams,
        response: { 200: z.object({ items: z.array(ChangeOrder) }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await ensureJobVisible(deps, p, request.params.id);
      const number = await jobNumberOf(deps.database.db, p.organizationId, request.params.id);
      if (number === null) throw notFound('job');
      const rows = await changeOrdersOf(deps.database, p.organizationId, request.params.id);
      return { items: rows.map((r) => changeOrderView(r, jobNumber(number))) };
    },
  );

  app.post(
    '/jobs/:id/change-orders',
    {
      config: { access: 'change_orders.manage' },
      schema: {
        tags: ['change orders'],
        summary: 'A change order as a draft: lines added to or taken off the agreed scope, and why',
        params: IdParams,
        body: CreateChangeOrderBody,
        response: { 201: ChangeOrder, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await ensureJobVisible(deps, p, request.params.id, 'locked-later');
      const { order, job } = await createChangeOrder(
        deps,
        p.organizationId,
        request.params.id,
        request.body,
        actorOf(p),
      );
      return reply.code(201).send(changeOrderView(order, jobNumber(job.number)));
    },
  );

  app.get(
    '/change-orders/:id',
    {
      config: { access: 'jobs.read' },
      schema: {
        tags: ['change orders'],
        summary: 'A change order',
        params: IdParams,
        response: { 200: ChangeOrder, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const order = await visibleOrder(p, request.params.id);
      const number = await jobNumberOf(deps.database.db, p.organizationId, order.jobId);
      if (number === null) throw notFound('change order');
      return changeOrderView(order, jobNumber(number));
    },
  );

  app.post(
    '/change-orders/:id/approve',
    {
      config: { access: 'change_orders.manage' },
      schema: {
        tags: ['change orders'],
        summary: 'The customer approves in person: their name and the signature drawn on this screen',
        params: IdParams,
        body: ApproveInPersonBody,
        response: { 200: ChangeOrder, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await visibleOrder(p, request.params.id);
      const { order, job } = await approveInPerson(
        deps,
        p.organizationId,
        request.params.id,
        request.body,
        answererOf(request),
        actorOf(p),
      );
      return changeOrderView(order, jobNumber(job.number));
    },
  );

  app.post(
    '/change-orders/:id/decline',
    {
      config: { access: 'change_orders.manage' },
      schema: {
        tags: ['change orders'],
        summary: 'The customer declines in person; their reason is recorded',
        params: IdParams,
        body: ChangeOrderReasonBody,
        response: { 200: ChangeOrder, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await visibleOrder(p, request.params.id);
      const { order, job } = await deps.database.transaction(async (tx) => {
        const locked = await lockBoth(tx, p.organizationId, request.params.id);
        const declined = await declineChangeOrder(
          tx,
          deps,
          locked.job,
          locked.order,
          request.body.reason,
          actorOf(p),
        );
        return { order: declined, job: locked.job };
      });
      return changeOrderView(order, jobNumber(job.number));
    },
  );

  app.post(
    '/change-orders/:id/send',
    {
      config: { access: 'change_orders.manage' },
      schema: {
        tags: ['change orders'],
        summary: 'E-mails the customer a link to approve or decline (again, with the same link, when sent)',
        params: IdParams,
        body: SendChangeOrderBody,
        response: { 200: ChangeOrder.extend({ link: z.string() }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await visibleOrder(p, request.params.id);
      const { order, job, link } = await sendChangeOrder(
        deps,
        p.organizationId,
        request.params.id,
        request.body,
        actorOf(p),
      );
      return { ...changeOrderView(order, jobNumber(job.number)), link };
    },
  );

  app.get(
    '/change-orders/:id/link',
    {
      config: { access: 'change_orders.manage' },
      schema: {
        tags: ['change orders'],
        summary: 'The customer’s link, to send another way (null before sending)',
        params: IdParams,
        response: { 200: z.object({ link: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const order = await visibleOrder(p, request.params.id);
      return {
        link: order.linkSealed ? changeOrderLink(deps, deps.secrets.open(order.linkSealed)) : null,
      };
    },
  );

  app.post(
    '/change-orders/:id/withdraw',
    {
      config: { access: 'change_orders.manage' },
      schema: {
        tags: ['change orders'],
        summary: 'Takes a change order back before the customer answered, with the reason',
        params: IdParams,
        body: ChangeOrderReasonBody,
        response: { 200: ChangeOrder, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await visibleOrder(p, request.params.id);
      const { order, job } = await withdrawChangeOrder(
        deps,
        p.organizationId,
        request.params.id,
        request.body.reason,
        actorOf(p),
      );
      return changeOrderView(order, jobNumber(job.number));
    },
  );

  await publicLinkRoutes(app, (pub) => {
    const p = pub.withTypeProvider<ZodTypeProvider>();
    p.get(
      '/public/change-orders/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['change orders'],
          summary: 'The customer’s page of a change order; the first opening marks it viewed',
          params: ChangeOrderTokenParams,
          response: { 200: PublicChangeOrder, ...errors, 429: Problem },
        },
      },
      async (request) => openChangeOrderLink(deps, request.params.token, answererOf(request)),
    );
    p.get(
      '/public/change-orders/:token/photos/:n',
      {
        config: { access: 'public' },
        schema: {
          tags: ['change orders'],
          summary: 'A photo the change order shows the customer (n from 1): small (320 px) or as taken',
          params: ChangeOrderPhotoParams,
          querystring: PhotoSizeQuery,
        },
      },
      async (request, reply) => {
        const photo = await changeOrderPhoto(
          deps,
          request.params.token,
          request.params.n,
          request.query.size,
        );
        return sendPhoto(reply, photo);
      },
    );
    p.post(
      '/public/change-orders/:token/approve',
      {
        config: { access: 'public' },
        schema: {
          tags: ['change orders'],
          summary: 'The customer approves, with their name and drawn signature',
          params: ChangeOrderTokenParams,
          body: ApproveByLinkBody,
          response: { 200: PublicChangeOrder, ...errors, 429: Problem },
        },
      },
      async (request) => approveByLink(deps, request.params.token, request.body, answererOf(request)),
    );
    p.post(
      '/public/change-orders/:token/decline',
      {
        config: { access: 'public' },
        schema: {
          tags: ['change orders'],
          summary: 'The customer declines, with a reason',
          params: ChangeOrderTokenParams,
          body: DeclineChangeOrderBody,
          response: { 200: PublicChangeOrder, ...errors, 429: Problem },
        },
      },
      async (request) => declineByLink(deps, request.params.token, request.body, answererOf(request)),
    );
  });
};
