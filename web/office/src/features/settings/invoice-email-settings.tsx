import {
  Button,
  Card,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { BillingSettingsBody } from '../../../../../src/contracts/billing';
import { MESSAGES, translator } from '../../../../../src/core/i18n';
import { transferWords } from '../../../../../src/core/invoice-email';
import {
  fillTemplate,
  INVOICE_EMAIL_FIELDS,
  type InvoiceEmailValues,
} from '../../../../../src/core/message-template';
import { addDays, businessDate } from '../../../../../src/core/time';
import { api, type MeT } from '../../shared/api';
import { Feedback } from '../../shared/feedback';
import { useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';

type Org = MeT['organization'];
type Values = { invoiceEmail: { subject: string; body: string } };

/** What the preview fills in: an invoice of this organization as a customer would receive it. */
const sampleOf = (org: Org): InvoiceEmailValues => {
  // In the language the organization's customers read, as they would receive it.
  const w = translator(org.language);
  const year = new Date().getUTCFullYear();
  const number = `INV-${year}-00042`;
  const due = w.date(addDays(businessDate(new Date(), org.timeZone), org.paymentTermsDays));
  const amount = w.amount('1234.50', org.currency);
  return {
    customer: 'Aoife Byrne',
    organization: org.name,
    document: w.t('email.document.invoice'),
    number,
    for: [
      w.t('email.job', { numbers: 'J-00017' }),
      w.t('email.at', { site: '12 Quay Street' }),
      w.t('email.on', { date: w.date(`${year}-11-18`) }),
    ].join(' '),
    amount,
    amountLine:
      org.paymentTermsDays > 0
        ? w.t('email.amountDueBy', { amount, date: due })
        : w.t('email.amountDueOnReceipt', { amount }),
    due,
    howToPay: org.iban ? transferWords(org.iban, number, w) : '',
  };
};

/** The placeholders a message can use, with what each is filled with. */
export const PlaceholderTable = ({
  label,
  fields,
}: {
  label: string;
  fields: Readonly<Record<string, string>>;
}) => (
  <Table aria-label={label}>
    <Table.Tbody>
      {Object.entries(fields).map(([field, meaning]) => (
        <Table.Tr key={field}>
          <Table.Td>
            <Code>{`{{${field}}}`}</Code>
          </Table.Td>
          <Table.Td>
            <Text size="sm">{meaning}</Text>
          </Table.Td>
        </Table.Tr>
      ))}
    </Table.Tbody>
  </Table>
);

const EmailForm = ({ org, onSaved }: { org: Org; onSaved: (message: string) => void }) => {
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: BillingSettingsBody,
    initialValues: {
      invoiceEmail: { subject: org.invoiceEmail.subject, body: org.invoiceEmail.body },
    } as Values,
    toBody: (v: Values) => ({ invoiceEmail: v.invoiceEmail }),
  });
  const sample = sampleOf(org);
  const save = async (body: unknown) => {
    await api('PATCH', '/api/v1/organization/billing', body);
    invalidate('organization');
    onSaved('The invoice e-mail is saved: every invoice sent from now on uses it.');
  };
  const { subject, body } = form.getValues().invoiceEmail;
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <form noValidate aria-label="Invoice e-mail" onSubmit={submit(save)}>
        <Stack>
          <Text size="sm">
            Sent with every invoice and credit note. Words in double braces are filled from the document. The
            PDF is attached; customers who take e-invoices (a Peppol ID, or that preference) also get the UBL
            file.
          </Text>
          <TextInput label="Subject" required {...form.getInputProps('invoiceEmail.subject')} />
          <Textarea
            label="Message"
            required
            autosize
            minRows={10}
            {...form.getInputProps('invoiceEmail.body')}
          />
          {errorAlert}
          <Group>
            <Button type="submit" loading={busy}>
              Save the invoice e-mail
            </Button>
            <Button
              variant="default"
              onClick={() =>
                form.setValues({
                  // In the language the organization's customers read.
                  invoiceEmail: { ...MESSAGES[org.language].email.invoiceTemplate },
                })
              }
            >
              Start again from Closeout’s wording
            </Button>
          </Group>
          <PlaceholderTable label="What you can fill in" fields={INVOICE_EMAIL_FIELDS} />
        </Stack>
      </form>
      <Card withBorder component="section" aria-label="Preview of the invoice e-mail">
        <Title order={2} size="h5" mb="xs">
          What the customer reads
        </Title>
        <Text size="sm" fw={600}>
          {fillTemplate(subject, sample)}
        </Text>
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} mt="xs">
          {fillTemplate(body, sample)}
        </Text>
        <Text size="xs" c="dimmed" mt="sm">
          Attached: {sample.number}.pdf
        </Text>
      </Card>
    </SimpleGrid>
  );
};

/** Settings → Customer messages: the invoice e-mail, written by the organization, with a live preview. */
export const InvoiceEmailSettings = () => {
  const org = useApi(['organization'], () => api<Org>('GET', '/api/v1/organization'));
  // The notice lives above the form: the form starts afresh from what was saved, the confirmation stays.
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Stack>
      <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
      <Loaded resource={org} what="the organization">
        {(o) => (
          <EmailForm key={`${o.invoiceEmail.subject}|${o.invoiceEmail.body}`} org={o} onSaved={setNotice} />
        )}
      </Loaded>
    </Stack>
  );
};
