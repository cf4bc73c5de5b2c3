import { createApiClient } from '../../shared/api-client';

export { ApiError, NetworkError } from '../../shared/api-client';

/** The technician app's client: the same one the office uses, rooted at /api/v1. */
const client = createApiClient('/api/v1');

export const call = client.call;
export const setCsrf = (token: string) => client.setCsrf(token);
