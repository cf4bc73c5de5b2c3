import { invalidAll } from '../../core/errors';
import type { Deps } from '../ports';

/** 400 naming each typed URL that points at a private or reserved target (Deps.outbound decides). */
export const refusePrivateTargets = async (
  deps: Pick<Deps, 'outbound'>,
  urls: Record<string, string | undefined>,
) => {
  const problems: { field: string; message: string }[] = [];
  for (const [field, url] of Object.entries(urls)) {
    if (url === undefined) continue;
    const problem = await deps.outbound.targetProblem(url);
    if (problem) problems.push({ field, message: problem });
  }
  if (problems.length > 0) throw invalidAll(problems);
};
