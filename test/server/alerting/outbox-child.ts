/**
 * Child process for the outbox crash test: `enqueue` writes 50 notifications for a webhook
 * and keeps trying to deliver them; `deliver` drains the outbox and exits.
 * Usage: node --import tsx outbox-child.ts <enqueue|deliver> <dataDir> <webhookUrl>
 */
import { join } from 'node:path'
import pino from 'pino'
import { loadServerConfig } from '../../../server/config'
import { createServerRuntime } from '../../../server/runtime'
import { openDatabase } from '../../../server/store/db'

const [mode, dataDir, url] = process.argv.slice(2) as [string, string, string]
const opened = openDatabase(join(dataDir, 'xanh.db'))
const base = loadServerConfig({ XANH_DATA_DIR: dataDir })
const config = { ...base, alerting: { ...base.alerting, backoffBaseSeconds: 0.05, backoffMaxSeconds: 0.2, sendTimeoutSeconds: 2 } }
const runtime = createServerRuntime({ config, log: pino({ level: 'silent' }), opened })
const { outbox } = runtime.alerting

if (mode === 'enqueue') {
  runtime.store.supportGroups.create({ name: 'NOC', channels: [{ type: 'webhook', url }], communes: [], clusters: [], escalation: [] })
  runtime.alerting.reload()
  for (let i = 0; i < 50; i++) {
    outbox.enqueue({
      idempotencyKey: `crash-test-${i}`,
      groupName: 'NOC',
      channelIndex: 0,
      channel: { type: 'webhook', url },
      incidentIds: [],
      message: {
        idempotencyKey: `crash-test-${i}`,
        threadKey: 't',
        status: 'firing',
        title: `Thông báo ${i}`,
        text: `Đường truyền số ${i} mất kết nối`,
        html: `<b>${i}</b>`,
        receiver: 'NOC',
        groupKey: `{n="${i}"}`,
        groupLabels: {},
        commonLabels: {},
        alerts: [],
      },
    })
  }
  process.stdout.write('ENQUEUED\n')
}
const loop = async (): Promise<void> => {
  for (;;) {
    await outbox.deliverDue()
    const c = outbox.counts()
    process.stdout.write(`COUNTS ${JSON.stringify(c)}\n`)
    if (mode === 'deliver' && c.pending === 0) {
      opened.sqlite.close()
      process.exit(0)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}
void loop()
