/**
 * The notifier contract (server/alerting/notifier.ts), run against every channel with its
 * real local fake provider: deliver; refusal → non-retryable; 5xx/temporary, connection
 * refused and deadline → retryable; `ctx.signal` honoured before and during the attempt;
 * never anything but NotifierError; never a secret in `destination` or in an error.
 * @module
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { NotifierError, type CredentialStore, type Notifier, type NotifierContext, type OutgoingMessage } from '../../../../server/alerting/notifier'

/** A channel under test, bound to its running fake. */
export interface ContractHarness {
  /** Configured for a destination the fake accepts. */
  notifier: Notifier
  /** Configured for a destination the fake refuses for good (unknown chat, bad token…). */
  refused: Notifier
  /** The same channel pointed at a port where nothing listens. */
  unreachable: Notifier
  /** Strings that must never show in `destination` or errors. */
  secrets: string[]
  /** How many messages the fake accepted so far. */
  delivered(): number
  /** How many requests (or SMTP connections) reached the fake so far. */
  contacts(): number
  /** The next attempt fails temporarily (HTTP 5xx, SMTP 4xx). */
  failNext(): void
  /** The next attempt gets no answer at all. */
  hangNext(): void
  /** Drops scripted failures no attempt consumed (an attempt aborted before it reached the fake). */
  reset(): void
  close(): Promise<void>
}

const silent = pino({ level: 'silent' })
/** 2026-11-24T03:00:00Z, fixed so signatures and dates are reproducible. */
export const NOW_MS = Date.parse('2026-11-24T03:00:00Z')

/** A notifier context with its own deadline (`timeoutMs`) or the given signal. */
export function makeCtx(opts: { timeoutMs?: number; signal?: AbortSignal; now?: number; credentials?: CredentialStore } = {}): NotifierContext {
  return {
    signal: opts.signal ?? AbortSignal.timeout(opts.timeoutMs ?? 5_000),
    fetch: globalThis.fetch,
    log: silent,
    now: () => opts.now ?? NOW_MS,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  }
}

/** A typical Vietnamese outage message as the renderer produces it. */
export function sampleMessage(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const link = 'https://xanh.example.vn/#/commune/26734'
  return {
    // As the dispatcher builds them: receiver and group labels, Vietnamese names included.
    idempotencyKey: 'n:Tổ hỗ trợ Kỳ Sơn|{alertname="XanhTargetDown",cluster="Cụm Kỳ Sơn"}|q2V0aGFz|AAAAAAAA|0#0',
    threadKey: 'Tổ hỗ trợ Kỳ Sơn|{alertname="XanhTargetDown",cluster="Cụm Kỳ Sơn"}',
    status: 'firing',
    title: '🔴 Mất kết nối: Xã Tân Phú (26734)',
    text: `Cụm: Cụm Kỳ Sơn · Vai trò: Đường truyền\nTừ 09:58 (24/11), mất gói 100% (ngưỡng 20%)\nẢnh hưởng: 3 xã\nMở: ${link}`,
    html: `<b>🔴 Mất kết nối: Xã Tân Phú (26734)</b>\nCụm: Cụm Kỳ Sơn · Vai trò: Đường truyền\nTừ 09:58 (24/11), mất gói 100% (ngưỡng 20%) &amp; trễ &gt; 500 ms\nẢnh hưởng: 3 xã\n<a href="${link}">Mở trang xã</a>`,
    link,
    receiver: 'Tổ hỗ trợ Kỳ Sơn',
    groupKey: '{alertname="XanhTargetDown",cluster="Cụm Kỳ Sơn"}',
    groupLabels: { alertname: 'XanhTargetDown', cluster: 'Cụm Kỳ Sơn' },
    commonLabels: { alertname: 'XanhTargetDown', cluster: 'Cụm Kỳ Sơn', severity: 'critical' },
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'XanhTargetDown', cluster: 'Cụm Kỳ Sơn', commune: 'Xã Tân Phú', commune_code: '26734', severity: 'critical' },
        annotations: { summary: 'Mất kết nối: Xã Tân Phú' },
        startsAt: '2026-11-24T02:58:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: link,
        fingerprint: 'c3a1e0f2b9d84a17',
      },
    ],
    ...overrides,
  }
}

/** Awaits a send that must fail and returns its NotifierError (fails the test on anything else). */
export async function sendFailure(n: Notifier, ctx: NotifierContext, message: OutgoingMessage = sampleMessage()): Promise<NotifierError> {
  try {
    await n.send(message, ctx)
  } catch (err) {
    expect(err).toBeInstanceOf(NotifierError)
    return err as NotifierError
  }
  throw new Error(`${n.destination}: send resolved, a failure was expected`)
}

