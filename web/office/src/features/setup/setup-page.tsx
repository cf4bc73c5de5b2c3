import {
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Stepper,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { Link } from '@tanstack/react-router';
import { type ReactNode, useMemo, useState } from 'react';
import type { z } from 'zod';
import { BusinessDetailsBody, type SetupChecklist } from '../../../../../src/contracts/auth';
import { BillingSettingsBody } from '../../../../../src/contracts/billing';
import { LANGUAGE_NAMES, LANGUAGES, type Language } from '../../../../../src/core/i18n';
import { TRADE_WORDS, TRADES, type Trade } from '../../../../../src/core/job-type-templates';
import { SETUP_STEP_WORDS, SETUP_STEPS, type SetupStep } from '../../../../../src/core/setup';
import { api, type MeT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { orNull, useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';
import { zoneOptions } from '../../shared/time-zones';
import { Branding } from '../settings/branding';
import { Invitations } from '../settings/invitations';

type ChecklistT = z.infer<typeof SetupChecklist>;
type OrgT = MeT['organization'];

const STATUS_BADGE: Record<ChecklistT['steps'][number]['status'], { label: string; color: string }> = {
  done: { label: 'Done', color: 'green' },
  skipped: { label: 'Skipped', color: 'gray' },
  todo: { label: 'To do', color: 'blue' },
};

const recordStep = (step: SetupStep, status: 'done' | 'skipped') =>
  api<ChecklistT>('PUT', '/api/v1/organization/setup', { step, status });

export const useSetupChecklist = () =>
  useApi(['organization', 'setup'], () => api<ChecklistT>('GET', '/api/v1/organization/setup'));

/**
 * The home page's "Finish setting up" card: each wizard step and where it stands, until every step is done.
 * A skipped step stays listed, so nothing the business needs is forgotten.
 */
export const SetupChecklistCard = () => {
  const checklist = useSetupChecklist();
  const list = checklist.data;
  if (!list || list.steps.every((s) => s.status === 'done')) return null;
  const left = list.steps.filter((s) => s.status !== 'done').length;
  return (
    <Card withBorder component="section" aria-label="Finish setting up">
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={2} size="h4">
            Finish setting up
          </Title>
          <Text size="sm" c="dimmed">
            {left === 1 ? 'One step left' : `${left} steps left`}
          </Text>
        </Group>
        <Group gap="xs">
          {list.steps.map((s) => (
            <Badge key={s.step} color={STATUS_BADGE[s.status].color} variant="light">
              {SETUP_STEP_WORDS[s.step]}: {STATUS_BADGE[s.status].label.toLowerCase()}
            </Badge>
          ))}
        </Group>
        <Group>
          <Button component={Link} to="/setup" size="xs">
            Continue setting up
          </Button>
          <Button component={Link} to="/import" size="xs" variant="default">
            Import customers and prices
          </Button>
        </Group>
      </Stack>
    </Card>
  );
};

/** One step's frame: what it is for, its content, and "skip for now" beside its own action. */
const StepFrame = ({
  intro,
  children,
  onSkip,
}: {
  intro: string;
  children: ReactNode;
  onSkip: () => void;
}) => (
  <Stack gap="md" maw={640}>
    <Text>{intro}</Text>
    {children}
    <Group>
      <Button variant="subtle" onClick={onSkip}>
        Skip for now
      </Button>
    </Group>
  </Stack>
);

const BusinessBody = BusinessDetailsBody.extend(
  BillingSettingsBody.pick({ address: true, vatId: true, companyId: true, peppolEndpoint: true }).shape,
);
type BusinessValues = {
  name: string;
  legalName: string;
  timeZone: string;
  language: string;
  replyToEmail: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  vatId: string;
  companyId: string;
  peppolEndpoint: string;
};

const BusinessStep = ({ org, onDone }: { org: OrgT; onDone: () => void }) => {
  const zones = useMemo(() => zoneOptions(org.timeZone), [org.timeZone]);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: BusinessBody,
    initialValues: {
      name: org.name,
      legalName: org.legalName,
      timeZone: org.timeZone,
      language: org.language,
      replyToEmail: org.replyToEmail ?? '',
      line1: org.address?.line1 ?? '',
      line2: org.address?.line2 ?? '',
      city: org.address?.city ?? '',
      postalCode: org.address?.postalCode ?? '',
      vatId: org.vatId ?? '',
      companyId: org.companyId ?? '',
      peppolEndpoint: org.peppolEndpoint ?? '',
    } satisfies BusinessValues as BusinessValues,
    toBody: (v: BusinessValues) => ({
      name: v.name,
      legalName: v.legalName,
      timeZone: v.timeZone,
      language: v.language as Language,
      replyToEmail: orNull(v.replyToEmail.trim()),
      address: {
        line1: v.line1,
        ...(v.line2.trim() ? { line2: v.line2 } : {}),
        city: v.city,
        postalCode: v.postalCode,
        country: org.country,
      },
      vatId: orNull(v.vatId.replace(/\s+/g, '').toUpperCase()),
      companyId: orNull(v.companyId),
      peppolEndpoint: orNull(v.peppolEndpoint),
    }),
    fields: {
      'address.line1': 'line1',
      'address.line2': 'line2',
      'address.city': 'city',
      'address.postalCode': 'postalCode',
    },
  });
  return (
    <form
      noValidate
      aria-label="Business details"
      onSubmit={submit(async (body) => {
        const { name, legalName, timeZone, language, replyToEmail, ...seller } = body;
        await api('PATCH', '/api/v1/organization/details', {
          name,
          legalName,
          timeZone,
          language,
          replyToEmail,
        });
        await api('PATCH', '/api/v1/organization/billing', seller);
        await recordStep('business', 'done');
        onDone();
      })}
    >
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Trading name" {...form.getInputProps('name')} />
          <TextInput
            label="Legal name"
            description="As registered, printed on invoices"
            {...form.getInputProps('legalName')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Time zone"
            searchable
            data={zones}
            allowDeselect={false}
            {...form.getInputProps('timeZone')}
          />
          <Select
            label="Your customers’ documents in"
            description="Invoices are printed in this language; a customer can have their own"
            data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
            allowDeselect={false}
            {...form.getInputProps('language')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Replies from customers go to"
            description="Confirmations, invoices and reminders say “reply to this e-mail”"
            type="email"
            {...form.getInputProps('replyToEmail')}
          />
        </SimpleGrid>
        <TextInput label="Address" autoComplete="address-line1" {...form.getInputProps('line1')} />
        <TextInput
          label="Address, second line"
          autoComplete="address-line2"
          {...form.getInputProps('line2')}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Town or city" autoComplete="address-level2" {...form.getInputProps('city')} />
          <TextInput label="Postcode" autoComplete="postal-code" {...form.getInputProps('postalCode')} />
        </SimpleGrid>
        {org.taxScheme === 'vat' && (
          <TextInput
            label="VAT number"
            description="With the country prefix, e.g. IE6388047V"
            {...form.getInputProps('vatId')}
          />
        )}
        <TextInput label="Company registration number" {...form.getInputProps('companyId')} />
        <TextInput
          label="Peppol ID"
          description="If your customers receive e-invoices: scheme and number, e.g. 0088:5391234567892"
          {...form.getInputProps('peppolEndpoint')}
        />
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            Save and continue
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

type TaxCodeRow = { id: string; code: string; name: string; rate: string; active?: boolean };

const TaxStep = ({ org, onDone }: { org: OrgT; onDone: () => void }) => {
  const codes = useApi(['catalog', 'tax-codes'], () =>
    api<{ items: TaxCodeRow[] }>('GET', '/api/v1/tax-codes'),
  );
  return (
    <Stack gap="sm">
      <Loaded resource={codes} what="the tax rates">
        {(c) => (
          <Table aria-label="Tax rates" maw={480}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Rate</Table.Th>
                <Table.Th ta="right">Percent</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {c.items.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td ta="right">
                    {org.taxScheme === 'us_sales_tax'
                      ? 'by jurisdiction'
                      : `${Number(t.rate).toLocaleString()} %`}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
      <Text size="sm" c="dimmed">
        Change a rate or add one under{' '}
        <Anchor href="#/settings?tab=price-book">Settings, Price book and tax</Anchor>.
      </Text>
      <ContinueButton step="tax" onDone={onDone} label="The rates are right" />
    </Stack>
  );
};

const TradeStep = ({ onDone }: { onDone: () => void }) => {
  const [trades, setTrades] = useState<string[]>([]);
  const install = useSubmit();
  const invalidate = useInvalidate();
  return (
    <Stack gap="sm">
      <Checkbox.Group label="What does your business do?" value={trades} onChange={setTrades}>
        <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
          {TRADES.map((t) => (
            <Checkbox key={t} value={t} label={TRADE_WORDS[t]} />
          ))}
        </SimpleGrid>
      </Checkbox.Group>
      {install.feedback}
      <Group>
        <Button
          disabled={trades.length === 0}
          loading={install.busy}
          onClick={() =>
            void install.run(async () => {
              const res = await api<{ jobTypes: number; priceBookItems: number }>(
                'POST',
                '/api/v1/organization/trades',
                { trades: trades as Trade[] },
              );
              invalidate('catalog');
              onDone();
              return `Added ${res.jobTypes} job types and ${res.priceBookItems} price-book items`;
            })
          }
        >
          Add job types and prices
        </Button>
      </Group>
    </Stack>
  );
};

const InvoicingBody = BillingSettingsBody.pick({ paymentTermsDays: true, iban: true });
type InvoicingValues = { paymentTermsDays: number | string; iban: string };

const InvoicingStep = ({ org, onDone }: { org: OrgT; onDone: () => void }) => {
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: InvoicingBody,
    initialValues: {
      paymentTermsDays: org.paymentTermsDays,
      iban: org.iban ?? '',
    } satisfies InvoicingValues as InvoicingValues,
    toBody: (v: InvoicingValues) => ({
      paymentTermsDays: v.paymentTermsDays === '' ? undefined : Number(v.paymentTermsDays),
      iban: orNull(v.iban.replace(/\s+/g, ' ').toUpperCase()),
    }),
  });
  const year = new Date().getFullYear();
  return (
    <form
      noValidate
      aria-label="Invoicing and payment"
      onSubmit={submit(async (body) => {
        await api('PATCH', '/api/v1/organization/billing', body);
        await recordStep('invoicing', 'done');
        onDone();
      })}
    >
      <Stack gap="sm" maw={480}>
        <Text size="sm">
          Invoices are numbered <strong>INV-{year}-00001</strong> on, credit notes{' '}
          <strong>CN-{year}-00001</strong>: without gaps, never reused.
        </Text>
        <NumberInput
          label="Payment terms (days)"
          description="0 means due on receipt"
          min={0}
          max={365}
          {...form.getInputProps('paymentTermsDays')}
        />
        <TextInput
          label="IBAN"
          description="Printed on invoices, for customers who pay by bank transfer"
          {...form.getInputProps('iban')}
        />
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            Save and continue
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/** A step whose content saves itself (logo, invitations, connectors): the owner says when it is done. */
const ContinueButton = ({ step, onDone, label }: { step: SetupStep; onDone: () => void; label: string }) => {
  const go = useSubmit();
  return (
    <>
      {go.feedback}
      <Group>
        <Button
          loading={go.busy}
          onClick={() =>
            void go.run(async () => {
              await recordStep(step, 'done');
              onDone();
              return '';
            })
          }
        >
          {label}
        </Button>
      </Group>
    </>
  );
};

const INTRO: Record<SetupStep, string> = {
  business: 'Who you are on your invoices: your names, address and tax numbers.',
  tax: 'These are the rates your country starts with. Check them with your accountant.',
  trade:
    'Pick your trades: Closeout adds their job types, the proof each job needs before it is billed, the approvals for exceptions, and starter prices you can change.',
  invoicing: 'How you get paid: payment terms, and where customers send bank transfers.',
  branding: 'Your logo and colour on invoices, quotes and work reports.',
  team: 'Invite your office staff and technicians. Each chooses their own password.',
  accounting: 'Connect Xero or QuickBooks, and every invoice and payment reaches your books by itself.',
};

/**
 * The setup wizard: one step at a time, each saved as it is finished, each skippable. Opened right after
 * sign-up, and again from the home page's checklist until every step is done.
 */
export const SetupPage = () => {
  const org = useApi(['organization'], () => api<OrgT>('GET', '/api/v1/organization'));
  const checklist = useSetupChecklist();
  const invalidate = useInvalidate();
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const [active, setActive] = useState<number | null>(null);
  // Back in the wizard: the first step to do, else the first one skipped, else the end.
  const steps = checklist.data?.steps ?? [];
  const todo = steps.findIndex((s) => s.status === 'todo');
  const skipped = steps.findIndex((s) => s.status === 'skipped');
  const firstOpen = todo >= 0 ? todo : skipped >= 0 ? skipped : steps.length > 0 ? SETUP_STEPS.length : 0;
  const current = active ?? firstOpen;
  const step = SETUP_STEPS[current];
  const next = () => {
    invalidate('organization');
    setActive(Math.min(current + 1, SETUP_STEPS.length));
  };
  const skip = (s: SetupStep) => () => void recordStep(s, 'skipped').then(next);
  const statusOf = (s: SetupStep) => checklist.data?.steps.find((x) => x.step === s)?.status ?? 'todo';
  return (
    <Stack>
      <Title order={1}>Set up {org.data?.name ?? 'your business'}</Title>
      <Loaded resource={org} what="the organization">
        {(o) => (
          <Stepper
            active={current}
            onStepClick={setActive}
            orientation={phone ? 'vertical' : 'horizontal'}
            size="sm"
            allowNextStepsSelect
          >
            {SETUP_STEPS.map((s) => (
              <Stepper.Step
                key={s}
                label={SETUP_STEP_WORDS[s]}
                description={statusOf(s) === 'todo' ? undefined : STATUS_BADGE[statusOf(s)].label}
                completedIcon={statusOf(s) === 'skipped' ? '–' : undefined}
              >
                {step === s && (
                  <StepFrame intro={INTRO[s]} onSkip={skip(s)}>
                    {s === 'business' && <BusinessStep org={o} onDone={next} />}
                    {s === 'tax' && <TaxStep org={o} onDone={next} />}
                    {s === 'trade' && <TradeStep onDone={next} />}
                    {s === 'invoicing' && <InvoicingStep org={o} onDone={next} />}
                    {s === 'branding' && (
                      <>
                        <Branding org={o} />
                        <ContinueButton step="branding" onDone={next} label="Continue" />
                      </>
                    )}
                    {s === 'team' && (
                      <>
                        <Invitations />
                        <ContinueButton step="team" onDone={next} label="Continue" />
                      </>
                    )}
                    {s === 'accounting' && (
                      <>
                        <Text size="sm">
                          Connecting takes you to Xero or QuickBooks to allow it, then back to{' '}
                          <Anchor href="#/settings?tab=integrations">
                            Settings, Connectors and webhooks
                          </Anchor>
                          .
                        </Text>
                        <ContinueButton step="accounting" onDone={next} label="I have connected it" />
                      </>
                    )}
                  </StepFrame>
                )}
              </Stepper.Step>
            ))}
            <Stepper.Completed>
              <Stack gap="sm" maw={640}>
                <Text>
                  {checklist.data?.steps.every((x) => x.status === 'done')
                    ? 'Your business is set up. Book your first job from the board.'
                    : 'What you skipped stays on the home page’s checklist.'}
                </Text>
                <Group>
                  <Button component={Link} to="/board">
                    Go to the board
                  </Button>
                </Group>
              </Stack>
            </Stepper.Completed>
          </Stepper>
        )}
      </Loaded>
    </Stack>
  );
};
