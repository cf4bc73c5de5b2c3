import { parse as uuidBytes } from 'uuid';
import type { Deps, SecretBox } from '../ports';

/**
 * A document's pay link: what the invoice PDF prints (with its QR code) and the invoice e-mail carries. The
 * PDF is immutable and kept for years, so the link cannot expire like a portal link: it is the organization's
 * and the document's IDs signed with the server's key (`secrets.mac`), 64 bytes in base64url. It opens that
 * one document only: its amount, what is left to pay, paying it online, its PDF. Nothing else of the
 * customer's. A link signed by a key since retired (`closeout secrets rotate`, then the previous key removed)
 * stops opening; the portal link in the e-mails still works.
 */
export const payPurpose = (organizationId: string, invoiceId: string) => `pay:${organizationId}:${invoiceId}`;

export const payToken = (secrets: Pick<SecretBox, 'mac'>, organizationId: string, invoiceId: string) =>
  Buffer.concat([
    uuidBytes(organizationId),
    uuidBytes(invoiceId),
    Buffer.from(secrets.mac(payPurpose(organizationId, invoiceId)), 'hex'),
  ]).toString('base64url');

export const payUrl = (
  deps: Pick<Deps, 'publicUrl' | 'secrets'>,
  organizationId: string,
  invoiceId: string,
) => payPageUrl(deps, payToken(deps.secrets, organizationId, invoiceId));

/** The page a pay token opens. */
export const payPageUrl = (deps: Pick<Deps, 'publicUrl'>, token: string) =>
  `${deps.publicUrl.replace(/\/$/, '')}/portal/#/pay/${token}`;

/**
 * Where a customer's page loads the business's logo: its stored key names the organization and the image's
 * SHA-256, so the address changes with the logo and may be cached for good. Null without a logo.
 */
export const publicLogoUrl = (org: { id: string; logoKey: string | null }) => {
  const m = org.logoKey ? /^logos\/([0-9a-f-]{36})\/([0-9a-f]{64})$/.exec(org.logoKey) : null;
  return m && m[1] === org.id ? `/api/v1/public/logos/${m[1]}/${m[2]}` : null;
};