/** Every text of an error a log line could show: message, destination, causes. */
function errorTexts(err: unknown): string {
  const out: string[] = []
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; e = e instanceof Error ? e.cause : undefined, depth++) {
    out.push(e instanceof Error ? `${e.name} ${e.message} ${e.stack ?? ''}` : String(e))
  }
  return out.join('\n')
}

/** Registers the contract tests for one channel; `start` launches its fake. */
export function runNotifierContract(name: string, start: () => Promise<ContractHarness>): void {
  describe(`${name}: notifier contract`, () => {
    let h: ContractHarness
    const errors: NotifierError[] = []
    beforeAll(async () => {
      h = await start()
    })
    afterEach(() => {
      h.reset()
    })
    afterAll(async () => {
      await h?.close()
    })

    it('delivers a message and reports it accepted', async () => {
      const before = h.delivered()
      const res = await h.notifier.send(sampleMessage(), makeCtx())
      expect(h.delivered()).toBe(before + 1)
      if (res.providerMessageId !== undefined) expect(typeof res.providerMessageId).toBe('string')
    })

    it('maps a provider refusal to a non-retryable NotifierError naming the destination', async () => {
      const err = await sendFailure(h.refused, makeCtx())
      errors.push(err)
      expect(err.retryable).toBe(false)
      expect(err.message.startsWith(`${h.refused.destination}: `)).toBe(true)
      expect(err.message).not.toMatch(/\n/)
    })

    it('maps a temporary provider failure (5xx / SMTP 4xx) to a retryable NotifierError', async () => {
      h.failNext()
      const err = await sendFailure(h.notifier, makeCtx())
      errors.push(err)
      expect(err.retryable).toBe(true)
      expect(err.message.startsWith(`${h.notifier.destination}: `)).toBe(true)
    })

    it('maps connection refused to a retryable NotifierError', async () => {
      const err = await sendFailure(h.unreachable, makeCtx())
      errors.push(err)
      expect(err.retryable).toBe(true)
      expect(err.message).toMatch(/refused|ECONNREFUSED/i)
    })

    it('gives up at the deadline of ctx.signal, retryable', async () => {
      h.hangNext()
      const started = performance.now()
      const err = await sendFailure(h.notifier, makeCtx({ timeoutMs: 150 }))
      errors.push(err)
      expect(performance.now() - started).toBeLessThan(2_000)
      expect(err.retryable).toBe(true)
      expect(err.message).toMatch(/deadline/)
    })

    it('stops mid-attempt when ctx.signal is aborted', async () => {
      h.hangNext()
      const ac = new AbortController()
      // Abort once the attempt has reached the fake (or after 1 s), so it is truly mid-flight.
      const before = h.contacts()
      const started = Date.now()
      const poll = setInterval(() => {
        if (h.contacts() > before || Date.now() - started > 1_000) {
          clearInterval(poll)
          ac.abort()
        }
      }, 5)
      const err = await sendFailure(h.notifier, makeCtx({ signal: ac.signal }))
      clearInterval(poll)
      errors.push(err)
      expect(err.retryable).toBe(true)
      expect(err.message).toMatch(/aborted/)
    })

    it('does not contact the provider when ctx.signal is already aborted', async () => {
      const before = h.contacts()
      const delivered = h.delivered()
      const err = await sendFailure(h.notifier, makeCtx({ signal: AbortSignal.abort() }))
      errors.push(err)
      expect(err.retryable).toBe(true)
      // Let a stray connection attempt land before counting.
      await new Promise((r) => setTimeout(r, 30))
      expect(h.contacts()).toBe(before)
      expect(h.delivered()).toBe(delivered)
    })

    it('is healthy again after the failures', async () => {
      await expect(h.notifier.send(sampleMessage({ idempotencyKey: 'ntf-after' }), makeCtx())).resolves.toBeDefined()
    })

    it('never shows a secret in destination or in any error', () => {
      expect(errors.length).toBeGreaterThanOrEqual(6)
      for (const n of [h.notifier, h.refused, h.unreachable]) {
        for (const s of h.secrets) expect(n.destination).not.toContain(s)
      }
      for (const err of errors) {
        const text = errorTexts(err)
        for (const s of h.secrets) expect(text, `secret in: ${err.message}`).not.toContain(s)
      }
    })
  })
}
