/**
 * `throughput` check (SPEC §3): HTTP streams against a Xanh server's speedtest endpoints, or
 * iperf3 when the far end runs it. Heavy: the scheduler runs these one at a time per agent.
 * @module
 */
import type { TargetOf } from '../../protocol'
import type { Checker } from './checker'
import { runHttpThroughput } from './throughput-http'
import { runIperf3Throughput } from './throughput-iperf3'

/**
 * Measures download and upload throughput to `host:port` in `options.mode` (see
 * {@link runHttpThroughput} and {@link runIperf3Throughput} for the measurements). Both modes
 * measure `download_bytes_per_second`, `upload_bytes_per_second`, `download_bytes`,
 * `upload_bytes` and `loaded_rtt_seconds`; every failure resolves `ok: false` naming host:port.
 * The target's timeout must exceed the whole test, 2 × (warm-up + duration).
 */
export const checkThroughput: Checker<TargetOf<'throughput'>> = (target, ctx) =>
  target.options.mode === 'iperf3' ? runIperf3Throughput(target, ctx) : runHttpThroughput(target, ctx)
