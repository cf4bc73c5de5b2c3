import type { z } from 'zod';
import type { BankEntry, BankStatement, BankSuggestion } from '../../../../../src/contracts/bank';

export type BankEntryT = z.infer<typeof BankEntry>;
export type BankStatementT = z.infer<typeof BankStatement>;
export type BankSuggestionT = z.infer<typeof BankSuggestion>;
export type BankStatus = BankEntryT['status'];

/** Why a suggestion was made, as the office reads it. */
export const BASIS_WORDS: Record<BankSuggestionT['basis'], string> = {
  reference: 'The payment quotes the invoice',
  payer_and_amount: 'Known payer, and the amount fits',
  payer: 'Known payer, amount differs',
  amount: 'Only the amount fits: check the payer',
  office: 'Chosen by the office',
};

/** How an applied entry was matched, after the fact. */
export const APPLIED_WORDS: Record<BankSuggestionT['basis'], string> = {
  reference: 'by the invoice it quotes',
  payer_and_amount: 'by the payer and the amount',
  payer: 'by the payer',
  amount: 'by the amount',
  office: 'as the office chose',
};

export const STATUS_TABS: { value: BankStatus; label: string }[] = [
  { value: 'review', label: 'To review' },
  { value: 'applied', label: 'Applied' },
  { value: 'credit', label: 'Customer credit' },
  { value: 'payout', label: 'Payouts' },
  { value: 'ignored', label: 'Set aside' },
  { value: 'outgoing', label: 'Money out' },
];

export const FORMAT_WORDS: Record<BankStatementT['format'], string> = {
  camt053: 'Bank statement (CAMT.053)',
  camt054: 'Payment notification (CAMT.054)',
  csv: 'CSV export',
};

/** An IBAN in groups of four, as printed on a bank card. */
export const ibanWords = (iban: string | null) =>
  iban && /^[A-Z]{2}\d{2}[A-Z0-9]{8,30}$/.test(iban) ? iban.replace(/(.{4})/g, '$1 ').trim() : iban;
