import { startUdpEchoReflector } from '../../../server/reflector/udp-echo'
import { runReflectorContract } from './reflector.contract'

runReflectorContract('server', startUdpEchoReflector)
