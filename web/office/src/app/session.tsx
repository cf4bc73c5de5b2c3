import { createContext, useContext } from 'react';

/** Signing out is the app's business (it drops the cache and the router); the shell only asks for it. */
export const SignOutContext = createContext<() => void>(() => undefined);
export const useSignOut = () => useContext(SignOutContext);
