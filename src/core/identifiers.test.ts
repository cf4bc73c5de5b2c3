import { describe, expect, it } from 'vitest';
import { peppolEndpointProblem, vatIdProblem } from './identifiers';

describe('identifier checks', () => {
  it.each([
    ['IE6388047V', true],
    ['EL123456789', true],
    ['XI123456789', true],
    ['6388047V', false],
    ['ie6388047V', false],
    ['ZZ123', false],
  ])('VAT ID %s has a valid country prefix: %s', (id, ok) => {
    expect(vatIdProblem(id) === null).toBe(ok);
  });

  it.each([
    ['0088:5790000435951', true],
    ['0088:7300010000001', true],
    ['0088:5391234567890', false], // the old demo seller's: a wrong GLN check digit (PEPPOL-COMMON-R040)
    ['0088:5391234567892', true],
    ['0192:974760673', true],
    ['0192:974760674', false],
    ['0208:0417497106', true],
    ['0208:0417497107', false],
    ['0007:5560360793', true],
    ['0007:5560360794', false],
    ['0151:51824753556', true],
    ['0151:51824753557', false],
    ['0184:DK12345678', true],
    ['0184:12345678', false],
    ['9930:DE123456789', true], // a scheme the Peppol rules do not check
  ])('%s passes the Peppol check digits: %s', (endpoint, ok) => {
    expect(peppolEndpointProblem(endpoint) === null).toBe(ok);
  });
});
