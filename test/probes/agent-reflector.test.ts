import { startUdpEchoReflector } from '../../probes/reflector'
import { runReflectorContract } from '../server/reflector/reflector.contract'

// The agent's reflector (probes/reflector.ts, `--reflector-port`) is the server's twin.
runReflectorContract('agent', startUdpEchoReflector)
