import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretBox } from '../../src/adapters/crypto/secret-box';
import { verifyAudit, writeCheckpoint } from '../../src/app/audit/audit-verify';
import { rotateSealedSecrets, SEALED_COLUMNS } from '../../src/app/system/rotate-secrets';
import { as, createTestApp, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';

/**
 * Rotating SECRET_KEY without downtime: with the old key kept as previous, everything it sealed still opens
 * and its checkpoint signatures still verify; `secrets rotate` seals and signs it all again under the new key,
 * after which the old key can go.
 */
describe.each(testDrivers())('secret key rotation on %s', (driver) => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let t: TestApp;
  let org: OrgFixture;

  beforeAll(async () => {
    t = await createTestApp(driver, { secretKey: oldKey.toString('base64') });
    org = await makeOrganization(t.deps, 'rotating');
    const { owner, billing } = await sessionsOf(t.app, org);
    // Sealed under the old key: a payment account's keys, a customer's portal link.
    const connected = await t.app.inject({
      method: 'POST',
      url: '/api/v1/payment-connections',
      headers: as(owner, true),
      payload: { provider: 'stripe', secretKey: 'sk_test_rotation0001', webhookSecret: 'whsec_rotation' },
    });
    expect(connected.statusCode, connected.body).toBe(200);
    const link = await t.app.inject({
      method: 'POST',
      url: `/api/v1/customers/${org.customerId}/portal-link`,
      headers: as(billing, true),
      payload: {},
    });
    expect(link.statusCode, link.body).toBe(200);
    // A person's authenticator secret being set up.
    const setup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/two-factor/setup',
      headers: as(owner, true),
    });
    expect(setup.statusCode, setup.body).toBe(200);
    await writeCheckpoint(t.deps, org.organizationId);
  });
  afterAll(() => t?.close());

  const sealedValues = async () => {
    const out: string[] = [];
    for (const c of SEALED_COLUMNS)
      out.push(...(await t.database.raw.query<{ value: string }>(c.select)).rows.map((r) => r.value));
    return out;
  };

  it('keeps the old key working beside the new one, then moves everything to the new key', async () => {
    const during = { database: t.database, secrets: secretBox(newKey, [oldKey]) };
    const onlyNew = { database: t.database, secrets: secretBox(newKey) };
    const values = await sealedValues();
    expect(values.length).toBeGreaterThanOrEqual(2);
    // The new key alone opens none of it, and cannot verify the old signatures.
    expect(values.every((v) => !onlyNew.secrets.isCurrent(v))).toBe(true);
    expect((await verifyAudit(onlyNew, org.organizationId)).ok).toBe(false);
    // With the old one kept as previous: everything opens and verifies.
    for (const v of values) expect(() => during.secrets.open(v)).not.toThrow();
    expect(await verifyAudit(during, org.organizationId)).toMatchObject({ ok: true });

    const moved = await rotateSealedSecrets(during);
    expect(moved['payment_connections.credentials']).toBe(1);
    expect(moved['portal_links.token_sealed']).toBeGreaterThanOrEqual(1);
    expect(moved['people.totp_pending_secret']).toBe(1);
    expect(moved['audit_checkpoints.mac']).toBeGreaterThanOrEqual(1);
    // After it, the new key alone opens and verifies all of it; a second run has nothing to do.
    const after = await sealedValues();
    for (const v of after) expect(onlyNew.secrets.isCurrent(v)).toBe(true);
    expect(await verifyAudit(onlyNew, org.organizationId)).toMatchObject({ ok: true });
    const again = await rotateSealedSecrets(during);
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
    // And what the app reads still reads: the portal link opens the customer's page.
    expect(onlyNew.secrets.open(after.find((v) => v) ?? '')).toBeTruthy();
  });
});
