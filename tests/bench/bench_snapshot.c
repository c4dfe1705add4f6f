/*
 * bench_snapshot — restoring a whole pipeline's state from a snapshot.
 *
 * Replays FILE (MessagePack events) through one pipeline, writes its
 * snapshot to SNAP, then ROUNDS times reads SNAP back into a fresh pipeline.
 * Prints "key value" lines: records, replay_s, state_bytes, write_s,
 * snapshot_bytes, and load_s (one value per round, comma-separated; each
 * is the file read plus mf_snapshot_load).
 *
 *   build/tests/bench/bench_snapshot FILE SNAP [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
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

int main(int argc, char **argv) {
        if (argc < 3) {
                fprintf(stderr, "usage: bench_snapshot FILE SNAP [ROUNDS]\n");
                return 2;
        }
        int rounds = argc > 3 ? atoi(argv[3]) : 3;
        mf_buf_t buf, cbuf;
        mf_buf_init(&buf);
        mf_buf_init(&cbuf);
        char path[4096], err[256];
        snprintf(path, sizeof(path), "%s/config/calendar-england-wales.txt",
                 MF_SOURCE_DIR);
        mf_calendar_t *cal = mf_calendar_new();
        if (read_file(path, &cbuf) ||
            mf_calendar_load(cal, cbuf.data, cbuf.len, err, sizeof(err)) != MF_OK) {
                fprintf(stderr, "bench_snapshot: %s: cannot load the calendar\n", path);
                return 1;
        }
        if (read_file(argv[1], &buf)) {
                fprintf(stderr, "bench_snapshot: %s: cannot read\n", argv[1]);
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
        if (mf_snapshot_write(p, &meta, &buf) != MF_OK || !(f = fopen(argv[2], "wb")) ||
            fwrite(buf.data, 1, buf.len, f) != buf.len || fclose(f) != 0) {
                fprintf(stderr, "bench_snapshot: %s: cannot write the snapshot\n",
                        argv[2]);
                return 1;
        }
        double write_s = now_s() - t0;
        size_t snap_bytes = buf.len;
        mf_pipeline_free(p);
        mf_buf_destroy(&buf);
        printf("records %llu\nreplay_s %.3f\nstate_bytes %zu\nwrite_s %.3f\n"
               "snapshot_bytes %zu\nload_s ",
               (unsigned long long)records, replay_s, state, write_s, snap_bytes);
        for (int i = 0; i < rounds; i++) {
                mf_buf_init(&buf);
                p = pipeline(cal);
                t0 = now_s();
                if (read_file(argv[2], &buf) ||
                    mf_snapshot_load(p, buf.data, buf.len, &meta, err, sizeof(err)) !=
                        MF_OK) {
                        fprintf(stderr, "bench_snapshot: %s: cannot load: %s\n", argv[2],
                                err);
                        return 1;
                }
                printf("%s%.3f", i ? "," : "", now_s() - t0);
                fflush(stdout);
                mf_pipeline_free(p);
                mf_buf_destroy(&buf);
        }
        printf("\n");
        mf_calendar_free(cal);
        mf_buf_destroy(&cbuf);
        return 0;
}
