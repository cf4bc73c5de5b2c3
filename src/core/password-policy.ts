import { AppError } from './errors';

/** Returns the reasons a password is refused; empty when it is acceptable. Pure, so the web app shows the same. */
export const passwordProblems = (password: string, email?: string): string[] => {
  const problems: string[] = [];
  if (password.length < 12) problems.push('must be at least 12 characters');
  if (password.length > 256) problems.push('must be at most 256 characters');
  if (email && password.toLowerCase().includes(email.toLowerCase().split('@')[0] ?? '\u0000'))
    problems.push('must not contain the e-mail name');
  if (new Set(password).size < 5) problems.push('must use at least 5 different characters');
  return problems;
};

/** Refuses a password the policy does not accept, naming the field once per reason. */
export const checkPasswordPolicy = (password: string, email: string, field: string): void => {
  const problems = passwordProblems(password, email);
  if (problems.length > 0)
    throw new AppError('validation_failed', `password ${problems.join('; ')}`, {
      fields: problems.map((message) => ({ field, message })),
    });
};
