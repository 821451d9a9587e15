import { describe, expect, it } from 'vitest'
import { createApi, seriesUrl, type FetchLike, type ResponseLike } from '../../web/src/api'
import { commune, overview } from './fakes'

function respond(status: number, body: unknown): ResponseLike {
  return { ok: status >= 200 && status < 300, status, json: async () => body }
}

function fakeFetch(handler: (url: string) => ResponseLike | Promise<ResponseLike>): { fetch: FetchLike; urls: string[] } {
  const urls: string[] = []
  return {
    urls,
    fetch: async (url) => {
      urls.push(url)
      return handler(url)
    },
  }
}

describe('createApi', () => {
  it('parses a valid overview', async () => {
    const f = fakeFetch(() => respond(200, overview([commune('A')])))
    const res = await createApi(f.fetch).overview()
    expect(res.ok).toBe(true)
    expect(f.urls).toEqual(['/api/v1/overview'])
  })

  it('reports a body that does not match the schema as E_PARSE with the failing path', async () => {
    const bad = overview([commune('A')])
    const body = { ...bad, communes: [{ ...bad.communes[0], state: 'purple' }] }
    const res = await createApi(fakeFetch(() => respond(200, body)).fetch).overview()
    expect(res).toMatchObject({ ok: false, error: { code: 'E_PARSE', path: 'communes.0.state' } })
  })

  it('passes the server error code through', async () => {
    const f = fakeFetch(() => respond(404, { error: { code: 'E_NOT_FOUND', message: 'no commune X' } }))
    const res = await createApi(f.fetch).commune('X y')
    expect(res).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND', status: 404 } })
    expect(f.urls).toEqual(['/api/v1/communes/X%20y'])
  })

  it('maps a non-JSON error page to E_HTTP and a transport failure to E_NETWORK', async () => {
    const html: FetchLike = async () => ({ ok: false, status: 502, json: async () => JSON.parse('<html>') as unknown })
    expect(await createApi(html).overview()).toMatchObject({ ok: false, error: { code: 'E_HTTP', status: 502 } })
    const down: FetchLike = async () => {
      throw new TypeError('Failed to fetch')
    }
    expect(await createApi(down).overview()).toMatchObject({ ok: false, error: { code: 'E_NETWORK' } })
  })

  it('builds the series URL with ISO times and the step', () => {
    const url = seriesUrl({
      targetId: 'line-1',
      metric: 'rtt_median_seconds',
      fromMs: Date.parse('2025-07-01T00:00:00Z'),
      toMs: Date.parse('2025-07-01T06:00:00Z'),
      stepSeconds: 60,
    })
    const u = new URL(url, 'http://x')
    expect(u.pathname).toBe('/api/v1/targets/line-1/series')
    expect(Object.fromEntries(u.searchParams)).toEqual({
      metric: 'rtt_median_seconds',
      from: '2025-07-01T00:00:00.000Z',
      to: '2025-07-01T06:00:00.000Z',
      step: '60',
    })
  })

  it('sends writes as JSON with the method, and reads 204 as success', async () => {
    const seen: Array<{ url: string; method?: string; body?: string; type?: string }> = []
    const fetch: FetchLike = async (url, init) => {
      seen.push({ url, method: init.method, body: init.body, type: init.headers['content-type'] })
      return url.endsWith('/ack')
        ? respond(200, {
            id: 7, key: 'k', alertname: 'XanhTargetDown', state: 'acknowledged', severity: 'critical', targetId: 't', communeCode: 'A', communeName: 'A', cluster: '', role: 'line', targetName: 't', kind: 'icmp', reason: 'down', verdict: null, error: null,
            summary: 's', labels: {}, affectedCommunes: 1, flapping: false, openedAt: '2025-07-01T00:00:00Z', ackedAt: '2025-07-01T00:01:00Z', ackedBy: 'op', ackComment: 'c', resolvedAt: null, silence: null,
          })
        : { ok: true, status: 204, json: async () => JSON.parse('') as unknown }
    }
    const api = createApi(fetch)
    expect((await api.ack(7, 'c')).ok).toBe(true)
    expect(await api.deleteGap(3)).toEqual({ ok: true, data: null })
    expect(seen).toEqual([
      { url: '/api/v1/alerts/7/ack', method: 'POST', body: '{"comment":"c"}', type: 'application/json' },
      { url: '/api/v1/gaps/3', method: 'DELETE', body: undefined, type: undefined },
    ])
  })

  it('checks an import with a dry run, and passes every issue of a refused import through', async () => {
    const urls: string[] = []
    const issues = [{ line: 3, path: 'kind', message: 'x' }, { line: 9, path: 'lat', message: 'y' }]
    const fetch: FetchLike = async (url, init) => {
      urls.push(`${init.method} ${url} ${init.headers['content-type']}`)
      return url.includes('dryRun') ? respond(200, { valid: false, kind: 'gaps', message: '2 bad rows', issues }) : respond(422, { error: { code: 'E_IMPORT_INVALID', message: '2 bad rows', issues } })
    }
    const api = createApi(fetch)
    expect(await api.checkImport('gaps', 'csv', 'a,b')).toMatchObject({ ok: true, data: { valid: false, issues } })
    expect(await api.importFile('gaps', 'csv', 'a,b')).toMatchObject({ ok: false, error: { code: 'E_IMPORT_INVALID', issues } })
    expect(urls).toEqual(['POST /api/v1/gaps/import?format=csv&dryRun=1 text/csv; charset=utf-8', 'POST /api/v1/gaps/import?format=csv text/csv; charset=utf-8'])
  })
})
