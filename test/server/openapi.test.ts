/**
 * The OpenAPI document (issue 12 part 7, done-when 5): `GET /api/openapi.json` serves a document
 * an independent validator accepts as OpenAPI 3.1, with exactly the routes of `ROUTE_ACCESS` (a
 * route added to the table and the app shows up here), and the request and answer schemas are
 * the ones `protocol/` validates with.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ResultBatch } from '../../protocol'
import { ROUTE_ACCESS, type RouteKey } from '../../server/access'
import { buildOpenApi, openApiPath } from '../../server/openapi'
import { CONTENT_SECURITY_POLICY } from '../../server/security-headers'
import { makeTestServer, type TestServer } from '../helpers/server'

type Json = Record<string, unknown>
interface Operation {
  'x-xanh-access'?: string
  parameters?: Array<{ name: string; in: string; required: boolean; schema: Json }>
  requestBody?: { required: boolean; content: Record<string, { schema?: Json }> }
  responses: Record<string, Json>
  security?: Array<Record<string, string[]>>
}
interface Doc {
  openapi: string
  info: { title: string; version: string }
  paths: Record<string, Record<string, Operation>>
  components: Json
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

let s: TestServer
let res: Response
let doc: Doc

beforeAll(async () => {
  s = makeTestServer()
  res = await s.runtime.app.request('/api/openapi.json')
  doc = (await res.clone().json()) as Doc
})
afterAll(() => s.close())

/** Follows local `$ref`s (`#/components/…`) until a value that is not one. */
function deref(node: unknown): Json {
  let cur = node as Json
  for (let hops = 0; typeof cur.$ref === 'string'; hops++) {
    if (hops > 10) throw new Error('$ref loop')
    const path = (cur.$ref as string).replace(/^#\//, '').split('/')
    cur = path.reduce<unknown>((o, k) => (o as Json)[k], doc) as Json
    if (cur === undefined) throw new Error(`unresolved ${JSON.stringify(node)}`)
  }
  return cur
}

/** The operation of a table key, e.g. `GET /api/v1/alerts/:id{[0-9]+}`, looked up independently of the module's own conversion. */
function op(key: RouteKey): Operation {
  const [method, pattern] = key.split(' ') as [string, string]
  const path = pattern.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')
  const found = doc.paths[path]?.[method.toLowerCase()]
  if (!found) throw new Error(`${key}: no ${method} ${path} in the document`)
  return found
}

const jsonBody = (key: RouteKey): Json => deref(op(key).requestBody?.content['application/json']?.schema)
const jsonAnswer = (key: RouteKey, status: string): Json => deref((deref(op(key).responses[status]).content as Record<string, { schema: Json }>)['application/json']?.schema)

describe('GET /api/openapi.json', () => {
  it('answers the document to anyone, as JSON, with the security headers of every route', () => {
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('is OpenAPI 3.1 that the validator accepts, every $ref resolving', async () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    const validator = new Validator()
    const result = await validator.validate(structuredClone(doc) as unknown as Json)
    expect(result.valid, `validator errors:\n${JSON.stringify(result.errors, null, 2)}`).toBe(true)
    expect(validator.version).toBe('3.1')
    expect(() => validator.resolveRefs()).not.toThrow()
  })

  it("names the product and package.json's version", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
    expect(doc.info.title).toBe('Xanh')
    expect(doc.info.version).toBe(pkg.version)
  })

  it('documents exactly the routes of the access table', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.has(m)).map((m) => `${m.toUpperCase()} ${path}`))
    const table = Object.keys(ROUTE_ACCESS).map((key) => key.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}'))
    expect(new Set(table).size, 'two table entries map to one OpenAPI operation').toBe(table.length)
    expect(table.filter((k) => !documented.includes(k)), 'routes of ROUTE_ACCESS missing from the document').toEqual([])
    expect(documented.filter((k) => !table.includes(k)), 'operations not in ROUTE_ACCESS').toEqual([])
  })

  it("carries each route's access, its security schemes, and the error body", () => {
    for (const key of Object.keys(ROUTE_ACCESS) as RouteKey[]) {
      const access = ROUTE_ACCESS[key]
      const o = op(key)
      expect(o['x-xanh-access'], key).toBe(access)
      expect(deref(o.responses.default), key).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } })
      const schemes = (o.security ?? []).flatMap((r) => Object.keys(r))
      if (access === 'public') expect(o.security, key).toBeUndefined()
      else expect(o.responses['401'], key).toBeDefined()
      if (['viewer', 'operator', 'admin', 'user'].includes(access)) expect(schemes, key).toEqual(['sessionCookie', 'basicAuth'])
      if (access === 'probe') expect(schemes, key).toEqual(['probeToken'])
      if (access === 'alerts') expect(schemes, key).toContain('alertsToken')
      if (access === 'metrics') expect(o.security, key).toContainEqual({})
    }
    const schemes = doc.components.securitySchemes as Record<string, Json>
    expect(schemes.sessionCookie).toEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'xanh_session' }))
    expect(schemes.probeToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }))
    expect(deref({ $ref: '#/components/schemas/ErrorBody' })).toMatchObject({ required: ['error'] })
  })

  it('turns Hono path parameters into OpenAPI ones, the regex anchored as the pattern', () => {
    const id = op('GET /api/v1/alerts/:id{[0-9]+}').parameters?.find((p) => p.name === 'id')
    expect(id).toMatchObject({ in: 'path', required: true, schema: { type: 'string' } })
    const pattern = new RegExp(id?.schema.pattern as string)
    expect(pattern.test('42')).toBe(true)
    expect(pattern.test('4a2')).toBe(false)
    const kind = op('POST /api/v1/:kind{communes|targets|gaps}/import').parameters?.find((p) => p.name === 'kind')
    expect(['communes', 'gaps', 'communesx'].map((k) => new RegExp(kind?.schema.pattern as string).test(k))).toEqual([true, true, false])
    expect(op('PUT /api/v1/communes/:code').parameters).toEqual([{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }])
    expect(op('POST /api/v1/groups/:id{[0-9]+}/channels/:index{[0-9]+}/enable').parameters?.map((p) => p.name)).toEqual(['id', 'index'])
    expect(() => openApiPath('/api/v1/things/:id?')).toThrow(/unsupported/)
  })

  it('gives POST /api/v1/users the UserInput schema: username, role and a password of at least 12 characters', () => {
    const body = jsonBody('POST /api/v1/users')
    expect(body.required).toEqual(['username', 'role', 'password'])
    const props = body.properties as Record<string, Json>
    expect(props.password).toMatchObject({ type: 'string', minLength: 12 })
    expect(props.role).toMatchObject({ enum: ['viewer', 'operator', 'admin'] })
    expect(body.additionalProperties).toBe(false)
    expect(Object.keys(op('POST /api/v1/users').responses)).toContain('201')
    expect(jsonAnswer('POST /api/v1/users', '201').properties).toHaveProperty('lastSeenAt')
  })

  it('gives POST /api/v1/ingest the ResultBatch schema and a 202 answer', () => {
    expect(op('POST /api/v1/ingest').requestBody?.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/ResultBatch' })
    const { $schema: _, ...batch } = z.toJSONSchema(ResultBatch, { target: 'draft-2020-12', io: 'input' })
    expect(jsonBody('POST /api/v1/ingest')).toEqual(batch)
    expect(jsonAnswer('POST /api/v1/ingest', '202').required).toEqual(['accepted', 'duplicates'])
  })

  it("gives GET /api/v1/overview the Overview answer, with every commune's summary", () => {
    const overview = jsonAnswer('GET /api/v1/overview', '200')
    expect(overview.required).toContain('communes')
    expect((overview.properties as Record<string, Json>).communes).toMatchObject({ type: 'array', items: { type: 'object' } })
  })

  it('lists query parameters of protocol queries, and the other answers a route gives', () => {
    const params = op('GET /api/v1/audit').parameters ?? []
    expect(params.find((p) => p.name === 'limit')).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', maximum: 10000 } })
    expect(params.find((p) => p.name === 'format')?.schema).toMatchObject({ enum: ['json', 'csv'] })
    expect(Object.keys(deref(op('GET /api/v1/audit').responses['200']).content as Json)).toEqual(['application/json', 'text/csv'])
    expect(op('GET /api/v1/speedtest/download').parameters?.find((p) => p.name === 'bytes')).toMatchObject({ required: true })
    expect(op('DELETE /api/v1/session').responses['204']).toEqual({ description: expect.any(String) })
    expect(op('POST /api/v1/communes/:code/test-runs').requestBody?.required).toBe(false)
    expect(Object.keys(op('GET /api/v1/probe/config').responses)).toContain('304')
  })

  it('is built once', () => {
    expect(buildOpenApi()).toBe(buildOpenApi())
    expect(Object.isFrozen(buildOpenApi())).toBe(true)
  })
})
