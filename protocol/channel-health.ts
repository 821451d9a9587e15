/**
 * Delivery health of alert channels (issue 11): what the last attempt of each channel of each
 * support group left behind, and why a failure happened in words a provincial admin can act on.
 * The server writes it; Settings, the API and `/metrics` show it.
 * @module
 */
import { z } from 'zod'

/** What a failure needs: it will pass by itself (`retry`), a person must act (`admin`), or it never will (`permanent`). */
export const FailureAction = z.enum(['retry', 'admin', 'permanent'])
export type FailureAction = z.infer<typeof FailureAction>

/**
 * Stable causes of delivery failures, each explained below in Vietnamese and English. Codes
 * come from the providers' documented errors (Zalo OA "Mã lỗi", Telegram Bot API, HTTP).
 */
export const CHANNEL_ERROR_HINTS = {
  network: {
    vi: 'Không kết nối được tới máy chủ của dịch vụ (mạng, DNS, tường lửa). Xanh sẽ tự gửi lại.',
    en: 'Could not reach the service (network, DNS, firewall). Xanh retries by itself.',
  },
  timeout: { vi: 'Dịch vụ không trả lời kịp thời hạn. Xanh sẽ tự gửi lại.', en: 'The service did not answer in time. Xanh retries by itself.' },
  rate_limited: {
    vi: 'Dịch vụ báo gửi quá nhiều tin; Xanh chờ đúng thời gian dịch vụ yêu cầu rồi gửi lại (gộp tin nếu cần).',
    en: 'The service says too many messages; Xanh waits as long as it asks, then retries (digesting if needed).',
  },
  server_error: { vi: 'Máy chủ của dịch vụ đang lỗi (5xx). Xanh sẽ tự gửi lại.', en: 'The service has a server error (5xx). Xanh retries by itself.' },
  request_invalid: {
    vi: 'Không tạo được yêu cầu gửi đi (giá trị không hợp lệ trong cấu hình kênh). Cần quản trị viên kiểm tra cấu hình.',
    en: 'The request could not be built (an invalid value in the channel settings). An admin must check the settings.',
  },
  refused: { vi: 'Dịch vụ từ chối tin nhắn. Xem chi tiết lỗi và sửa cấu hình kênh.', en: 'The service refused the message. See the error and fix the channel settings.' },
  unauthorized: {
    vi: 'Mã truy cập (token) sai hoặc đã bị thu hồi. Quản trị viên cần nhập mã mới.',
    en: 'The access token is wrong or revoked. An admin must enter a new one.',
  },
  chat_not_found: {
    vi: 'Không tìm thấy nhóm/cuộc trò chuyện, hoặc bot đã bị mời ra khỏi nhóm. Thêm lại bot hoặc sửa chat id.',
    en: 'Chat not found, or the bot was removed from it. Add the bot again or fix the chat id.',
  },
  chat_migrated: {
    vi: 'Nhóm Telegram đã được nâng cấp thành siêu nhóm; Xanh đã tự cập nhật chat id mới và gửi lại.',
    en: 'The Telegram group became a supergroup; Xanh updated the chat id and sent again.',
  },
  gone: {
    vi: 'Địa chỉ webhook báo đã ngừng hoạt động (410 Gone): kênh bị tắt. Sửa địa chỉ rồi bấm "Bật lại".',
    en: 'The webhook says it is gone (410 Gone): the channel is disabled. Fix the address, then re-enable it.',
  },
  smtp_refused: { vi: 'Máy chủ thư từ chối (sai địa chỉ, sai mật khẩu hoặc bị chặn).', en: 'The mail server refused (bad address, bad password or blocked).' },
  zalo_token_expired: {
    vi: 'Access token Zalo OA hết hạn hoặc không hợp lệ và không làm mới được. Cần cấp quyền lại cho ứng dụng và nhập cặp token mới.',
    en: 'The Zalo OA access token expired or is invalid and could not be refreshed. Re-authorize the app and enter a new token pair.',
  },
  zalo_refresh_failed: {
    vi: 'Làm mới token Zalo OA thất bại (refresh token sai, đã dùng hoặc quá 3 tháng; sai app id/secret key). Cần cấp quyền lại và nhập cặp token mới.',
    en: 'Refreshing the Zalo OA token failed (refresh token wrong, used or older than 3 months; wrong app id/secret key). Re-authorize and enter a new pair.',
  },
  zalo_quota: {
    vi: 'Zalo OA đã hết hạn mức gửi tin (quota). Mua thêm gói hoặc chờ hạn mức mới.',
    en: 'The Zalo OA is out of message quota. Buy more or wait for the next period.',
  },
  zalo_not_follower: {
    vi: 'Người nhận chưa quan tâm OA hoặc không tương tác với OA trong 7 ngày qua: Zalo không cho gửi tin tư vấn. Nhờ người nhận nhắn cho OA, hoặc dùng nhóm GMF.',
    en: 'The recipient does not follow the OA or has not interacted with it in 7 days: Zalo refuses consultation messages. Ask them to message the OA, or use a GMF group.',
  },
  zalo_oa_not_allowed: {
    vi: 'OA chưa được xác thực, chưa có gói dịch vụ hoặc ứng dụng chưa được cấp quyền cho API này.',
    en: 'The OA is not verified, lacks the service package, or the app is not authorized for this API.',
  },
  zalo_group_unavailable: {
    vi: 'Nhóm GMF bị tắt, hết gói GMF hoặc OA không còn trong nhóm. Gia hạn gói GMF hoặc kiểm tra group_id.',
    en: 'The GMF group is disabled, its GMF package expired, or the OA is not in it. Renew the package or check the group_id.',
  },
  zalo_bad_request: { vi: 'Zalo báo tham số không hợp lệ (ví dụ user_id/group_id sai).', en: 'Zalo says a parameter is invalid (a wrong user_id/group_id, say).' },
  provider_error: { vi: 'Dịch vụ trả lỗi khác; xem chi tiết.', en: 'The service returned another error; see the detail.' },
  disabled: { vi: 'Kênh đang tắt; bấm "Bật lại" sau khi sửa.', en: 'The channel is disabled; re-enable it after fixing it.' },
} as const satisfies Record<string, { vi: string; en: string }>

