/*
 * mf_cmd_replay.c — `mashflow replay`: the pipeline over event files, in
 * event time, with outputs to files and the headline figures as a table.
 *
 * Records are read in file order, files in the order given, as one stream:
 * the same files give byte-identical outputs. The clock is event time, so a
 * year of events replays in seconds.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mf_cmd.h"
#include "mf_files.h"
#include "mf_reader.h"
#include "mf_report.h"
#include "mf_time.h"

typedef enum { TABLE_AUTO, TABLE_FULL, TABLE_COMPACT, TABLE_NONE } table_mode_t;

typedef struct {
        const char *path;
        FILE *f;
} outfile_t;

typedef struct {
        mf_pipeline_t *pipeline;
        outfile_t outs[MF_OUT__COUNT]; /* by output kind; f NULL: not written */
        mf_buf_t buf;
        mf_err_t write_err;
        const char *topic; /* the file being read, for dead letters */
        /* progress */
        bool progress;
        uint64_t bytes_before; /* bytes of earlier files */
        uint64_t bytes_total;  /* 0 when unknown (stdin) */
        double started, last_shown;
} replay_t;

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *out) {
        fprintf(
            out,
            "usage: mashflow replay [options] FILE...\n"
            "\n"
            "Runs the pipeline over files of input events (MessagePack streams or "
            "NDJSON;\n"
            "'-' reads stdin) in event time, writes its outputs as NDJSON, and "
            "prints the\n"
            "headline figures as of the last event's date.\n"
            "\n"
            "options:\n"
            "  --as-of DATE        report date YYYY-MM-DD (default: the last event's "
            "date)\n"
            "  --referrals FILE    write referral_enriched records ('-' for stdout)\n"
            "  --indicators FILE   write one indicators record per authority\n"
            "  --deadletter FILE   write deadletter records (rejected input)\n"
            "  --alerts FILE       write alert records (due soon, overdue, completed "
            "late),\n"
            "                      raised as the event-time clock passes their instants\n"
            "  --format FMT        auto (default), msgpack or ndjson\n"
            "  --calendar FILE     working-day calendar (default: %s)\n"
            "  --population FILE   CSV of la,population_0_17 for rates per 10,000\n"
            "  --table MODE        full, compact or none (default: full for up to 4\n"
            "                      authorities, compact beyond)\n"
            "  --quiet             no progress line and no summary on stderr\n"
            "  -h, --help          this text\n",
            mf_default_calendar_path());
}

static void sink(void *opaque, const mf_output_t *o) {
        replay_t *r = opaque;
        FILE *f = r->outs[o->kind].f;
        if (!f || r->write_err != MF_OK)
                return;
        mf_buf_reset(&r->buf);
        mf_err_t rc = mf_output_json(&r->buf, o);
        if (rc == MF_OK && fwrite(r->buf.data, 1, r->buf.len, f) != r->buf.len)
                rc = MF_ERR_IO;
        r->write_err = rc;
}

static void show_progress(replay_t *r, uint64_t bytes, bool final) {
        double t = now_s();
        if (!r->progress || (!final && t - r->last_shown < 0.25))
                return;
        r->last_shown = t;
        const mf_pipeline_stats_t *st = mf_pipeline_stats(r->pipeline);
        double rate = st->records / (t - r->started > 1e-9 ? t - r->started : 1e-9);
        if (r->bytes_total)
                fprintf(stderr, "\rreplay: %5.1f%%  %llu records  %.0f records/s   ",
                        100.0 * (double)(r->bytes_before + bytes) /
                            (double)r->bytes_total,
                        (unsigned long long)st->records, rate);
        else
                fprintf(stderr, "\rreplay: %llu records  %.0f records/s   ",
                        (unsigned long long)st->records, rate);
        if (final)
                fputc('\n', stderr);
}

static mf_origin_t origin(const replay_t *r, int64_t index) {
        return (mf_origin_t){mf_str(r->topic, strlen(r->topic)), 0, index};
}

