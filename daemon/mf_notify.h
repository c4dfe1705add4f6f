/*
 * mf_notify.h — telling the service manager how the daemon is doing
 * (sd_notify(3), through libsystemd), for a Type=notify unit.
 *
 * READY=1 says start-up is over: `systemctl start` returns and units ordered
 * after mashflow start. STATUS= is the line `systemctl status` shows.
 * STOPPING=1 says a stop has begun. WATCHDOG=1 is a keep-alive: a unit with
 * WatchdogSec= that stops receiving them is killed and restarted.
 *
 * Process-wide, like the log: the service manager names one socket per
 * process (NOTIFY_SOCKET) and one watchdog (WATCHDOG_USEC, WATCHDOG_PID).
 * When NOTIFY_SOCKET is unset (not under systemd, or Type= is not notify)
 * every function is a no-op that costs a getenv(). Call them from the
 * loop's thread only. A message that cannot be sent is dropped: the service
 * manager's view may lag, the daemon carries on.
 *
 * Nothing sent carries a value from an event: counts and states only.
 */
#ifndef MF_NOTIFY_H
#define MF_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* Whether a service manager listens (NOTIFY_SOCKET is set). */
bool mf_notify_enabled(void);

/* READY=1, the first time only. */
void mf_notify_ready(void);

/* STATUS=, formatted (at most 255 bytes are kept; one line). Not rate
 * limited: see mf_notify_progress for the daemon's periodic status. */
void mf_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* STOPPING=1 with a STATUS= line saying so. Later progress is not reported. */
void mf_notify_stopping(void);

/* WATCHDOG=1. */
void mf_notify_watchdog(void);

/* The watchdog interval the service manager asked this process for, in
 * microseconds (sd_watchdog_enabled: WATCHDOG_USEC, for this pid when
 * WATCHDOG_PID is set); 0 when none. */
uint64_t mf_notify_watchdog_usec(void);

/* When a watchdog is asked for, starts a timer on loop that sends WATCHDOG=1
 * at half the interval. It runs on the loop itself, so a loop that is stuck
 * stops the keep-alives and the service manager restarts the daemon. The
 * timer is unreferenced (it keeps no loop alive) and its memory is this
 * module's: whoever closes the loop's handles closes it (uv_walk), and a
 * later call may start it on a new loop. Returns 0, or a libuv error. */
int mf_notify_watchdog_start(uv_loop_t *loop);

/* Where the daemon is, for READY=1 and its STATUS= line. */
typedef struct {
        const char *waiting; /* before the group's first assignment: what for,
                                e.g. "the transaction coordinator"; else NULL */
        size_t assigned;     /* partitions assigned */
        size_t live;         /* of which live (state rebuilt) */
        uint64_t restored;   /* records replayed to rebuild state, since start */
        uint64_t records;    /* input records processed since start, all kinds */
} mf_notify_progress_t;

/* Reports progress: READY=1 the first time nothing is waited for and every
 * assigned partition is live (also when none is assigned: a member of a
 * group with more members than partitions is ready, standing by), and a
 * STATUS= line ("restoring 3 of 16 partitions ...", "16 partitions live,
 * 1200 records/s") when it changed, at most once a second: call it on
 * events and from a one-second timer. A no-op after mf_notify_stopping. */
void mf_notify_progress(const mf_notify_progress_t *p);

#endif
