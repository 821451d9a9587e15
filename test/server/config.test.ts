import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadServerConfig } from '../../server/config'
import { AppError } from '../../server/errors'

describe('loadServerConfig', () => {
  it('has the documented defaults', () => {
    const c = loadServerConfig({})
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: './data', demo: 'auto', logLevel: 'info', embeddedProbe: true })
    expect(c.state).toMatchObject({ downAfter: 3, upAfter: 2, unknownAfterIntervals: 3, windowSeconds: 900 })
    expect(c.thresholds).toMatchObject({ rttWarningSeconds: 0.05, rttCriticalSeconds: 0.1, lossWarningRatio: 0.001, lossCriticalRatio: 0.01 })
  })

  it('loads docs/config.example.yaml, whose values are the defaults it documents', () => {
    const file = readFileSync(new URL('../../docs/config.example.yaml', import.meta.url), 'utf8')
    const c = loadServerConfig({}, file, 'config.example.yaml')
    const d = loadServerConfig({})
    expect(c.heap).toEqual(d.heap)
    expect(c.retention).toEqual(d.retention)
    expect(c.sqliteCacheMiB).toBe(d.sqliteCacheMiB)
  })

  it('env wins over the file, the file over defaults', () => {
    const file = 'port: 9000\ndataDir: /srv/xanh\nstate:\n  downAfter: 5\n'
    const c = loadServerConfig({ XANH_PORT: '9100' }, file, 'xanh.yaml')
    expect(c.port).toBe(9100)
    expect(c.dataDir).toBe('/srv/xanh')
    expect(c.state.downAfter).toBe(5)
  })

  it.each([
    ['0', 'off'],
    ['off', 'off'],
    ['auto', 'auto'],
    ['1', 'auto'],
  ])('XANH_DEMO=%s → %s', (v, want) => {
    expect(loadServerConfig({ XANH_DEMO: v }).demo).toBe(want)
  })

  it.each([
    [{ XANH_PORT: 'eighty' }, /^XANH_PORT="eighty": /],
    [{ XANH_PORT: '70000' }, /^XANH_PORT="70000": /],
    [{ XANH_DEMO: 'maybe' }, /^XANH_DEMO="maybe": /],
    [{ XANH_LOG_LEVEL: 'loud' }, /^XANH_LOG_LEVEL="loud": /],
    [{ XANH_ADMIN_PASSWORD: 'short' }, /^XANH_ADMIN_PASSWORD=.*at least 12/],
    [{ XANH_PUBLIC_URL: 'not a url' }, /^XANH_PUBLIC_URL=/],
  ])('a bad env value names the variable: %o', (env, message) => {
    expect(() => loadServerConfig(env)).toThrow(message)
    try {
      loadServerConfig(env)
    } catch (e) {
      expect((e as AppError).code).toBe('E_VALIDATION')
    }
  })

  it.each([
    ['port: [1]\n', /^xanh.yaml: port: /],
    ['state:\n  downAfter: 0\n', /^xanh.yaml: state.downAfter: /],
    ['unknownKey: 1\n', /^xanh.yaml: .*unknownKey/],
    ['port: : :\n', /^xanh.yaml: not valid YAML/],
  ])('a bad file names the key: %j', (file, message) => {
    expect(() => loadServerConfig({}, file, 'xanh.yaml')).toThrow(message)
  })
})