static mf_err_t on_json(void *opaque, const char *line, size_t len, int64_t index) {
        replay_t *r = opaque;
        mf_origin_t o = origin(r, index);
        mf_err_t rc = mf_pipeline_push_json(r->pipeline, line, len, &o);
        return rc != MF_OK ? rc : r->write_err;
}

static mf_err_t on_msgpack(void *opaque, const char *buf, size_t len, size_t *used,
                           int64_t index) {
        replay_t *r = opaque;
        mf_origin_t o = origin(r, index);
        mf_err_t rc = mf_pipeline_push_msgpack(r->pipeline, buf, len, used, &o);
        return rc != MF_OK ? rc : r->write_err;
}

static mf_err_t on_truncated(void *opaque, const char *buf, size_t len, int64_t index) {
        replay_t *r = opaque;
        mf_origin_t o = origin(r, index);
        /* As one whole record, the pipeline rejects it as bad_encoding. */
        return mf_pipeline_push_msgpack(r->pipeline, buf, len, NULL, &o);
}

static void on_progress(void *opaque, uint64_t bytes) {
        show_progress(opaque, bytes, false);
}

static bool open_output(replay_t *r, mf_output_kind_t k, const char *path) {
        for (int i = 0; i < MF_OUT__COUNT; i++)
                if (r->outs[i].f && !strcmp(r->outs[i].path, path)) {
                        r->outs[k] = r->outs[i]; /* one file may take several kinds */
                        return true;
                }
        FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
        if (!f) {
                fprintf(stderr, "replay: cannot write %s: %m\n", path);
                return false;
        }
        setvbuf(f, NULL, _IOFBF, 1 << 20);
        r->outs[k] = (outfile_t){path, f};
        return true;
}

static bool close_outputs(replay_t *r) {
        bool ok = true;
        for (int i = 0; i < MF_OUT__COUNT; i++) {
                FILE *f = r->outs[i].f;
                if (!f)
                        continue;
                for (int j = i; j < MF_OUT__COUNT; j++)
                        if (r->outs[j].f == f)
                                r->outs[j].f = NULL;
                if (fflush(f) != 0 || ferror(f) || (f != stdout && fclose(f) != 0)) {
                        fprintf(stderr, "replay: writing %s failed: %m\n",
                                r->outs[i].path);
                        ok = false;
                }
        }
        return ok;
}

static void print_tables(replay_t *r, FILE *out, table_mode_t mode, mf_date_t as_of) {
        size_t n = mf_pipeline_la_count(r->pipeline);
        if (mode == TABLE_NONE || n == 0)
                return;
        if (mode == TABLE_AUTO)
                mode = n <= 4 ? TABLE_FULL : TABLE_COMPACT;
        mf_indicators_t *ind = malloc(sizeof(*ind));
        if (!ind)
                return;
        if (mode == TABLE_COMPACT)
                mf_report_compact_head(out, as_of);
        for (size_t i = 0; i < n; i++) {
                if (mf_pipeline_indicators(r->pipeline, mf_pipeline_la(r->pipeline, i),
                                           as_of, ind) != MF_OK)
                        continue;
                if (mode == TABLE_FULL)
                        mf_report_print(out, ind);
                else
                        mf_report_compact_row(out, ind);
        }
        free(ind);
}

