/**
 * Where the application's files are (package.json, the migrations, dist/web), found from the
 * running code instead of a path relative to one source file: the server runs both from its
 * sources (`tsx main.ts`) and from the bundle `npm run build` writes (`dist/server/main.mjs`),
 * where every module shares the bundle's `import.meta.url`.
 * @module
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The nearest folder at or above `fromUrl`'s folder that holds a package.json: the app root
 * from a source file (server/…, main.ts) and from the bundle (dist/server/) alike.
 * @throws when no folder up to the file system's root has one (a copy of the bundle alone)
 */
export function findAppRoot(fromUrl: string): string {
  let dir = dirname(fileURLToPath(fromUrl))
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir
    const up = dirname(dir)
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(fromUrl)}: run Xanh from its checkout`)
    dir = up
  }
}

/** The application's root folder (holds package.json). */
export const APP_ROOT = findAppRoot(import.meta.url)
