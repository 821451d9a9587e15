import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import type { AppDeps, AppEnv } from '../app'

/** Serves the built dashboard; without a build, a plain page says how to make one. */
export function staticRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const root = deps.webRoot
  if (root && existsSync(join(root, 'index.html'))) {
    // index.html is read once: it is small and must not be cached by browsers across deploys.
    const index = readFileSync(join(root, 'index.html'), 'utf8')
    app.get('/', (c) => c.html(index, 200, { 'Cache-Control': 'no-cache' }))
    app.use('/assets/*', async (c, next) => {
      await next()
      if (c.res.status === 200) c.res.headers.set('Cache-Control', 'public, max-age=31536000, immutable')
    })
    app.use('/*', serveStatic({ root }))
  } else {
    app.get('/', (c) =>
      c.html('<!doctype html><meta charset="utf-8"><title>Xanh</title><p>Dashboard not built. Run <code>npm run build</code>, or use <code>npm start</code>, which builds it.</p>', 503),
    )
  }
  return app
}
