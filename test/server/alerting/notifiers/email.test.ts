import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EmailChannel } from '../../../../protocol'
import { email, emailMessageId, emailThreadId } from '../../../../server/alerting/notifiers/email'
import { refusedPort } from '../../../helpers/fake-http'
import { parseMail, startFakeSmtp, type FakeSmtp } from '../../../helpers/fake-smtp'
import { makeCtx, runNotifierContract, sampleMessage, sendFailure } from './contract.case'

const USER = 'xanh-alerts'
const PASSWORD = 'Sm7p-P4ssw0rd-very-secret'
const FROM = 'Xanh Giám sát <canh-bao@xanh.example.vn>'
const TO = ['truc-ban@bacninh.example.vn', 'ky-thuat@bacninh.example.vn']

function channel(host: string, port: number, extra: Partial<EmailChannel> = {}): EmailChannel {
  return EmailChannel.parse({ type: 'email', host, port, user: USER, password: PASSWORD, from: FROM, to: TO, ...extra })
}

runNotifierContract('email', async () => {
  const smtp = await startFakeSmtp({ user: USER, password: PASSWORD, mailboxes: TO })
  const port = await refusedPort()
  return {
    notifier: email.create(channel(smtp.host, smtp.port)),
    refused: email.create(channel(smtp.host, smtp.port, { to: ['nobody@bacninh.example.vn'] })),
    unreachable: email.create(channel('127.0.0.1', port)),
    secrets: [PASSWORD, Buffer.from(PASSWORD).toString('base64')],
    delivered: () => smtp.received.length,
    contacts: () => smtp.connections,
    failNext: () => smtp.next.push('defer'),
    hangNext: () => smtp.next.push('hang'),
    reset: () => {
      smtp.next.length = 0
    },
    close: () => smtp.close(),
  }
})

describe('email: SMTP delivery and threading', () => {
  let smtp: FakeSmtp
  beforeAll(async () => {
    smtp = await startFakeSmtp({ user: USER, password: PASSWORD, mailboxes: TO })
  })
  afterAll(async () => {
    await smtp.close()
  })

  it('sends one UTF-8 mail to all recipients with subject, text and html intact', async () => {
    const m = sampleMessage()
    const res = await email.create(channel(smtp.host, smtp.port)).send(m, makeCtx())
    const got = smtp.received.at(-1)
    expect(got?.from).toBe('canh-bao@xanh.example.vn')
    expect(got?.to).toEqual(TO)
    const mail = parseMail(got?.raw ?? '')
    expect(mail.headers.get('subject')).toBe(m.title)
    expect(mail.text).toBe(m.text)
    expect(mail.text).toContain('Từ 09:58 (24/11), mất gói 100% (ngưỡng 20%)')
    expect(mail.html).toContain(m.html)
    expect(mail.headers.get('message-id')).toBe(emailMessageId(m.idempotencyKey, FROM))
    expect(res.providerMessageId).toBe(mail.headers.get('message-id'))
    expect(mail.headers.get('message-id')).toMatch(/^<xanh\.[0-9a-f]{32}@xanh\.example\.vn>$/)
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated')
    expect(mail.headers.get('date')).toBe('Tue, 24 Nov 2026 03:00:00 +0000')
  })

  it('threads every mail of one threadKey under the same In-Reply-To/References, others apart', async () => {
    const n = email.create(channel(smtp.host, smtp.port))
    const firing = sampleMessage({ idempotencyKey: 'k-1' })
    const resolved = sampleMessage({ idempotencyKey: 'k-2', status: 'resolved', title: '✅ Đã khôi phục: Xã Tân Phú (26734)' })
    const other = sampleMessage({ idempotencyKey: 'k-3', threadKey: 'another-group' })
    for (const m of [firing, resolved, other]) await n.send(m, makeCtx())
    const [a, b, c] = smtp.received.slice(-3).map((r) => parseMail(r.raw))
    const thread = emailThreadId(firing.threadKey, FROM)
    expect(a?.headers.get('in-reply-to')).toBe(thread)
    expect(a?.headers.get('references')).toBe(thread)
    expect(b?.headers.get('in-reply-to')).toBe(thread)
    expect(b?.headers.get('references')).toBe(thread)
    expect(a?.headers.get('message-id')).not.toBe(b?.headers.get('message-id'))
    expect(c?.headers.get('in-reply-to')).not.toBe(thread)
    expect(b?.headers.get('subject')).toBe('✅ Đã khôi phục: Xã Tân Phú (26734)')
  })

  it('keeps the Message-ID of a retried notification (same idempotencyKey)', async () => {
    const n = email.create(channel(smtp.host, smtp.port))
    await n.send(sampleMessage({ idempotencyKey: 'retry-me' }), makeCtx())
    await n.send(sampleMessage({ idempotencyKey: 'retry-me' }), makeCtx())
    const [a, b] = smtp.received.slice(-2).map((r) => parseMail(r.raw))
    expect(a?.headers.get('message-id')).toBe(b?.headers.get('message-id'))
  })

  it('maps a wrong password (535) and a refused message (554) to non-retryable', async () => {
    const wrong = await sendFailure(email.create(channel(smtp.host, smtp.port, { password: 'not-the-password' })), makeCtx())
    expect(wrong).toMatchObject({ retryable: false, status: 535 })
    expect(wrong.message).not.toContain('not-the-password')
    smtp.next.push('reject-data')
    const spam = await sendFailure(email.create(channel(smtp.host, smtp.port)), makeCtx())
    expect(spam).toMatchObject({ retryable: false, status: 554 })
    expect(spam.message).toMatch(/^email 127\.0\.0\.1:\d+ to .+: refused: 554 Message rejected as spam \(DATA\)$/)
  })

  it('maps a temporary rejection (451) to retryable', async () => {
    smtp.next.push('defer')
    const err = await sendFailure(email.create(channel(smtp.host, smtp.port)), makeCtx())
    expect(err).toMatchObject({ retryable: true, status: 451 })
  })

  it('refuses for good when TLS is required but the server offers no STARTTLS', async () => {
    const err = await sendFailure(email.create(channel(smtp.host, smtp.port, { requireTls: true })), makeCtx())
    expect(err.retryable).toBe(false)
    expect(err.message).toMatch(/STARTTLS/)
    expect(smtp.received.every((r) => !r.raw.includes('requireTls'))).toBe(true)
  })
})
