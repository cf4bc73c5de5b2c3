/**
 * The setup wizard of a new organization: its steps in order, and the checklist on the home page. A step
 * is done when the data shows it (a trade's job types, a logo, a connector) or when the owner said so; a
 * skipped step stays on the checklist, quieter, until it is done.
 */
export const SETUP_STEPS = [
  'business',
  'tax',
  'trade',
  'invoicing',
  'branding',
  'team',
  'accounting',
] as const;
export type SetupStep = (typeof SETUP_STEPS)[number];

export const SETUP_STEP_WORDS: Record<SetupStep, string> = {
  business: 'Business details',
  tax: 'Tax rates',
  trade: 'Your trade',
  invoicing: 'Invoicing and payment',
  branding: 'Logo and colour',
  team: 'Your team',
  accounting: 'Accounting',
};

export type SetupFacts = {
  hasAddress: boolean;
  hasTaxId: boolean;
  usSalesTax: boolean;
  jobTypes: number;
  hasIban: boolean;
  hasLogo: boolean;
  /** People besides the owner, with open invitations. */
  teamBesidesOwner: number;
  connectors: number;
};

export type StepStatus = 'done' | 'skipped' | 'todo';
export type Recorded = Partial<Record<string, { status: 'done' | 'skipped'; at: string }>>;

const shownByData = (step: SetupStep, f: SetupFacts): boolean => {
  switch (step) {
    case 'business':
      return f.hasAddress && (f.hasTaxId || f.usSalesTax);
    case 'tax':
      return false;
    case 'trade':
      return f.jobTypes > 0;
    case 'invoicing':
      return f.hasIban;
    case 'branding':
      return f.hasLogo;
    case 'team':
      return f.teamBesidesOwner > 0;
    case 'accounting':
      return f.connectors > 0;
  }
};

/** Each step's status: the data first, then what the owner recorded; "skipped" never hides what the data shows. */
export const setupChecklist = (facts: SetupFacts, recorded: Recorded) => {
  const steps = SETUP_STEPS.map((step) => ({
    step,
    status: (shownByData(step, facts) ? 'done' : (recorded[step]?.status ?? 'todo')) as StepStatus,
  }));
  return { steps, complete: steps.every((s) => s.status === 'done' || s.status === 'skipped') };
};
