/**
 * The one time zone of Xanh (SPEC §4, §8): maintenance windows, SLA months, messages and the
 * dashboard are all in it, whatever the zone of the server or the browser.
 * @module
 */

/** The IANA zone every local time of Xanh is in. */
export const LOCAL_TIME_ZONE = 'Asia/Ho_Chi_Minh'
