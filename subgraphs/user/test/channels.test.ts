import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accountLink, renderAccountEmail } from '../src/notifications/account-email';
import { fileTransport, pushChannel, smsChannel, type NotificationMessage } from '../src/notifications/channels';

const dir = mkdtempSync(path.join(os.tmpdir(), 'channels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const message = (phone: string | null): NotificationMessage => ({
  to: { userId: 7, email: 'ada@mail.test', firstName: 'Ada', phone },
  subject: 'Order ABC shipped',
  text: 'Hi Ada,\n\nyour order is on its way.',
  html: '<p>Hi Ada,</p>',
});

test('the file transport appends one readable JSON line per message; SMS skips users without a phone', async () => {
  const file = path.join(dir, 'sms.jsonl');
  const sms = smsChannel(fileTransport(file));
  expect(await sms.send(message(null))).toBeNull();
  const id = await sms.send(message('+14155552671'));
  const second = await sms.send(message('+442071838750'));
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toEqual([
    { id, at: expect.any(String), to: '+14155552671', body: 'Order ABC shipped\n\nHi Ada,\n\nyour order is on its way.' },
    { id: second, at: expect.any(String), to: '+442071838750', body: expect.any(String) },
  ]);
});

test('push addresses the user with a title and body', async () => {
  const file = path.join(dir, 'push.jsonl');
  await pushChannel(fileTransport(file)).send(message(null));
  expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
    userId: 7,
    title: 'Order ABC shipped',
    body: expect.stringContaining('on its way'),
  });
});

test('account emails carry the link in text and HTML, and escape the name', () => {
  const link = accountLink('https://shop.test/base/', 'PASSWORD_RESET', 'tok_-123');
  expect(link).toBe('https://shop.test/base/reset-password?token=tok_-123');
  expect(accountLink('https://shop.test', 'EMAIL_VERIFICATION', 'x')).toBe('https://shop.test/verify-email?token=x');
  const mail = renderAccountEmail('PASSWORD_RESET', { userId: 1, email: 'a@b.test', firstName: '<b>Eve</b>', phone: null }, link);
  expect(mail.subject).toBe('Reset your password');
  expect(mail.text).toContain(`\n${link}\n`);
  expect(mail.text).toContain('30 minutes');
  expect(mail.html).toContain(`<a href="${link}">`);
  expect(mail.html).toContain('&#60;b&#62;Eve&#60;/b&#62;');
  expect(renderAccountEmail('EMAIL_VERIFICATION', mail.to, link).text).toContain('24 hours');
});
