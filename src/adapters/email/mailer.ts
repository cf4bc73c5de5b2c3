import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';
import type { Mailer } from '../../app/ports';

/**
 * The sender: the configured address, under the business's name when the message is the business's (an
 * invoice to its customer), so the customer sees "Brightwater Heating & Plumbing", not the software.
 */
const senderOf = (from: string, name: string | undefined) => {
  if (!name) return from;
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
  return { name, address };
};

/** E-mail through an SMTP server named by a URL (smtp://user:pass@host:port, smtps:// for TLS). */
export const smtpMailer = (url: string, from: string): Mailer => {
  const transport = nodemailer.createTransport(url);
  return {
    async send(m) {
      await transport.sendMail({
        from: senderOf(from, m.fromName),
        to: m.to,
        subject: m.subject,
        text: m.text,
        ...(m.replyTo ? { replyTo: m.replyTo } : {}),
        ...(m.attachments ? { attachments: m.attachments } : {}),
      });
    },
  };
};

/** The file name of a kept e-mail: when it was written, then its subject in plain letters. */
const fileNameOf = (at: Date, subject: string, n: number) =>
  `${at.toISOString().replace(/[:.]/g, '-')}-${n}-${
    subject
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'message'
  }.eml`;

/**
 * Without SMTP_URL, every e-mail is kept whole (text and attachments) as an .eml file in a folder any mail
 * program opens, so a demo or a trial shows exactly what a customer would get, and nothing goes out. The log
 * has one short line per message at debug level, not the message.
 */
export const folderMailer = (dir: string, from: string, log: Pick<FastifyBaseLogger, 'debug'>): Mailer => {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let n = 0;
  return {
    async send(m) {
      const info = await transport.sendMail({
        from: senderOf(from, m.fromName),
        to: m.to,
        subject: m.subject,
        text: m.text,
        ...(m.replyTo ? { replyTo: m.replyTo } : {}),
        ...(m.attachments ? { attachments: m.attachments } : {}),
      });
      await mkdir(dir, { recursive: true });
      n += 1;
      const file = path.join(dir, fileNameOf(new Date(), m.subject, n));
      await writeFile(file, info.message as Buffer);
      log.debug({ to: m.to, file }, `e-mail kept (no SMTP_URL): ${m.subject}`);
    },
  };
};
