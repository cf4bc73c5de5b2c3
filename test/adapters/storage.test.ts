import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStorage, s3Storage } from '../../src/adapters/storage/storage';
import type { Storage } from '../../src/app/ports';
import { freePort } from '../support/processes';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'closeout-storage-'));
let s3rver: S3rver;
let endpoint: string;

beforeAll(async () => {
  const port = await freePort();
  s3rver = new S3rver({ port, address: '127.0.0.1', silent: true, directory: path.join(tmp, 's3') });
  await s3rver.run();
  endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: 'closeout-test' }));
});
afterAll(async () => {
  await s3rver?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const adapters: [string, () => Storage][] = [
  ['a local directory', () => localStorage(path.join(tmp, 'local'))],
  [
    'S3 (s3rver)',
    () =>
      s3Storage({
        bucket: 'closeout-test',
        region: 'us-east-1',
        endpoint,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        prefix: 'attachments',
      }),
  ],
];

/** The same contract for every storage adapter. */
describe.each(adapters)('storage contract: %s', (_name, make) => {
  it('stores, reads back byte for byte, reports existence and deletes', async () => {
    const storage = make();
    const key = `org-1/${'ab'.repeat(32)}`;
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    expect(await storage.exists(key)).toBe(false);
    expect(await storage.get(key)).toBeNull();
    await storage.put(key, bytes, 'image/jpeg');
    expect(await storage.exists(key)).toBe(true);
    expect((await storage.get(key))?.equals(bytes)).toBe(true);
    await storage.put(key, bytes, 'image/jpeg'); // idempotent
    await storage.delete(key);
    expect(await storage.exists(key)).toBe(false);
    await storage.delete(key); // deleting twice is fine
  });

  it('takes the same object written many times at once (two uploads of one picture), whole', async () => {
    const storage = make();
    const key = `org-1/${'cd'.repeat(32)}`;
    const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251));
    await Promise.all(Array.from({ length: 20 }, () => storage.put(key, bytes, 'image/png')));
    expect((await storage.get(key))?.equals(bytes)).toBe(true);
  });

  it.each(['../escape', 'org/../../etc/passwd', '/absolute', 'a//b', 'org/./x', 'org/x y', ''])(
    'refuses the key %j',
    async (key) => {
      await expect(make().put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/unsafe storage key/);
    },
  );
});