export type ChannelErrorCode = keyof typeof CHANNEL_ERROR_HINTS
export const ChannelErrorCode = z.enum(Object.keys(CHANNEL_ERROR_HINTS) as [ChannelErrorCode, ...ChannelErrorCode[]])

const IsoTime = z.iso.datetime({ offset: true })

/** One channel's delivery health, as `GET /api/v1/groups` and Settings show it. */
export const ChannelHealth = z.strictObject({
  /** `ok` (last attempt delivered or never failed), `failing` (retrying), `needs_admin`, `disabled`. */
  status: z.enum(['ok', 'failing', 'needs_admin', 'disabled', 'unused']),
  lastAttemptAt: IsoTime.nullable(),
  lastSuccessAt: IsoTime.nullable(),
  lastErrorAt: IsoTime.nullable(),
  /** The provider's answer, one line, secret-free. */
  lastError: z.string().nullable(),
  lastErrorAction: FailureAction.nullable(),
  lastErrorCode: ChannelErrorCode.nullable(),
  consecutiveFailures: z.number().int().nonnegative(),
  nextRetryAt: IsoTime.nullable(),
  disabledAt: IsoTime.nullable(),
  disabledReason: z.string().nullable(),
  /** Messages waiting for this channel, and since when the oldest has waited. */
  pending: z.number().int().nonnegative(),
  oldestPendingAt: IsoTime.nullable(),
  /** The oldest waiting message is older than `alerting.overdueSeconds`: surfaced, not only retried. */
  overdue: z.boolean(),
})
export type ChannelHealth = z.infer<typeof ChannelHealth>

/** What one channel answered to a test message (`POST /api/v1/groups/:id/test`). */
export const ChannelTestResult = z.strictObject({
  index: z.number().int().nonnegative(),
  type: z.string(),
  destination: z.string(),
  ok: z.boolean(),
  providerMessageId: z.string().nullable(),
  error: z.string().nullable(),
  errorCode: ChannelErrorCode.nullable(),
  action: FailureAction.nullable(),
  milliseconds: z.number().nonnegative(),
})
export type ChannelTestResult = z.infer<typeof ChannelTestResult>
export const GroupTestAnswer = z.strictObject({ results: z.array(ChannelTestResult) })
export type GroupTestAnswer = z.infer<typeof GroupTestAnswer>

/** A chat that recently wrote to a Zalo bot (for finding the `chatId` of a bot channel). */
export const ZaloBotChat = z.strictObject({
  chatId: z.string(),
  chatType: z.string().nullable(),
  name: z.string().nullable(),
  lastText: z.string().nullable(),
  at: IsoTime.nullable(),
})
export type ZaloBotChat = z.infer<typeof ZaloBotChat>
export const ZaloBotChatsInput = z.strictObject({
  token: z.string().min(1).max(500),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
})
export const ZaloBotChatsAnswer = z.strictObject({
  bot: z.strictObject({ id: z.string().nullable(), name: z.string().nullable(), canJoinGroups: z.boolean().nullable() }),
  chats: z.array(ZaloBotChat),
})
export type ZaloBotChatsAnswer = z.infer<typeof ZaloBotChatsAnswer>
