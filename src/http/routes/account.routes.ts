import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  changePassword,
  completePasswordReset,
  endMySessions,
  listMySessions,
  listSignIns,
  requestPasswordReset,
  setSecondFactorRequired,
} from '../../app/auth/account';
import {
  confirmSecondFactor,
  disableSecondFactor,
  renewRecoveryCodes,
  resetMemberSecondFactor,
  secondFactorStatus,
  startSecondFactorSetup,
} from '../../app/auth/two-factor';
import type { Deps } from '../../app/ports';
import {
  ChangePasswordBody,
  CodeBody,
  MySession,
  Organization,
  PasswordBody,
  PasswordResetCompleteBody,
  PasswordResetRequestBody,
  RecoveryCodes,
  SecondFactorSetup,
  SecondFactorStatus,
  SecuritySettingsBody,
  SignIn,
} from '../../contracts/auth';
import { IdParams, PageQuery, Problem, pageOf } from '../../contracts/common';
import { invalid } from '../../core/errors';
import { pairCursor, pageOf as toPage } from '../../core/pagination';
import { actorOf } from '../../core/principal';
import { principalOf } from '../auth';
import { publicLinkRoutes } from '../public-limit';
import { organizationView } from '../views';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const SignInPageQuery = PageQuery.extend({ cursor: z.string().max(100).optional() });

/** The page's start: after the last row shown, by (time, attempt number), from the list's opaque cursor. */
const signInCursor = (cursor: string | undefined) => {
  const key = pairCursor(cursor, (at) => !Number.isNaN(new Date(at).getTime()));
  if (!key) return undefined;
  if (!/^\d{1,18}$/.test(key[1])) throw invalid('query.cursor', 'not a cursor from this API');
  return { at: new Date(key[0]), id: Number(key[1]) };
};

/**
 * A person's own account (password, second factor, sessions), "forgot password" for those signed out, and
 * the owner's view of the organization's sign-ins and its second-factor rule.
 */
export const accountRoutes = async (root: FastifyInstance, deps: Deps) => {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/me/password',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Change your password with the current one; your other sessions end, this one stays',
        body: ChangePasswordBody,
        response: { 200: z.object({ otherSessionsEnded: z.number().int() }), ...errors },
      },
    },
    async (request) => changePassword(deps, principalOf(request), request.body),
  );

  app.get(
    '/me/sessions',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Where you are signed in: your open sessions, this one first',
        response: { 200: z.object({ items: z.array(MySession) }), ...errors },
      },
    },
    async (request) => ({
      items: (await listMySessions(deps, principalOf(request))).map((s) => ({
        ...s,
        createdAt: s.createdAt.toISOString(),
        lastSeenAt: s.lastSeenAt.toISOString(),
      })),
    }),
  );

  app.delete(
    '/me/sessions/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Sign out one of your sessions (a lost phone, a shared computer)',
        params: IdParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await endMySessions(deps, principalOf(request), { id: request.params.id });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/sessions/sign-out-others',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Sign out everywhere else: every session but this one ends',
        response: { 200: z.object({ ended: z.number().int() }), ...errors },
      },
    },
    async (request) => endMySessions(deps, principalOf(request), 'others'),
  );

  app.get(
    '/me/two-factor',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Whether you sign in with a second factor, and how many recovery codes are left',
        response: { 200: SecondFactorStatus, ...errors },
      },
    },
    async (request) => {
      const s = await secondFactorStatus(deps, principalOf(request));
      return { ...s, enabledAt: s.enabledAt?.toISOString() ?? null };
    },
  );

  app.post(
    '/me/two-factor/setup',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary:
          'Start setting up an authenticator app: a new secret and its QR code (nothing changes until confirmed)',
        response: { 200: SecondFactorSetup, ...errors },
      },
    },
    async (request) => startSecondFactorSetup(deps, principalOf(request)),
  );

  app.post(
    '/me/two-factor/confirm',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Confirm the app with a code from it; answers the recovery codes, shown this once',
        body: CodeBody,
        response: { 200: RecoveryCodes, ...errors },
      },
    },
    async (request) => confirmSecondFactor(deps, principalOf(request), request.body.code),
  );

  app.post(
    '/me/two-factor/disable',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary:
          'Turn the second factor off with your password (refused where your organization requires it)',
        body: PasswordBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await disableSecondFactor(deps, principalOf(request), request.body.password);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/two-factor/recovery-codes',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'New recovery codes with your password; the old ones stop working',
        body: PasswordBody,
        response: { 200: RecoveryCodes, ...errors },
      },
    },
    async (request) => renewRecoveryCodes(deps, principalOf(request), request.body.password),
  );

  app.delete(
    '/users/:id/two-factor',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['users'],
        summary:
          'Turn off a member’s second factor (a lost phone); they set it up again when they next sign in, if required',
        params: IdParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await resetMemberSecondFactor(deps, p.organizationId, request.params.id, actorOf(p));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/sign-ins',
    {
      config: { access: 'users.manage' },
      schema: {
        tags: ['users'],
        summary:
          'Sign-ins to the organization’s accounts, newest first: who, when, from where, and the outcome',
        querystring: SignInPageQuery,
        response: { 200: pageOf(SignIn), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await listSignIns(deps, principalOf(request).organizationId, {
        limit,
        before: signInCursor(cursor),
      });
      const page = toPage(rows, limit, (r) => [r.at.toISOString(), String(r.id)]);
      return {
        items: page.items.map((r) => ({
          id: String(r.id),
          at: r.at.toISOString(),
          userId: r.userId,
          name: r.name,
          ip: r.ip,
          deviceWords: r.deviceWords,
          outcome: r.outcome,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.put(
    '/organization/security',
    {
      config: { access: 'organization.manage' },
      schema: {
        tags: ['organization'],
        summary:
          'Require a second factor of owners and billing (you need one yourself first); those without one set it up at their next request',
        body: SecuritySettingsBody,
        response: { 200: Organization, ...errors },
      },
    },
    async (request) =>
      organizationView(
        await setSecondFactorRequired(deps, principalOf(request), request.body.twoFactorRequired),
      ),
  );

  // Signed out: limited per address like the customer's links, on top of the per-account limits inside.
  await publicLinkRoutes(app, (pub) => {
    const p = pub.withTypeProvider<ZodTypeProvider>();
    p.post(
      '/auth/password-reset',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary:
            'Forgot password: a single-use link goes by e-mail if the address has an account (the same answer either way)',
          body: PasswordResetRequestBody,
          response: { 202: z.object({ message: z.string() }), ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        await requestPasswordReset(deps, { email: request.body.email, ip: request.ip });
        return reply.code(202).send({
          message:
            'If this address has an account, an e-mail with a link to choose a new password is on its way.',
        });
      },
    );
    p.post(
      '/auth/password-reset/complete',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Choose a new password with the link’s token; every session of the account ends',
          body: PasswordResetCompleteBody,
          response: { 204: z.null(), ...errors, 429: Problem },
        },
      },
      async (request, reply) => {
        await completePasswordReset(deps, request.body);
        return reply.code(204).send(null);
      },
    );
  });
};
