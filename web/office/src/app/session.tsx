import { createContext, useContext } from 'react';
import type { MeT } from '../shared/api';

/** Signing out is the app's business (it drops the cache and the router); the shell only asks for it. */
export const SignOutContext = createContext<() => void>(() => undefined);
export const useSignOut = () => useContext(SignOutContext);

/**
 * The session moved to another organization (switched, joined, opened): the app starts again there, at
 * `hash`, with a new cache and router, so nothing of the last organization's screens stays on show.
 */
export const MoveSessionContext = createContext<(me: MeT, hash: string) => void>(() => undefined);
export const useMoveSession = () => useContext(MoveSessionContext);
