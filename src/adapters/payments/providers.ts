import type { PaymentProviders } from '../../app/payments/port';
import { BANK_TRANSFER } from './bank-transfer';
import { STRIPE } from './stripe';

/** The payment providers, as the application's port sees them: checkouts (Stripe) and instructions (bank transfer). */
export const PAYMENT_PROVIDERS: PaymentProviders = { stripe: STRIPE, bankTransfer: BANK_TRANSFER };
