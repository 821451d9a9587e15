/**
 * Target specifications: what a probe checks and how (SPEC §2, §3). The probe
 * receives these from `GET /api/v1/probe/config`; the server stores them.
 * @module
 */
import { z } from 'zod'

/** Every check kind of SPEC §3. Adding one here forces a checker in `probes/checks/index.ts`. */
export const CheckKind = z.enum(['icmp', 'udp_echo', 'tcp', 'http', 'dns', 'sip', 'h323', 'throughput', 'snmp'])
export type CheckKind = z.infer<typeof CheckKind>

/** What a target is for in the topology; `line` is what pages. */
export const TargetRole = z.enum(['line', 'mcu', 'service', 'router', 'uplink'])
export type TargetRole = z.infer<typeof TargetRole>

/** Target ids are short ASCII slugs so they can be Prometheus label values and URL parts. */
/** What a target id may hold (with 1 to 80 characters): {@link TargetId}'s pattern, shared with `parseResultBatch`. */
export const TARGET_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/

export const TargetId = z.string().min(1).max(80).regex(TARGET_ID_PATTERN, 'letters, digits and . _ : - only, starting with a letter or digit')

/** Official admin-unit codes are ASCII (e.g. "NA-DIENCHAU" or "17245"). */
export const CommuneCode = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'ASCII letters, digits, _ and - only')

/** Host name, IPv4 or IPv6 literal. Validated loosely: the checker reports resolution failures as data. */
export const Host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_\-[\]%]+$/, 'a host name or an IP address')

const Port = z.number().int().min(1).max(65535)

export const IcmpOptions = z.strictObject({
  /** Echo requests per round; the default spreads 1 per second over the interval. */
  packets: z.number().int().min(1).max(1000).optional(),
  payloadBytes: z.number().int().min(0).max(1400).default(56),
})
export const UdpEchoOptions = z.strictObject({
  packets: z.number().int().min(1).max(10000).default(50),
  ratePps: z.number().positive().max(1000).default(20),
  payloadBytes: z.number().int().min(40).max(1400).default(64),
})
export const TcpOptions = z.strictObject({
  tls: z.boolean().default(false),
  serverName: z.string().max(253).optional(),
  insecure: z.boolean().default(false),
})
export const HttpOptions = z.strictObject({
  scheme: z.enum(['http', 'https']).default('http'),
  path: z.string().startsWith('/').max(2000).default('/'),
  method: z.enum(['GET', 'HEAD']).default('GET'),
  /** Accepted status codes; empty means 200–399. */
  expectStatus: z.array(z.number().int().min(100).max(599)).max(50).default([]),
  bodyContains: z.string().max(500).optional(),
  insecure: z.boolean().default(false),
  maxBodyBytes: z.number().int().positive().max(64 * 1024 * 1024).default(1024 * 1024),
})
export const DnsOptions = z.strictObject({
  name: z.string().min(1).max(253),
  type: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV']).default('A'),
})
export const SipOptions = z.strictObject({
  transport: z.enum(['udp', 'tcp']).default('udp'),
  uri: z.string().max(500).optional(),
})
export const H323Options = z.strictObject({})
export const ThroughputOptions = z.strictObject({
  mode: z.enum(['http', 'iperf3']).default('http'),
  streams: z.number().int().min(1).max(16).default(4),
  warmupSeconds: z.number().min(0).max(30).default(2),
  durationSeconds: z.number().positive().max(60).default(8),
  /** http mode: scheme of the far end's `/api/v1/speedtest/*` (default http). */
  scheme: z.enum(['http', 'https']).optional(),
  /** http mode over https: accept a certificate that does not verify. */
  insecure: z.boolean().optional(),
})
/** SNMPv3 USM authentication protocols (net-snmp's names). */
export const SnmpAuthProtocol = z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'])
/** SNMPv3 USM privacy protocols (net-snmp's names; aes = AES-128-CFB). */
export const SnmpPrivProtocol = z.enum(['des', 'aes', 'aes256b', 'aes256r'])
export const SnmpOptions = z.strictObject({
  version: z.enum(['2c', '3']).default('2c'),
  community: z.string().max(200).optional(),
  ifIndex: z.number().int().min(1),
  user: z.string().max(200).optional(),
  /** v3: when absent, follows from which passwords are set. */
  securityLevel: z.enum(['noAuthNoPriv', 'authNoPriv', 'authPriv']).optional(),
  /** v3: default sha. */
  authProtocol: SnmpAuthProtocol.optional(),
  /** v3: USM passwords are at least 8 characters (RFC 3414 §11.2). */
  authPassword: z.string().min(8).max(200).optional(),
  /** v3: default aes. */
  privProtocol: SnmpPrivProtocol.optional(),
  privPassword: z.string().min(8).max(200).optional(),
  /** Contracted rate of the line; utilization is relative to it (else to ifHighSpeed). */
  contractedBytesPerSecond: z.number().positive().optional(),
})

