import { describe, expect, it } from 'vitest'
import { CHANNEL_TYPES, ChannelConfig } from '../../../../protocol'
import { channelConfigHash, createNotifier, NOTIFIERS, notifierDefinition, validateChannel } from '../../../../server/alerting/notifiers'

const CONFIGS: Record<(typeof CHANNEL_TYPES)[number], unknown> = {
  zalo: { type: 'zalo', token: '1:zalo-token-secret', chatId: 'g1' },
  telegram: { type: 'telegram', botToken: '1:tg-token-secret', chatId: -1001 },
  email: { type: 'email', host: 'smtp.example.vn', user: 'u', password: 'smtp-secret', from: 'a@example.vn', to: ['b@example.vn'] },
  webhook: { type: 'webhook', url: 'https://hooks.example.vn/path-token', secret: `whsec_${Buffer.from('0123456789abcdef0123').toString('base64')}` },
  slack: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/slack-secret' },
}

describe('notifiers/index', () => {
  it('has exactly one definition per channel type, each under its own key', () => {
    expect(Object.keys(NOTIFIERS).sort()).toEqual([...CHANNEL_TYPES].sort())
    for (const type of CHANNEL_TYPES) {
      const def = notifierDefinition(type)
      expect(def.type).toBe(type)
      expect(def.perMinute).toBeGreaterThan(0)
      expect(def.maxTextLength).toBeGreaterThan(0)
    }
    expect(notifierDefinition('telegram')).toMatchObject({ perMinute: 20, maxTextLength: 4096 })
    expect(notifierDefinition('zalo')).toMatchObject({ maxTextLength: 2000 })
  })

  it.each(CHANNEL_TYPES)('creates a %s notifier whose destination shows no secret', (type) => {
    const config = ChannelConfig.parse(CONFIGS[type])
    expect(validateChannel(config)).toBeUndefined()
    const n = createNotifier(config)
    expect(n.type).toBe(type)
    expect(n.destination).not.toMatch(/secret|path-token/)
  })

  it('the schema refuses Zalo configs a notifier cannot use, naming the field', () => {
    const noChat = ChannelConfig.safeParse({ type: 'zalo', token: 't' })
    expect(noChat.error?.issues[0]).toMatchObject({ path: ['chatId'], message: 'zalo bot mode needs chatId' })
    const oaWithChat = ChannelConfig.safeParse({ type: 'zalo', mode: 'oa', token: 't', chatId: 'c' })
    expect(oaWithChat.error?.issues.map((i) => i.message)).toContain('zalo oa mode needs exactly one of groupId (GMF group) or userId')
  })

  it('a channel config hash ignores key order and changes with any value', () => {
    const a = ChannelConfig.parse({ type: 'telegram', botToken: '1:x', chatId: -1 })
    const b = ChannelConfig.parse({ chatId: -1, botToken: '1:x', type: 'telegram' })
    const c = ChannelConfig.parse({ type: 'telegram', botToken: '1:x', chatId: -2 })
    expect(channelConfigHash(a)).toBe(channelConfigHash(b))
    expect(channelConfigHash(c)).not.toBe(channelConfigHash(a))
  })
})
