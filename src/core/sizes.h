/* Sizes of the decoder's fixed buffers. The decoder never grows a buffer: a frame
 * larger than these is reported and dropped. */
#ifndef HP_CORE_SIZES_H
#define HP_CORE_SIZES_H

/* Largest APDU after joining HDLC or M-Bus segments or GBT blocks. The largest
 * pushes seen are under 1 KiB (Aidon SE 579 bytes, L&G GBT lists); 8 KiB leaves
 * room for long-form lists without letting a bogus length hold much memory. */
#define HP_APDU_MAX 8192

/* Longest DSMR telegram: a full DSMR 5 telegram with four M-Bus channels, the
 * failure log and a 1024-character hex-encoded message stays below 5 KiB. */
#define HP_TELEGRAM_MAX 8192

/* The stream's look-ahead window: one frame of the largest kind plus the start
 * of the next. */
#define HP_SCAN_MAX (HP_TELEGRAM_MAX + 2048)

/* A silence longer than this between segments abandons the message
 * (protocols.md (a): reset on a gap of more than 2 s). */
#define HP_SEGMENT_TIMEOUT_MS 2000

#endif
