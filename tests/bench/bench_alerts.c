/*
 * bench_alerts — the cost of advancing the clock with a million open items.
 *
 * Opens 1,000,000 assessments with start dates spread over 90 days (about
 * 11,000 a day), then advances the pipeline's clock one day at a time and
 * prints, for each step, how long the tick took and how many alerts it
 * raised. Timers are a heap, so a tick costs the alerts that are due, not the
 * open items.
 *
 *   build/tests/bench/bench_alerts [ITEMS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mf_pipeline.h"
#include "mf_time.h"

static uint64_t alerts;

static void sink(void *opaque, const mf_output_t *o) {
        (void)opaque;
        alerts += o->kind == MF_OUT_ALERT;
}

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
        long items = argc > 1 ? atol(argv[1]) : 1000000;
        char path[4096];
        snprintf(path, sizeof(path), "%s/config/calendar-england-wales.txt",
                 MF_SOURCE_DIR);
        FILE *f = fopen(path, "rb");
        if (!f)
                return 1;
        static char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        mf_calendar_t *cal = mf_calendar_new();
        char err[256];
        if (mf_calendar_load(cal, buf, n, err, sizeof(err)) != MF_OK)
                return 1;
        mf_pipeline_conf_t conf = {.calendar = cal, .sink = sink};
        mf_pipeline_t *p = mf_pipeline_new(&conf);
        mf_date_t first = mf_date_from_ymd(2024, 1, 1);
        double t0 = now_ms();
        char id[32], item[32], child[32];
        for (long i = 0; i < items; i++) {
                mf_event_t ev = {0};
                ev.type = MF_EV_ASSESSMENT_STARTED;
                ev.v = 1;
                int a = snprintf(id, sizeof(id), "e%ld", i);
                int b = snprintf(item, sizeof(item), "a%ld", i);
                int c = snprintf(child, sizeof(child), "c%ld", i);
                ev.id = mf_str(id, (size_t)a);
                ev.item_id = mf_str(item, (size_t)b);
                ev.child = mf_str(child, (size_t)c);
                ev.la = MF_STR_LIT("S001");
                ev.u.assessment_started.start_date = first + (mf_date_t)(i * 90 / items);
                mf_pipeline_push_event(p, &ev, MF_STR_NULL, NULL);
        }
        double t1 = now_ms();
        printf("bench_alerts: %ld open assessments loaded in %.0f ms (%.0f per second); "
               "%llu "
               "alerts raised while loading\n",
               items, t1 - t0, items / ((t1 - t0) / 1e3), (unsigned long long)alerts);
        printf("%-12s %12s %10s\n", "clock day", "tick (ms)", "alerts");
        mf_date_t day = mf_pipeline_today(p);
        for (int k = 1; k <= 10; k++) {
                uint64_t before = alerts;
                char d[16];
                mf_date_format(day + k, d);
                double s = now_ms();
                mf_pipeline_tick(p, mf_day_start(day + k) + 12 * MF_MS_PER_HOUR);
                double e = now_ms();
                printf("%-12s %12.2f %10llu\n", d, e - s,
                       (unsigned long long)(alerts - before));
        }
        mf_pipeline_free(p);
        mf_calendar_free(cal);
        return 0;
}
