import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from './api-client';
import { refusalText } from './refusal';

/** The words every app shows for a refusal: the office, the technician's phone and the customer's page. */
describe('a refusal in words, in every app', () => {
  it('keeps the server’s words, drops field paths, and leaves "no answer" to each app', () => {
    const signature = new ApiError(400, {
      code: 'validation_failed',
      detail: 'body.signature: draw your signature',
      errors: [
        { field: 'body.signature', message: 'draw your signature' },
        { field: 'body.signerName', message: 'Required' },
      ],
    });
    expect(refusalText(signature)).toBe('draw your signature (signer name: Required)');
    expect(refusalText(new ApiError(409, { detail: 'The agreed price changed since this was shown' }))).toBe(
      'The agreed price changed since this was shown',
    );
    expect(refusalText(new NetworkError('offline'))).toBeNull();
  });
});