const common = {
  id: TargetId,
  communeCode: CommuneCode,
  name: z.string().max(200).optional(),
  host: Host,
  port: Port.optional(),
  role: TargetRole,
  intervalSeconds: z.number().min(1).max(86400),
  timeoutSeconds: z.number().min(0.1).max(600),
  /** Topology parents: this target is unreachable (not down) when all of them are down. */
  parents: z.array(TargetId).max(20).default([]),
}

/** One target as the probe sees it, discriminated by `kind`. */
export const TargetSpec = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('icmp'), options: IcmpOptions.default({ payloadBytes: 56 }) }),
  z.strictObject({ ...common, kind: z.literal('udp_echo'), options: UdpEchoOptions.default({ packets: 50, ratePps: 20, payloadBytes: 64 }) }),
  z.strictObject({ ...common, kind: z.literal('tcp'), options: TcpOptions.default({ tls: false, insecure: false }) }),
  z.strictObject({
    ...common,
    kind: z.literal('http'),
    options: HttpOptions.default({ scheme: 'http', path: '/', method: 'GET', expectStatus: [], insecure: false, maxBodyBytes: 1024 * 1024 }),
  }),
  z.strictObject({ ...common, kind: z.literal('dns'), options: DnsOptions }),
  z.strictObject({ ...common, kind: z.literal('sip'), options: SipOptions.default({ transport: 'udp' }) }),
  z.strictObject({ ...common, kind: z.literal('h323'), options: H323Options.default({}) }),
  z.strictObject({
    ...common,
    kind: z.literal('throughput'),
    options: ThroughputOptions.default({ mode: 'http', streams: 4, warmupSeconds: 2, durationSeconds: 8 }),
  }),
  z.strictObject({ ...common, kind: z.literal('snmp'), options: SnmpOptions }),
])
export type TargetSpec = z.infer<typeof TargetSpec>
/** The spec of one kind, e.g. `TargetOf<'icmp'>`. */
export type TargetOf<K extends CheckKind> = Extract<TargetSpec, { kind: K }>

/** Answer of `GET /api/v1/probe/config` (served with an ETag). */
export const ProbeConfig = z.strictObject({
  probeId: z.string().min(1),
  generatedAt: z.iso.datetime({ offset: true }),
  targets: z.array(TargetSpec),
})
export type ProbeConfig = z.infer<typeof ProbeConfig>

/** Default interval and timeout per kind (seconds), used when inventory leaves them out. */
export const KIND_DEFAULTS: Readonly<Record<CheckKind, { intervalSeconds: number; timeoutSeconds: number; port?: number }>> = {
  icmp: { intervalSeconds: 15, timeoutSeconds: 14 },
  udp_echo: { intervalSeconds: 15, timeoutSeconds: 10, port: 8620 },
  tcp: { intervalSeconds: 30, timeoutSeconds: 5 },
  http: { intervalSeconds: 60, timeoutSeconds: 10 },
  dns: { intervalSeconds: 60, timeoutSeconds: 5, port: 53 },
  sip: { intervalSeconds: 30, timeoutSeconds: 5, port: 5060 },
  h323: { intervalSeconds: 30, timeoutSeconds: 5, port: 1720 },
  throughput: { intervalSeconds: 6 * 3600, timeoutSeconds: 60 },
  snmp: { intervalSeconds: 60, timeoutSeconds: 10, port: 161 },
}
