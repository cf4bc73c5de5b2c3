import { Button } from '@mantine/core';
import { api, type IntegrationErrorT } from '../../shared/api';
import { Feedback, useSubmit } from '../../shared/feedback';

/**
 * The accounting system already has a contact of this customer's name and e-mail: link the customer to it,
 * or give it a new contact of its own. One answer settles every push of the customer that asked.
 */
export const ContactMatchActions = ({
  failure,
  onDone,
}: {
  failure: IntegrationErrorT;
  onDone: (message: string) => void;
}) => {
  const s = useSubmit();
  const match = failure.contactMatch;
  if (!match) return null;
  const decide = (decision: 'link' | 'new') =>
    void s.run(async () => {
      await api('POST', `/api/v1/integration-errors/${failure.id}/contact-match`, { decision });
      onDone(
        decision === 'link'
          ? `Linked to “${match.name}”: the invoice goes to it now`
          : 'A new contact will be made for this customer: the invoice goes to it now',
      );
      return '';
    });
  return (
    <>
      <Button size="xs" loading={s.busy} onClick={() => decide('link')}>
        Link to “{match.name}”
      </Button>
      <Button size="xs" variant="default" loading={s.busy} onClick={() => decide('new')}>
        Make a new contact
      </Button>
      <Feedback error={s.error} />
    </>
  );
};