static void print_summary(replay_t *r, double secs) {
        const mf_pipeline_stats_t *st = mf_pipeline_stats(r->pipeline);
        uint64_t rejected = 0;
        for (int i = 0; i < MF_REASON__COUNT; i++)
                rejected += st->rejected[i];
        fprintf(stderr,
                "replay: %llu records in %.2f s (%.0f records/s): %llu applied, %llu "
                "duplicates, %llu dead-lettered",
                (unsigned long long)st->records, secs,
                secs > 0 ? st->records / secs : 0.0, (unsigned long long)st->applied,
                (unsigned long long)st->duplicates, (unsigned long long)rejected);
        const char *sep = " (";
        for (int i = 0; i < MF_REASON__COUNT; i++)
                if (st->rejected[i]) {
                        fprintf(stderr, "%s%s %llu", sep, mf_reason_name((mf_reason_t)i),
                                (unsigned long long)st->rejected[i]);
                        sep = ", ";
                }
        fprintf(stderr, "%s; %llu referral records, %llu indicators records\n",
                rejected ? ")" : "", (unsigned long long)st->outputs[MF_OUT_REFERRAL],
                (unsigned long long)st->outputs[MF_OUT_INDICATORS]);
        size_t children = 0;
        for (size_t i = 0; i < mf_pipeline_la_count(r->pipeline); i++)
                children += mf_store_children(
                    mf_pipeline_store(r->pipeline, mf_pipeline_la(r->pipeline, i)));
        size_t bytes = mf_pipeline_state_bytes(r->pipeline);
        fprintf(stderr,
                "replay: state held %.1f MiB for %zu children (%.0f bytes a child)\n",
                (double)bytes / (1 << 20), children,
                children ? (double)bytes / (double)children : 0.0);
}

