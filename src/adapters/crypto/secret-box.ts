import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecretBox } from '../../app/ports';

/**
 * Secrets at rest (connector tokens, webhook signing secrets): AES-256-GCM with a random 96-bit nonce,
 * stored as "v1.<nonce>.<ciphertext+tag>" in base64url. A tampered value fails to open.
 */
const signingKey = (key: Buffer) =>
  Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'closeout audit signing', 32));

const openWith = (key: Buffer, sealed: string) => {
  const [version, nonce, body] = sealed.split('.');
  if (version !== 'v1' || !nonce || !body) throw new Error('not a sealed secret');
  const bytes = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString(
    'utf8',
  );
};

/**
 * The box under the current key, still opening (and checking signatures made with) the previous keys while a
 * rotation runs: new values are sealed and signed with the current key only, and `closeout secrets rotate`
 * seals again what the previous keys sealed, without downtime.
 */
export const secretBox = (key: Buffer, previous: Buffer[] = []): SecretBox => {
  for (const k of [key, ...previous]) if (k.length !== 32) throw new Error('a secret key must be 32 bytes');
  // A separate key for signing, so a signature never says anything about the encryption key.
  const macKeys = [key, ...previous].map(signingKey);
  const macWith = (k: Buffer, text: string) => createHmac('sha256', k).update(text).digest('hex');
  return {
    mac(text) {
      return macWith(macKeys[0] as Buffer, text);
    },
    verifyMac(text, mac, currentOnly = false) {
      const given = Buffer.from(mac, 'hex');
      return (currentOnly ? macKeys.slice(0, 1) : macKeys).some((k) => {
        const expected = Buffer.from(macWith(k, text), 'hex');
        return expected.length === given.length && timingSafeEqual(expected, given);
      });
    },
    seal(plain) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed) {
      let failure: unknown;
      for (const k of [key, ...previous]) {
        try {
          return openWith(k, sealed);
        } catch (err) {
          failure = err;
        }
      }
      throw failure;
    },
    isCurrent(sealed) {
      try {
        openWith(key, sealed);
        return true;
      } catch {
        return false;
      }
    },
  };
};

/**
 * The key: SECRET_KEY (base64, 32 bytes) when set, which a deployment with DATABASE_URL should do so every
 * process shares it; otherwise a key file made once in the data directory (mode 0600).
 */
export const loadSecretKey = (configured: string | undefined, dataDir: string): Buffer => {
  if (configured) return Buffer.from(configured, 'base64');
  const file = path.join(dataDir, 'secret.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
};
