import { Button, Card, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { DefaultApprovalRules as RulesBody } from '../../../../../src/contracts/approvals';
import { api, type MeT } from '../../shared/api';
import { Feedback } from '../../shared/feedback';
import { useContractForm } from '../../shared/form';
import { useApi, useInvalidate } from '../../shared/query';
import { ApprovalRuleRows, type Rule } from './approval-rule-rows';

type Values = { rules: Rule[] };

const RulesForm = ({ initial, onSaved }: { initial: Rule[]; onSaved: (message: string | null) => void }) => {
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: RulesBody,
    initialValues: { rules: initial } as Values,
    toBody: (v: Values) =>
      ({
        rules: v.rules.map((r) => ({
          ...r,
          threshold: r.threshold?.trim() ? r.threshold.trim().replace(',', '.') : null,
        })),
      }) as z.input<typeof RulesBody>,
  });
  return (
    <form
      noValidate
      aria-label="Rules for every job type"
      onSubmit={submit(async (body) => {
        onSaved(null);
        await api('PUT', '/api/v1/organization/approval-rules', body);
        // The notice lives outside this form: the saved rules come back and start the form afresh.
        onSaved('Approval rules saved: closeouts from now on follow them');
        invalidate('organization');
      })}
    >
      <Stack gap="xs">
        <ApprovalRuleRows
          rules={form.values.rules}
          inputProps={(i, field) => form.getInputProps(`rules.${i}.${field}`)}
          onAdd={(rule) => form.insertListItem('rules', rule)}
          onRemove={(i) => form.removeListItem('rules', i)}
        />
        {errorAlert}
        <div>
          <Button type="submit" loading={busy}>
            Save the rules
          </Button>
        </div>
      </Stack>
    </form>
  );
};

/**
 * The exceptions that wait for a person in every job type (a discount over 10 %, a missing signature…); a
 * job type's own rule of the same kind takes precedence.
 */
export const DefaultApprovalRules = () => {
  const org = useApi(['organization'], () => api<MeT['organization']>('GET', '/api/v1/organization'));
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <Card withBorder component="section" aria-label="Approval rules for every job type">
      <Stack gap="xs">
        <Title order={2} size="h4">
          Approvals for every job type
        </Title>
        <Text size="sm" c="dimmed">
          A closeout waits for a decision only when one of these exceptions happens. A job type's own rule of
          the same kind replaces the one here.
        </Text>
        <Feedback notice={saved} error={null} />
        {org.data && (
          <RulesForm
            onSaved={setSaved}
            key={JSON.stringify(org.data.defaultApprovalRules)}
            initial={org.data.defaultApprovalRules}
          />
        )}
      </Stack>
    </Card>
  );
};
