/**
 * Xanh's wire contract. Imports only zod; imported by `server/`, `probes/` and `web/`.
 * @module
 */
export * from './states'
export * from './targets'
export * from './result'
export * from './inventory'
export * from './api'
export * from './errors'
export * from './mos'
export * from './udp-echo'
export * from './alerting'
export * from './speedtest'
export * from './geo'
export * from './reports'
export * from './udp-echo-responder'
export * from './thresholds'
export * from './verdict'
export * from './time-zone'
export * from './verdict-text'
export * from './test-runs'
export * from './channel-health'
export * from './users'
