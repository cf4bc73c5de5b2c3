import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecretBox } from '../../app/ports';

/**
 * Secrets at rest (connector tokens, webhook signing secrets): AES-256-GCM with a random 96-bit nonce,
 * stored as "v1.<nonce>.<ciphertext+tag>" in base64url. A tampered value fails to open.
 */
export const secretBox = (key: Buffer): SecretBox => {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  // A separate key for signing, so a signature never says anything about the encryption key.
  const macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'closeout audit signing', 32));
  return {
    mac(text) {
      return createHmac('sha256', macKey).update(text).digest('hex');
    },
    seal(plain) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed) {
      const [version, nonce, body] = sealed.split('.');
      if (version !== 'v1' || !nonce || !body) throw new Error('not a sealed secret');
      const bytes = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - 16)),
        decipher.final(),
      ]).toString('utf8');
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
