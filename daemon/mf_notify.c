/*
 * mf_notify.c — sd_notify(3) for the daemon: READY, STATUS, STOPPING and the
 * watchdog's keep-alives.
 *
 * libsystemd's sd_notify does the protocol (a datagram of NEWLINE-separated
 * assignments to the unix socket in NOTIFY_SOCKET, abstract or not, with the
 * sender's credentials); this module decides what to say and when. The
 * state below is the process's, as NOTIFY_SOCKET is: whether READY=1 has
 * gone, whether a stop has begun, and what the last STATUS= said and when,
 * so that a status changing with every record is sent once a second at
 * most (the service manager logs nothing for it, but it is a message to
 * PID 1 each time).
 */
#include "mf_notify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "mf_log.h"

/* STATUS= lines are sent this far apart at least. */
#define STATUS_MIN_INTERVAL_MS 1000

static struct {
        bool ready_sent;
        bool stopping;
        bool send_failed; /* a failure has been logged */
        char status[256]; /* the last STATUS= sent, without "STATUS=" */
        uint64_t status_ms;
        uint64_t sample_ms; /* when records was last sampled, for records/s */
        uint64_t sample_records;
        bool sampled;
        uv_timer_t watchdog;
} notify;

static uint64_t mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool mf_notify_enabled(void) {
        const char *s = getenv("NOTIFY_SOCKET");
        return s && *s;
}

static void send_msg(const char *msg) {
        int rc = sd_notify(0, msg);
        if (rc < 0 && !notify.send_failed) {
                notify.send_failed = true;
                mf_log_warn("notify", "cannot notify the service manager: %s",
                            strerror(-rc));
        }
}

void mf_notify_ready(void) {
        if (!mf_notify_enabled() || notify.ready_sent)
                return;
        notify.ready_sent = true;
        send_msg("READY=1");
}

/* Sends STATUS=text, text being one line (a newline would start another
 * assignment). */
static void send_status(const char *text) {
        char msg[sizeof(notify.status) + 8];
        snprintf(notify.status, sizeof(notify.status), "%s", text);
        for (char *c = notify.status; *c; c++)
                if (*c == '\n' || *c == '\r')
                        *c = ' ';
        snprintf(msg, sizeof(msg), "STATUS=%s", notify.status);
        notify.status_ms = mono_ms();
        send_msg(msg);
}

void mf_notify_status(const char *fmt, ...) {
        if (!mf_notify_enabled())
                return;
        char text[sizeof(notify.status)];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        send_status(text);
}

void mf_notify_stopping(void) {
        if (!mf_notify_enabled() || notify.stopping)
                return;
        notify.stopping = true;
        send_msg(
            "STOPPING=1\nSTATUS=stopping: finishing the batch and leaving the group");
}

void mf_notify_watchdog(void) {
        if (mf_notify_enabled())
                send_msg("WATCHDOG=1");
}

uint64_t mf_notify_watchdog_usec(void) {
        uint64_t usec = 0;
        if (!mf_notify_enabled() || sd_watchdog_enabled(0, &usec) <= 0)
                return 0;
        return usec;
}

static void on_watchdog(uv_timer_t *h) {
        (void)h;
        mf_notify_watchdog();
}

int mf_notify_watchdog_start(uv_loop_t *loop) {
        uint64_t usec = mf_notify_watchdog_usec();
        if (!usec)
                return 0;
        uint64_t period_ms = usec / 2000;
        if (!period_ms)
                period_ms = 1;
        int rc = uv_timer_init(loop, &notify.watchdog);
        if (rc == 0)
                rc = uv_timer_start(&notify.watchdog, on_watchdog, period_ms, period_ms);
        if (rc != 0) {
                mf_log_error("notify", "cannot start the watchdog timer: %s",
                             uv_strerror(rc));
                return rc;
        }
        uv_unref((uv_handle_t *)&notify.watchdog);
        /* The first keep-alive at once: the service manager arms the
         * watchdog from it, so that a loop stuck in start-up (a restore)
         * is caught too, not only after READY=1. */
        mf_notify_watchdog();
        mf_log_info("notify",
                    "watchdog keep-alives every %" PRIu64 " ms (WatchdogSec=%" PRIu64
                    " ms)",
                    period_ms, usec / 1000);
        return 0;
}

void mf_notify_progress(const mf_notify_progress_t *p) {
        if (!mf_notify_enabled() || notify.stopping)
                return;
        bool ready = !p->waiting && p->live >= p->assigned;
        if (ready && !notify.ready_sent) {
                mf_notify_ready();
                mf_log_info("notify", "ready: %zu partitions live", p->live);
        }
        uint64_t now = mono_ms();
        if (notify.status_ms && now - notify.status_ms < STATUS_MIN_INTERVAL_MS)
                return; /* the next call (the one-second timer) sends it */
        /* Records per second since the previous sample. */
        uint64_t rate = 0;
        if (notify.sampled && now > notify.sample_ms &&
            p->records >= notify.sample_records)
                rate = (p->records - notify.sample_records) * 1000 /
                       (now - notify.sample_ms);
        notify.sample_ms = now;
        notify.sample_records = p->records;
        notify.sampled = true;
        char text[sizeof(notify.status)];
        if (p->waiting)
                snprintf(text, sizeof(text), "waiting for %s", p->waiting);
        else if (!p->assigned)
                snprintf(text, sizeof(text),
                         "no partitions assigned by the group: standing by");
        else if (!ready)
                snprintf(text, sizeof(text),
                         "restoring %zu of %zu partitions, %" PRIu64
                         " records replayed, %" PRIu64 " records/s",
                         p->assigned - p->live, p->assigned, p->restored, rate);
        else
                snprintf(text, sizeof(text),
                         "%zu partition%s live, %" PRIu64 " records/s", p->live,
                         p->live == 1 ? "" : "s", rate);
        if (strcmp(text, notify.status) != 0)
                send_status(text);
}
