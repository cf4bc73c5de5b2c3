/**
 * A text cell as a spreadsheet can open it safely (OWASP CSV injection): a value starting with =, +, -, @,
 * a tab or a carriage return would run as a formula in Excel or Sheets (a part described as
 * `=HYPERLINK(…)`), so it gets a leading apostrophe, which spreadsheets show as text and do not display.
 * Number columns (quantities, amounts) are written as they are: a negative amount stays a number.
 */
export const csvText = (value: string): string => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
