import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { eventually } from './eventually';

/** A real SMTP server on a free port that keeps every message it accepts, parsed (mailparser). */
export interface Mailbox {
  /** `smtp://127.0.0.1:<port>` for nodemailer. */
  url: string;
  received: ParsedMail[];
  /** Messages to `address` (lower-case compare). */
  to(address: string): ParsedMail[];
  /** Waits until `address` has received `count` messages; returns the newest. */
  waitFor(address: string, count?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

const recipients = (mail: ParsedMail) =>
  (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address?.toLowerCase()));

/**
 * @param options.refuse a message it returns true for is answered with a temporary failure
 *   (RFC 5321 451) and not kept: the sender must retry.
 */
export async function startMailbox(options: { refuse?: (mail: ParsedMail) => boolean } = {}): Promise<Mailbox> {
  const received: ParsedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    closeTimeout: 500,
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          if (options.refuse?.(mail)) {
            callback(Object.assign(new Error('451 mailbox busy, try again later'), { responseCode: 451 }));
            return;
          }
          received.push(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  const to = (address: string) => received.filter((m) => recipients(m).includes(address.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to,
    waitFor: (address, count = 1) =>
      eventually(() => (to(address).length >= count ? to(address)[count - 1] : undefined), `${count} email(s) to ${address}`),
    close: () => new Promise<void>((resolve) => smtp.close(resolve)),
  };
}

/** The `token` query parameter of the first link to `path` in the email's text. @throws when there is none. */
export function linkToken(mail: ParsedMail, path: string): string {
  const match = new RegExp(`https?://\\S+${path}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  return match[1]!;
}
