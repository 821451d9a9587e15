/**
 * The HTTP plumbing shared by notifiers: a request that fetch cannot even build (a header value
 * with Vietnamese text, as `webhook-id` once held the cluster name) is a permanent failure of
 * that message, never a "network error" retried for hours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotifierError } from '../../../../server/alerting/notifier'
import { postOnce, requestProblem } from '../../../../server/alerting/notifiers/http'
import { listenFake, type FakeHttp } from '../../../helpers/fake-http'
import { makeCtx } from './contract.case'

describe('postOnce', () => {
  let fake: FakeHttp
  beforeAll(async () => {
    fake = await listenFake((_req, res) => res.writeHead(204).end())
  })
  afterAll(() => fake.close())

  it('refuses a header fetch cannot carry, permanently, without contacting the provider', async () => {
    const target = { destination: 'webhook test', secrets: [] }
    const err = await postOnce(makeCtx(), target, `${fake.url}/x`, '{}', { 'x-nhom': 'Tổ hỗ trợ Kỳ Sơn' }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(NotifierError)
    expect(err).toMatchObject({ retryable: false })
    expect((err as Error).message).toMatch(/^webhook test: request cannot be built: .*ByteString/)
    expect(fake.requests).toHaveLength(0)
  })

  it('sends a request whose headers are ASCII and whose body holds Vietnamese', async () => {
    const answer = await postOnce(makeCtx(), { destination: 'webhook test', secrets: [] }, `${fake.url}/x`, '{"nhom":"Tổ hỗ trợ Kỳ Sơn"}', { 'content-type': 'application/json' })
    expect(answer.status).toBe(204)
    expect(fake.requests.at(-1)?.body).toBe('{"nhom":"Tổ hỗ trợ Kỳ Sơn"}')
  })

  it('names what fetch refuses: non-Latin-1 header values, credentials in the URL', () => {
    expect(requestProblem('http://127.0.0.1/', { 'webhook-id': 'n:Cụm Kỳ Sơn' })).toMatch(/ByteString/)
    expect(requestProblem('http://user:pass@127.0.0.1/', {})).toMatch(/credentials/)
    expect(requestProblem('http://127.0.0.1/', { 'webhook-id': 'msg_abc' })).toBeUndefined()
  })
})
