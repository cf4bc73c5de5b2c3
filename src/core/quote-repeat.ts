import { en } from './i18n/en';

/**
 * A quote for a service that repeats (a maintenance agreement: a boiler service every year, pest control
 * every three months): the price is per visit, and accepting books a series of visits from the first one
 * offered. Pure: the office, the customer's page and the server say it in the same words.
 */
export const REPEAT_EVERY = ['week', 'two_weeks', 'month', 'three_months', 'six_months', 'year'] as const;
export type RepeatEvery = (typeof REPEAT_EVERY)[number];
export type QuoteRepeat = { every: RepeatEvery; visits?: number | null | undefined };

export const REPEAT_WORDS: Record<RepeatEvery, string> = en.quote.every;

const RULES: Record<RepeatEvery, string> = {
  week: 'FREQ=WEEKLY;INTERVAL=1',
  two_weeks: 'FREQ=WEEKLY;INTERVAL=2',
  month: 'FREQ=MONTHLY;INTERVAL=1',
  three_months: 'FREQ=MONTHLY;INTERVAL=3',
  six_months: 'FREQ=MONTHLY;INTERVAL=6',
  year: 'FREQ=YEARLY;INTERVAL=1',
};

/**
 * The series' RFC 5545 rule from the first visit's day. A number of visits is the series' end date (the last
 * visit's day), not a COUNT, so a series split later keeps the visits agreed.
 */
export const rruleOf = (r: QuoteRepeat): string => RULES[r.every];

/** "every three months, 4 visits" or "every year, until either side ends it". */
export const repeatWords = (r: QuoteRepeat): string =>
  `${REPEAT_WORDS[r.every]}, ${r.visits ? `${r.visits} visits` : 'until either side ends it'}`;
