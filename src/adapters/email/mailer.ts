import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';
import type { Mailer } from '../../app/ports';

/** E-mail through an SMTP server named by a URL (smtp://user:pass@host:port, smtps:// for TLS). */
export const smtpMailer = (url: string, from: string): Mailer => {
  const transport = nodemailer.createTransport(url);
  return {
    async send(m) {
      await transport.sendMail({
        from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        ...(m.attachments ? { attachments: m.attachments } : {}),
      });
    },
  };
};

/** Without SMTP_URL, e-mails are written to the log, so nothing is lost silently in a demo. */
export const logMailer = (log: Pick<FastifyBaseLogger, 'info'>): Mailer => ({
  async send(m) {
    const { attachments, ...rest } = m;
    log.info(
      {
        email: { ...rest, attachments: attachments?.map((a) => `${a.filename} (${a.content.length} bytes)`) },
      },
      `e-mail (no SMTP_URL configured): ${m.subject}`,
    );
  },
});
