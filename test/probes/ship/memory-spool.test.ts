import { createMemorySpool } from '../../../probes/ship/memory-spool'
import { runSpoolContract } from './spool.contract'

runSpoolContract('memory', async (caps) => createMemorySpool(caps))
