import { createContext, useContext } from 'react';
import type { MeT } from './api';

/** The signed-in person, their organization and permissions: set once by the app, read by any screen. */
export const MeContext = createContext<MeT | null>(null);

export const useMe = (): MeT => {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside the signed-in app');
  return me;
};

/** Whether the signed-in person may do something (the server checks again; this only hides what they cannot). */
export const useCan = () => {
  const me = useMe();
  return (permission: string) => me.permissions.includes(permission);
};
