import { Anchor, AppShell, Button, Group, Text } from '@mantine/core';
import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { useEffect, useRef } from 'react';
import { ROLE_WORDS } from '../../../../src/core/roles';
import { useLive } from '../shared/live';
import { useMe } from '../shared/me';
import { NAV } from './nav';
import { NotificationCentre } from './notifications';
import { useSignOut } from './session';

export const Shell = () => {
  const me = useMe();
  const signOut = useSignOut();
  const allowed = NAV.filter((n) => me.permissions.includes(n.permission));
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const { last } = useLive();
  // On a phone the navigation scrolls sideways: keep the current page's link in view.
  const navRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!pathname) return;
    navRef.current
      ?.querySelector('a[aria-current="page"]')
      ?.scrollIntoView({ inline: 'center', block: 'nearest' });
  }, [pathname]);
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header className="topbar">
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <strong>Closeout</strong>
            <Text size="sm" c="dimmed" visibleFrom="xl">
              {me.organization.name}
            </Text>
          </Group>
          <nav aria-label="Main" className="mainnav" ref={navRef}>
            {allowed.map((n) => (
              <Link key={n.to} to={n.to} activeProps={{ 'aria-current': 'page' }}>
                {n.label}
              </Link>
            ))}
          </nav>
          <Group gap="xs" wrap="nowrap">
            {me.permissions.includes('notifications.read') && <NotificationCentre />}
            {me.permissions.includes('api_keys.manage') && (
              // For integrators, not a daily screen: beside the account, out of the main navigation.
              <Anchor href="/api/docs" size="sm" visibleFrom="xl">
                API docs
              </Anchor>
            )}
            <Text size="sm" visibleFrom="xl">
              {me.user?.name} · {me.roles.map((r) => ROLE_WORDS[r]).join(', ')}
            </Text>
            <Button size="xs" variant="default" onClick={signOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <div className="live-region" aria-live="polite">
          {last ? `Live: ${last.number ?? 'a job'} ${last.action.replaceAll('_', ' ')}` : ''}
        </div>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
};
