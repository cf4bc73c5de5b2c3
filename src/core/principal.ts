import type { Role } from './roles';

/** Who is calling: a person through a session, or a machine through an API key. Always inside one organization. */
export type Principal =
  | {
      kind: 'user';
      userId: string;
      organizationId: string;
      roles: Role[];
      sessionTokenHash: string;
      csrfToken: string;
      /** The organization requires a second factor of this person and they have none yet: only setting one up is open. */
      secondFactorSetupNeeded?: boolean;
    }
  | { kind: 'api_key'; apiKeyId: string; organizationId: string; roles: Role[] };

export type Actor = { type: 'user' | 'api_key' | 'system'; id: string | null };

export const actorOf = (p: Principal): Actor =>
  p.kind === 'user' ? { type: 'user', id: p.userId } : { type: 'api_key', id: p.apiKeyId };

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null };
