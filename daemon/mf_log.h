/*
 * mf_log.h — structured log lines for the daemon.
 *
 *   2026-11-22T23:59:01.123Z info  source: partition live topic=mashflow.events
 * partition=3
 *
 * One line per event: UTC timestamp, level, component, message, then
 * key=value pairs. Lines go to stderr (journald adds its own metadata) or to
 * a file that SIGHUP re-opens for log rotation. Callers never pass child
 * identifiers or any other value from an event's payload: only counts, codes,
 * topics, partitions and offsets.
 */
#ifndef MF_LOG_H
#define MF_LOG_H

#include "mf_config.h"

void mf_log_init(int level, const char *path);
/* Re-opens the log file (after rotation); a no-op for stderr. */
void mf_log_reopen(void);
void mf_log(int level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define mf_log_error(c, ...) mf_log(MF_LOG_ERROR, c, __VA_ARGS__)
#define mf_log_warn(c, ...)  mf_log(MF_LOG_WARN, c, __VA_ARGS__)
#define mf_log_info(c, ...)  mf_log(MF_LOG_INFO, c, __VA_ARGS__)
#define mf_log_debug(c, ...) mf_log(MF_LOG_DEBUG, c, __VA_ARGS__)

#endif
