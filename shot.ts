import { launchChromium, refusingProxy } from './test/e2e/harness'
const proxy = await refusingProxy()
const b = await launchChromium('/usr/bin/chromium', proxy.port)
const p = await b.newPage({ viewport: { width: 1500, height: 1100 } })
const url = process.argv[2] ?? 'http://127.0.0.1:18080/'
await p.goto(url)
await p.waitForTimeout(2500)
await p.screenshot({ path: process.argv[3] ?? '/tmp/shot.png', fullPage: process.argv[4] === 'full' })
await b.close()
await proxy.close()
