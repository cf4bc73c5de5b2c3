import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Storage } from '../../app/ports';

/** Keys are ours (organization/sha256...), but every adapter still refuses anything that could escape its root. */
const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export const assertSafeKey = (key: string): void => {
  if (!SAFE_KEY.test(key) || key.split('/').some((s) => s === '..' || s === '.')) {
    throw new Error(`unsafe storage key: ${JSON.stringify(key)}`);
  }
};

/** Content-addressed files under a local directory (the default, inside DATA_DIR). */
export const localStorage = (root: string): Storage => {
  const base = path.resolve(root);
  const fileOf = (key: string) => {
    assertSafeKey(key);
    const full = path.resolve(base, key);
    if (!full.startsWith(base + path.sep)) throw new Error(`storage key escapes the root: ${key}`);
    return full;
  };
  return {
    async put(key, body) {
      const file = fileOf(key);
      await fs.mkdir(path.dirname(file), { recursive: true });
      // Write then rename, so a crash never leaves a half-written object under its final name. The temporary
      // name is unique per write: two uploads of the same content at once (re-encoded photos often are)
      // each rename their own complete copy.
      const tmp = `${file}.${randomUUID()}.tmp`;
      await fs.writeFile(tmp, body);
      await fs.rename(tmp, file);
    },
    async get(key) {
      try {
        return await fs.readFile(fileOf(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async exists(key) {
      try {
        await fs.access(fileOf(key));
        return true;
      } catch {
        return false;
      }
    },
    async delete(key) {
      await fs.rm(fileOf(key), { force: true });
    },
  };
};

export type S3Settings = {
  bucket: string;
  region: string;
  endpoint?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle?: boolean | undefined;
  prefix?: string | undefined;
};

/** S3-compatible object storage (AWS S3, MinIO, R2, …); tested against s3rver. */
export const s3Storage = (s: S3Settings): Storage => {
  const client = new S3Client({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    forcePathStyle: s.forcePathStyle ?? !!s.endpoint,
    ...(s.accessKeyId && s.secretAccessKey
      ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } }
      : {}),
  });
  const keyOf = (key: string) => {
    assertSafeKey(key);
    return s.prefix ? `${s.prefix}/${key}` : key;
  };
  const missing = (err: unknown) =>
    err instanceof NoSuchKey || err instanceof NotFound || (err as { name?: string }).name === 'NotFound';
  return {
    async put(key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: s.bucket, Key: keyOf(key), Body: body, ContentType: contentType }),
      );
    },
    async get(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: s.bucket, Key: keyOf(key) }));
        return res.Body ? Buffer.from(await res.Body.transformToByteArray()) : null;
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: s.bucket, Key: keyOf(key) }));
        return true;
      } catch (err) {
        if (missing(err)) return false;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: s.bucket, Key: keyOf(key) }));
    },
  };
};

export const storageFor = (
  config: { kind: 'local'; root: string } | ({ kind: 's3' } & S3Settings),
): Storage => (config.kind === 'local' ? localStorage(config.root) : s3Storage(config));