int mf_cmd_replay(int argc, char **argv) {
        static const struct option opts[] = {
            {"as-of", required_argument, NULL, 'a'},
            {"referrals", required_argument, NULL, 'r'},
            {"indicators", required_argument, NULL, 'i'},
            {"deadletter", required_argument, NULL, 'd'},
            {"alerts", required_argument, NULL, 'A'},
            {"format", required_argument, NULL, 'f'},
            {"calendar", required_argument, NULL, 'c'},
            {"population", required_argument, NULL, 'p'},
            {"table", required_argument, NULL, 't'},
            {"quiet", no_argument, NULL, 'q'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *out_path[MF_OUT__COUNT] = {NULL};
        const char *calendar_path = mf_default_calendar_path(), *population = NULL;
        mf_format_t format = MF_FORMAT_AUTO;
        mf_date_t as_of = MF_DATE_NONE;
        table_mode_t table = TABLE_AUTO;
        bool quiet = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                        case 'a':
                                if (!mf_date_parse(optarg, strlen(optarg), &as_of)) {
                                        fprintf(stderr,
                                                "replay: --as-of wants YYYY-MM-DD, "
                                                "not '%s'\n",
                                                optarg);
                                        return MF_EXIT_USAGE;
                                }
                                break;
                        case 'r':
                                out_path[MF_OUT_REFERRAL] = optarg;
                                break;
                        case 'i':
                                out_path[MF_OUT_INDICATORS] = optarg;
                                break;
                        case 'd':
                                out_path[MF_OUT_DEADLETTER] = optarg;
                                break;
                        case 'A':
                                out_path[MF_OUT_ALERT] = optarg;
                                break;
                        case 'f':
                                if (!mf_format_parse(optarg, &format)) {
                                        fprintf(stderr,
                                                "replay: --format is auto, msgpack or "
                                                "ndjson\n");
                                        return MF_EXIT_USAGE;
                                }
                                break;
                        case 'c':
                                calendar_path = optarg;
                                break;
                        case 'p':
                                population = optarg;
                                break;
                        case 't':
                                if (!strcmp(optarg, "full"))
                                        table = TABLE_FULL;
                                else if (!strcmp(optarg, "compact"))
                                        table = TABLE_COMPACT;
                                else if (!strcmp(optarg, "none"))
                                        table = TABLE_NONE;
                                else {
                                        fprintf(stderr,
                                                "replay: --table is full, compact or "
                                                "none\n");
                                        return MF_EXIT_USAGE;
                                }
                                break;
                        case 'q':
                                quiet = true;
                                break;
                        case 'h':
                                usage(stdout);
                                return MF_EXIT_OK;
                        default:
                                usage(stderr);
                                return MF_EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "replay: no input files (use '-' for stdin)\n\n");
                usage(stderr);
                return MF_EXIT_USAGE;
        }

        char err[512];
        mf_calendar_t *cal = mf_calendar_from_file(calendar_path, err, sizeof(err));
        if (!cal) {
                fprintf(stderr, "replay: calendar %s\n", err);
                return MF_EXIT_CONFIG;
        }
        replay_t r;
        memset(&r, 0, sizeof(r));
        mf_buf_init(&r.buf);
        mf_pipeline_conf_t conf = {.calendar = cal, .sink = sink, .opaque = &r};
        r.pipeline = mf_pipeline_new(&conf);
        int status = MF_EXIT_OK;
        if (!r.pipeline) {
                fprintf(stderr, "replay: out of memory\n");
                status = MF_EXIT_FAILURE;
                goto out;
        }
        if (population &&
            mf_population_load(r.pipeline, population, err, sizeof(err)) != MF_OK) {
                fprintf(stderr, "replay: population %s\n", err);
                status = MF_EXIT_CONFIG;
                goto out;
        }
        bool table_to_stderr = false;
        for (int k = 0; k < MF_OUT__COUNT; k++) {
                if (!out_path[k])
                        continue;
                table_to_stderr |= !strcmp(out_path[k], "-");
                if (!open_output(&r, (mf_output_kind_t)k, out_path[k])) {
                        status = MF_EXIT_FAILURE;
                        goto out;
                }
        }
        r.progress = !quiet && isatty(STDERR_FILENO);
        for (int i = optind; i < argc; i++) {
                struct stat sb;
                if (strcmp(argv[i], "-") && stat(argv[i], &sb) == 0 &&
                    S_ISREG(sb.st_mode))
                        r.bytes_total += (uint64_t)sb.st_size;
        }
        r.started = now_s();
        const mf_reader_handlers_t h = {on_json, on_msgpack, on_truncated, on_progress,
                                        &r};
        for (int i = optind; i < argc && status == MF_EXIT_OK; i++) {
                r.topic = argv[i];
                mf_err_t rc = mf_read_records(argv[i], format, &h, err, sizeof(err));
                struct stat sb;
                if (strcmp(argv[i], "-") && stat(argv[i], &sb) == 0)
                        r.bytes_before += (uint64_t)sb.st_size;
                if (rc == MF_ERR_IO)
                        fprintf(stderr, "replay: %s\n", err);
                else if (rc != MF_OK)
                        fprintf(stderr, "replay: %s: %s\n", argv[i], mf_err_str(rc));
                if (rc != MF_OK)
                        status = MF_EXIT_FAILURE;
        }
        show_progress(&r, 0, true);
        if (status != MF_EXIT_OK)
                goto out;

        mf_date_t today = mf_pipeline_today(r.pipeline);
        if (as_of == MF_DATE_NONE)
                as_of = today;
        if (as_of == MF_DATE_NONE) {
                fprintf(stderr, "replay: no events, so no report date (give --as-of)\n");
                status = MF_EXIT_FAILURE;
                goto out;
        }
        if (as_of > today && mf_pipeline_tick(r.pipeline, mf_day_end(as_of)) != MF_OK) {
                status = MF_EXIT_FAILURE;
                goto out;
        }
        if (mf_window_start(as_of, 6) < mf_horizon_first(mf_pipeline_today(r.pipeline))) {
                char d[16];
                mf_date_format(as_of, d);
                fprintf(stderr,
                        "replay: --as-of %s is too far back: its 6 months are no "
                        "longer inside the 24-month horizon\n",
                        d);
                status = MF_EXIT_USAGE;
                goto out;
        }
        if (r.outs[MF_OUT_INDICATORS].f &&
            mf_pipeline_emit_indicators(r.pipeline, as_of) != MF_OK) {
                fprintf(stderr, "replay: computing indicators failed\n");
                status = MF_EXIT_FAILURE;
        }
        if (r.write_err != MF_OK)
                status = MF_EXIT_FAILURE;
        if (!close_outputs(&r))
                status = MF_EXIT_FAILURE;
        print_tables(&r, table_to_stderr ? stderr : stdout, table, as_of);
        fflush(stdout); /* the table before the summary on a shared terminal */
        if (!quiet)
                print_summary(&r, now_s() - r.started);
out:
        close_outputs(&r);
        mf_pipeline_free(r.pipeline);
        mf_calendar_free(cal);
        mf_buf_destroy(&r.buf);
        return status;
}
