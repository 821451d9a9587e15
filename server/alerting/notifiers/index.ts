/**
 * The one place that names every channel. The map is checked against `ChannelType`, so a
 * channel added to the protocol without a notifier (or the reverse) fails `tsc`.
 * @module
 */
import { createHash } from 'node:crypto'
import type { ChannelConfig, ChannelType } from '../../../protocol'
import type { Notifier, NotifierDefinition } from '../notifier'
import { email } from './email'
import { slack } from './slack'
import { telegram } from './telegram'
import { webhook } from './webhook'
import { zalo, zaloConfigProblem } from './zalo'

/** The config type of one channel type. */
export type ChannelConfigOf<K extends ChannelType> = Extract<ChannelConfig, { type: K }>
/** A definition per channel type. */
export type NotifierDefinitions = { [K in ChannelType]: NotifierDefinition<ChannelConfigOf<K>> }

/** Every notifier, by channel type. */
export const NOTIFIERS = { zalo, telegram, email, webhook, slack } satisfies NotifierDefinitions

/** The definition for a channel type (its rate budget and text limit for the outbox and renderer). */
export function notifierDefinition<K extends ChannelType>(type: K): NotifierDefinitions[K] {
  const all: NotifierDefinitions = NOTIFIERS
  return all[type]
}

/**
 * What is wrong with a channel config that its zod schema cannot express (a Zalo bot without
 * `chatId`, a Zalo OA without `userId`), or undefined when `createNotifier` will accept it.
 * Routes use it in a `superRefine` so a bad config is a 422, not a failure at send time.
 */
export function validateChannel(config: ChannelConfig): string | undefined {
  return config.type === 'zalo' ? zaloConfigProblem(config) : undefined
}

/**
 * The notifier for one configured channel. Throws (a plain Error with the
 * {@link validateChannel} message) only for a config that validation would have refused.
 */
export function createNotifier(config: ChannelConfig): Notifier {
  return createTyped(config)
}

function createTyped<K extends ChannelType>(config: ChannelConfigOf<K>): Notifier {
  const def: NotifierDefinition<ChannelConfigOf<K>> = notifierDefinition<K>(config.type)
  return def.create(config)
}

/** A stable hash of a channel's config: its health belongs to this exact config. */
export function channelConfigHash(config: ChannelConfig): string {
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : 1)))
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64url').slice(0, 22)
}

export { email, slack, telegram, webhook, zalo, zaloConfigProblem }
