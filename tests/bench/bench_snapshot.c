/*
 * bench_snapshot — restoring a whole pipeline's state from a snapshot.
 *
 *   build/tests/bench/bench_snapshot make FILE SNAP
 *       replays FILE (MessagePack events) through one pipeline and writes its
 *       snapshot to SNAP; prints records, replay_s, state_bytes, write_s and
 *       snapshot_bytes
 *   build/tests/bench/bench_snapshot load SNAP [ROUNDS]
 *       ROUNDS times (3) reads SNAP into a fresh pipeline; prints load_s,
 *       one value per round, comma-separated, each the file read plus
 *       mf_snapshot_load, and records (the snapshot's offset)
 *
 * Output lines are "key value". Making the snapshot is not timed against
 * anything, so the suite runs it beside measurements of memory alone.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mf_buf.h"
#include "mf_pipeline.h"
#include "mf_snapshot.h"

static void sink(void *opaque, const mf_output_t *o) {
        (void)opaque, (void)o;
}

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_file(const char *path, mf_buf_t *out) {
        FILE *f = fopen(path, "rb");
        if (!f)
                return -1;
        char chunk[1 << 16];
        size_t n;
        mf_buf_reset(out);
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                if (mf_buf_append(out, chunk, n) != MF_OK) {
                        fclose(f);
                        return -1;
                }
        int rc = ferror(f) ? -1 : 0;
        fclose(f);
        return rc;
}

static mf_pipeline_t *pipeline(mf_calendar_t *cal) {
        mf_pipeline_conf_t conf = {.calendar = cal, .sink = sink};
        return mf_pipeline_new(&conf);
}

static int load_calendar(mf_calendar_t *cal) {
        mf_buf_t cbuf;
        mf_buf_init(&cbuf);
        char path[4096], err[256];
        snprintf(path, sizeof(path), "%s/config/calendar-england-wales.txt",
                 MF_SOURCE_DIR);
        int rc = 0;
        if (read_file(path, &cbuf) ||
            mf_calendar_load(cal, cbuf.data, cbuf.len, err, sizeof(err)) != MF_OK) {
                fprintf(stderr, "bench_snapshot: %s: cannot load the calendar\n", path);
                rc = -1;
        }
        mf_buf_destroy(&cbuf);
        return rc;
}

static int make(mf_calendar_t *cal, const char *file, const char *snap) {
        mf_buf_t buf;
        mf_buf_init(&buf);
        if (read_file(file, &buf)) {
                fprintf(stderr, "bench_snapshot: %s: cannot read\n", file);
                return 1;
        }
        mf_pipeline_t *p = pipeline(cal);
        double t0 = now_s();
        uint64_t records = 0;
        for (size_t at = 0; at < buf.len; records++) {
                size_t used = 0;
                mf_origin_t o = {MF_STR_LIT("file"), 0, (int64_t)records};
                mf_err_t rc =
                    mf_pipeline_push_msgpack(p, buf.data + at, buf.len - at, &used, &o);
                if (rc != MF_OK || used == 0) {
                        fprintf(stderr, "bench_snapshot: %s at record %llu\n",
                                mf_err_str(rc), (unsigned long long)records);
                        return 1;
                }
                at += used;
        }
        double replay_s = now_s() - t0;
        size_t state = mf_pipeline_state_bytes(p);
        mf_buf_reset(&buf);
        t0 = now_s();
        mf_snapshot_meta_t meta = {MF_STR_LIT("bench"), MF_STR_LIT("file"), 0,
                                   (int64_t)records};
        FILE *f = NULL;
        if (mf_snapshot_write(p, &meta, &buf) != MF_OK || !(f = fopen(snap, "wb")) ||
            fwrite(buf.data, 1, buf.len, f) != buf.len || fclose(f) != 0) {
                fprintf(stderr, "bench_snapshot: %s: cannot write the snapshot\n", snap);
                return 1;
        }
        printf("records %llu\nreplay_s %.3f\nstate_bytes %zu\nwrite_s %.3f\n"
               "snapshot_bytes %zu\n",
               (unsigned long long)records, replay_s, state, now_s() - t0, buf.len);
        mf_pipeline_free(p);
        mf_buf_destroy(&buf);
        return 0;
}

static int load(mf_calendar_t *cal, const char *snap, int rounds) {
        char err[256] = "";
        mf_snapshot_meta_t meta;
        printf("load_s ");
        for (int i = 0; i < rounds; i++) {
                mf_buf_t buf;
                mf_buf_init(&buf);
                mf_pipeline_t *p = pipeline(cal);
                double t0 = now_s();
                if (read_file(snap, &buf) ||
                    mf_snapshot_load(p, buf.data, buf.len, &meta, err, sizeof(err)) !=
                        MF_OK) {
                        fprintf(stderr, "bench_snapshot: %s: cannot load: %s\n", snap,
                                err);
                        return 1;
                }
                printf("%s%.3f", i ? "," : "", now_s() - t0);
                fflush(stdout);
                mf_pipeline_free(p);
                mf_buf_destroy(&buf);
        }
        printf("\nrecords %lld\n", (long long)meta.offset);
        return 0;
}

int main(int argc, char **argv) {
        bool is_make = argc == 4 && !strcmp(argv[1], "make");
        bool is_load = (argc == 3 || argc == 4) && !strcmp(argv[1], "load");
        int rounds = is_load && argc == 4 ? atoi(argv[3]) : 3;
        if ((!is_make && !is_load) || rounds < 1) {
                fprintf(stderr, "usage: bench_snapshot make FILE SNAP\n"
                                "       bench_snapshot load SNAP [ROUNDS]\n");
                return 2;
        }
        mf_calendar_t *cal = mf_calendar_new();
        if (load_calendar(cal))
                return 1;
        int rc = is_make ? make(cal, argv[2], argv[3]) : load(cal, argv[2], rounds);
        mf_calendar_free(cal);
        return rc;
}
