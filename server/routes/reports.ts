import { Hono } from 'hono'
import { z } from 'zod'
import { ReportMonth } from '../../protocol'
import type { AppDeps, AppEnv } from '../app'
import { AppError } from '../errors'
import { csvLanguage } from '../inventory/csv'
import { buildSlaReport, monthOf, slaReportCsv } from '../reports/sla'

const SlaQuery = z.strictObject({
  month: ReportMonth.optional(),
  format: z.enum(['json', 'csv']).default('json'),
  lang: z.enum(['vi', 'en']).optional(),
})

/**
 * `GET /reports/sla?month=YYYY-MM[&format=csv][&lang=vi|en]`: the monthly SLA per commune,
 * cluster and province (default: the current month in Asia/Ho_Chi_Minh, up to now). CSV is
 * UTF-8 with a BOM for Excel, offered as a download named after the province and month; its
 * language (`lang`, else Accept-Language, else vi) picks headers and dialect: vi `;` and a
 * decimal comma, en `,` and a decimal point.
 */
export function reportRoutes(deps: AppDeps): Hono<AppEnv> {
  const now = deps.now ?? Date.now
  return new Hono<AppEnv>().get('/reports/sla', (c) => {
    const parsed = SlaQuery.safeParse(c.req.query())
    if (!parsed.success) throw AppError.fromZod(parsed.error)
    const q = parsed.data
    const at = now()
    const month = q.month ?? monthOf(at)
    if (month > monthOf(at)) throw new AppError('E_VALIDATION', `month: ${month} has not begun`, [{ path: 'month', message: 'has not begun' }])
    const report = buildSlaReport(deps.store, month, at, deps.province())
    if (q.format === 'json') return c.json(report)
    const name = `xanh-sla-${report.province.code}-${month}.csv`.replace(/[^A-Za-z0-9._-]/g, '_')
    return c.body(slaReportCsv(report, csvLanguage(q.lang, c.req.header('accept-language'))), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
    })
  })
}
