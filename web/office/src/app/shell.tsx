import { AppShell, Avatar, Button, Group, Menu, Text } from '@mantine/core';
import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { ROLE_WORDS } from '../../../../src/core/roles';
import { useLive } from '../shared/live';
import { useMe } from '../shared/me';
import { NAV } from './nav';
import { NotificationCentre } from './notifications';
import { OpenOrganization, OrganizationItems } from './organizations';
import { useSignOut } from './session';

/** "Orla Byrne" → "OB": the account button's face. */
const initialsOf = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase())
    .join('');

export const Shell = () => {
  const me = useMe();
  const signOut = useSignOut();
  const allowed = NAV.filter((n) => me.permissions.includes(n.permission));
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const { last } = useLive();
  const [opening, setOpening] = useState(false);
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
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <Button
                  size="xs"
                  variant="default"
                  aria-label={`Account: ${me.user?.name ?? 'signed in'}`}
                  leftSection={
                    <Avatar size={20} radius="xl" color="blue">
                      {initialsOf(me.user?.name ?? '')}
                    </Avatar>
                  }
                >
                  Account
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  {me.user?.name} · {me.roles.map((r) => ROLE_WORDS[r]).join(', ')}
                  <br />
                  {me.organization.name}
                </Menu.Label>
                <Menu.Item component={Link} to="/account">
                  Your account
                </Menu.Item>
                <Menu.Divider />
                <OrganizationItems onOpen={() => setOpening(true)} />
                {me.permissions.includes('api_keys.manage') && (
                  // For integrators, not a daily screen: beside the account, out of the main navigation.
                  <Menu.Item component="a" href="/api/docs">
                    API docs
                  </Menu.Item>
                )}
                <Menu.Item onClick={signOut}>Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
            <OpenOrganization opened={opening} onClose={() => setOpening(false)} />
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
