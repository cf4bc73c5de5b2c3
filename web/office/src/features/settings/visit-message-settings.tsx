import { Accordion, Badge, Button, Group, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { type CustomerMessageSettings, CustomerMessageSettingsBody } from '../../../../../src/contracts/jobs';
import {
  MESSAGE_FIELDS,
  MESSAGE_KIND_WORDS,
  type MessageKind,
  type MessageValues,
} from '../../../../../src/core/customer-messages';
import { isLanguage, MESSAGES } from '../../../../../src/core/i18n';
import { fillTemplate } from '../../../../../src/core/message-template';
import { api, type MeT } from '../../shared/api';
import { Feedback } from '../../shared/feedback';
import { useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { PlaceholderTable } from './invoice-email-settings';
import { TextSettings } from './text-settings';

type SettingsT = z.infer<typeof CustomerMessageSettings>;
type Item = SettingsT['items'][number];
type Values = { enabled: boolean; subject: string; body: string; sms: boolean; text: string };

/** A visit of this organization as a customer would read about it. */
const sampleOf = (org: MeT['organization']): MessageValues => ({
  customer: 'Aoife Byrne',
  organization: org.name,
  job: 'J-1042',
  work: 'Boiler service: annual check',
  window: 'Tuesday 8 December, 09:00 to 11:00',
  site: '12 Quay Street, Dublin',
  technician: 'Ana',
  arrival: 'between 14:25 and 14:40',
  link: `${window.location.origin}/portal/…`,
});

const KindForm = ({ item, onSaved }: { item: Item; onSaved: (notice: string) => void }) => {
  const invalidate = useInvalidate();
  const org = useMe().organization;
  const kind = item.kind as MessageKind;
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CustomerMessageSettingsBody,
    initialValues: {
      enabled: item.enabled,
      subject: item.subject,
      body: item.body,
      sms: item.sms,
      text: item.text,
    } as Values,
    toBody: (v: Values) => ({
      [kind]: { enabled: v.enabled, subject: v.subject, body: v.body, sms: v.sms, text: v.text },
    }),
    fields: {
      [`${kind}.subject`]: 'subject',
      [`${kind}.body`]: 'body',
      [`${kind}.enabled`]: 'enabled',
      [`${kind}.text`]: 'text',
    },
  });
  const sample = sampleOf(org);
  const { subject, body, enabled, sms, text } = form.getValues();
  // Closeout's words in the language the organization's customers read.
  const closeout = MESSAGES[isLanguage(org.language) ? org.language : 'en'].visitMessages;
  const isDefault = subject === closeout[kind].subject && body === closeout[kind].body;
  const textIsDefault = text === closeout.texts[kind];
  return (
    <form
      noValidate
      aria-label={MESSAGE_KIND_WORDS[kind]}
      onSubmit={submit(async () => {
        // Closeout's own words are stored as "the default", so they follow its improvements.
        await api('PATCH', '/api/v1/organization/customer-messages', {
          [kind]: {
            enabled,
            sms,
            ...(isDefault ? {} : { subject, body }),
            ...(textIsDefault ? {} : { text }),
          },
        });
        invalidate('organization');
        onSaved(`${MESSAGE_KIND_WORDS[kind]} saved: messages from now on use it`);
      })}
    >
      <Stack gap="sm">
        <Switch label="Send this message" {...form.getInputProps('enabled', { type: 'checkbox' })} />
        <TextInput label="Subject" disabled={!enabled} {...form.getInputProps('subject')} />
        <Textarea label="Message" autosize minRows={6} disabled={!enabled} {...form.getInputProps('body')} />
        <Switch
          label="Also by text message, when texts are connected"
          disabled={!enabled}
          {...form.getInputProps('sms', { type: 'checkbox' })}
        />
        <Textarea
          label="Words of the text"
          description={`${fillTemplate(text, sample).length} characters with the example filled in; 160 fit in one text`}
          autosize
          minRows={2}
          disabled={!enabled || !sms}
          {...form.getInputProps('text')}
        />
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            Save
          </Button>
          <Button
            variant="default"
            disabled={isDefault && textIsDefault}
            onClick={() => form.setValues({ ...closeout[kind], text: closeout.texts[kind] })}
          >
            Start again from Closeout’s wording
          </Button>
        </Group>
        {enabled && (
          <Stack
            gap={4}
            aria-label={`Preview of ${MESSAGE_KIND_WORDS[kind].toLowerCase()}`}
            component="section"
          >
            <Text size="xs" c="dimmed">
              What the customer reads
            </Text>
            <Text size="sm" fw={600}>
              {fillTemplate(subject, sample)}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {fillTemplate(body, sample)}
            </Text>
            {sms && (
              <Text size="sm" c="dimmed">
                By text: {fillTemplate(text, sample)}
              </Text>
            )}
          </Stack>
        )}
      </Stack>
    </form>
  );
};

/**
 * Settings → Customer messages: what customers are told about their visits, each on or off, in the
 * organization's words with a preview. Sent by e-mail to the customer's invoice contact.
 */
export const VisitMessageSettings = () => {
  const settings = useApi(['organization', 'customer-messages'], () =>
    api<SettingsT>('GET', '/api/v1/organization/customer-messages'),
  );
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Stack>
      <Text size="sm">
        Customers are e-mailed about their visits, and texted too once texts are connected: when it is booked
        (with a calendar file), the day before, when it moves or is canceled, when the technician is on the
        way, and when the work is done. Each goes once; the job shows what was sent.
      </Text>
      <TextSettings />
      <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
      <Loaded resource={settings} what="the customer messages">
        {(s) => (
          <>
            <Accordion variant="separated" aria-label="Messages about visits">
              {s.items.map((item) => (
                <Accordion.Item
                  key={`${item.kind}|${item.enabled}|${item.subject}|${item.body}|${item.sms}|${item.text}`}
                  value={item.kind}
                >
                  <Accordion.Control>
                    <Group gap="xs">
                      <Text>{MESSAGE_KIND_WORDS[item.kind as MessageKind]}</Text>
                      <Badge variant="light" color={item.enabled ? 'green' : 'gray'}>
                        {item.enabled ? (item.custom ? 'On, your words' : 'On') : 'Off'}
                      </Badge>
                    </Group>
                  </Accordion.Control>
                  <Accordion.Panel>
                    <KindForm item={item} onSaved={setNotice} />
                  </Accordion.Panel>
                </Accordion.Item>
              ))}
            </Accordion>
            <PlaceholderTable label="What messages can fill in" fields={MESSAGE_FIELDS} />
          </>
        )}
      </Loaded>
    </Stack>
  );
};
