/*
 * mf_cmd_gen.c — `mashflow gen`: synthetic events for N authorities.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "mf_cmd.h"
#include "mf_files.h"
#include "mf_gen.h"
#include "mf_time.h"

static void usage(FILE *out) {
        fprintf(
            out,
            "usage: mashflow gen [options]\n"
            "\n"
            "Writes synthetic front-door events for N authorities, calibrated to the\n"
            "ChAT report of a London borough (DOMAIN.md), in publication order.\n"
            "\n"
            "options:\n"
            "  --seed N            PRNG seed; the same seed gives the same bytes "
            "(default 1)\n"
            "  --authorities N     number of authorities, S001.. (default 1)\n"
            "  --from DATE         first day, YYYY-MM-DD (default: a year before --to)\n"
            "  --to DATE           last day (default 2023-11-07)\n"
            "  --format FMT        msgpack (default) or ndjson\n"
            "  --out FILE          output file (default: stdout)\n"
            "  --population FILE   also write each authority's 0-17 population (CSV)\n"
            "  --disorder P        share of events delayed by 1 hour to 10 days (0.01)\n"
            "  --duplicates P      share of events published twice (0.005)\n"
            "  --corrections P     share of items first published wrong, then corrected "
            "(0.005)\n"
            "  --malformed P       share of events followed by a malformed record "
            "(0.001)\n"
            "  --brokers LIST      produce to Kafka instead of a file (one message per\n"
            "                      record, keyed by authority)\n"
            "  --topic NAME        topic to produce to (default mashflow.events)\n"
            "  --rate N            at most N records a second to Kafka (default: no "
            "limit)\n"
            "  --calendar FILE     working-day calendar (default: %s)\n"
            "  -h, --help          this text\n",
            mf_default_calendar_path());
}

static int write_out(void *opaque, const char *buf, size_t len, const char *la) {
        (void)la;
        return fwrite(buf, 1, len, opaque) == len ? 0 : 1;
}

/* Streaming to Kafka: one message per record, keyed by authority, paced to
 * at most `rate` records a second (0: as fast as the broker takes them). */
typedef struct {
        rd_kafka_t *rk;
        const char *topic;
        double rate;
        uint64_t sent;
        struct timespec start;
} kafka_out_t;

static int write_kafka(void *opaque, const char *buf, size_t len, const char *la) {
        kafka_out_t *k = opaque;
        if (len && buf[len - 1] == '\n')
                len--; /* NDJSON: the message is the object alone */
        if (k->rate > 0) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                double elapsed = (double)(now.tv_sec - k->start.tv_sec) +
                                 (double)(now.tv_nsec - k->start.tv_nsec) / 1e9;
                double ahead = (double)k->sent / k->rate - elapsed;
                if (ahead > 0.001) {
                        struct timespec ts = {
                            (time_t)ahead, (long)((ahead - (double)(time_t)ahead) * 1e9)};
                        nanosleep(&ts, NULL);
                }
        }
        for (;;) {
                rd_kafka_resp_err_t err = rd_kafka_producev(
                    k->rk, RD_KAFKA_V_TOPIC(k->topic), RD_KAFKA_V_KEY(la, strlen(la)),
                    RD_KAFKA_V_VALUE((void *)buf, len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                        break;
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        fprintf(stderr, "gen: produce: %s\n", rd_kafka_err2str(err));
                        return 1;
                }
                rd_kafka_poll(k->rk, 100);
        }
        k->sent++;
        rd_kafka_poll(k->rk, 0);
        return 0;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        (void)rk, (void)opaque;
        if (m->err)
                fprintf(stderr, "gen: delivery failed: %s\n", rd_kafka_err2str(m->err));
}

static bool parse_share(const char *s, double *out) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || *end || v < 0 || v > 1)
                return false;
        *out = v;
        return true;
}

static int gen_to_kafka(mf_gen_conf_t *conf, const char *calendar_path,
                        const char *brokers, const char *topic, double rate) {
        char err[512];
        mf_calendar_t *cal = mf_calendar_from_file(calendar_path, err, sizeof(err));
        if (!cal) {
                fprintf(stderr, "gen: calendar %s\n", err);
                return MF_EXIT_CONFIG;
        }
        conf->calendar = cal;
        conf->per_record = true;
        rd_kafka_conf_t *kc = rd_kafka_conf_new();
        if (rd_kafka_conf_set(kc, "bootstrap.servers", brokers, err, sizeof(err)) ||
            rd_kafka_conf_set(kc, "linger.ms", "5", err, sizeof(err)) ||
            rd_kafka_conf_set(kc, "enable.idempotence", "true", err, sizeof(err))) {
                fprintf(stderr, "gen: %s\n", err);
                rd_kafka_conf_destroy(kc);
                mf_calendar_free(cal);
                return MF_EXIT_USAGE;
        }
        rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
        kafka_out_t k = {.topic = topic, .rate = rate};
        k.rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, err, sizeof(err));
        if (!k.rk) {
                fprintf(stderr, "gen: %s\n", err);
                mf_calendar_free(cal);
                return MF_EXIT_FAILURE;
        }
        clock_gettime(CLOCK_MONOTONIC, &k.start);
        mf_gen_stats_t st;
        int rc = mf_gen_run(conf, write_kafka, &k, &st);
        rd_kafka_resp_err_t ferr = rd_kafka_flush(k.rk, 60000);
        rd_kafka_destroy(k.rk);
        mf_calendar_free(cal);
        fprintf(stderr, "gen: %llu records to %s on %s\n", (unsigned long long)st.events,
                topic, brokers);
        return rc == 0 && !ferr ? MF_EXIT_OK : MF_EXIT_FAILURE;
}

int mf_cmd_gen(int argc, char **argv) {
        static const struct option opts[] = {
            {"seed", required_argument, NULL, 's'},
            {"authorities", required_argument, NULL, 'n'},
            {"from", required_argument, NULL, 'f'},
            {"to", required_argument, NULL, 't'},
            {"format", required_argument, NULL, 'F'},
            {"out", required_argument, NULL, 'o'},
            {"population", required_argument, NULL, 'p'},
            {"disorder", required_argument, NULL, 'D'},
            {"duplicates", required_argument, NULL, 'U'},
            {"corrections", required_argument, NULL, 'C'},
            {"malformed", required_argument, NULL, 'M'},
            {"calendar", required_argument, NULL, 'c'},
            {"brokers", required_argument, NULL, 'B'},
            {"topic", required_argument, NULL, 'T'},
            {"rate", required_argument, NULL, 'R'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        mf_gen_conf_t conf = {.seed = 1,
                              .authorities = 1,
                              .from = MF_DATE_NONE,
                              .disorder = 0.01,
                              .duplicates = 0.005,
                              .corrections = 0.005,
                              .malformed = 0.001};
        conf.to = mf_date_from_ymd(2023, 11, 7);
        const char *out_path = NULL, *population = NULL, *brokers = NULL;
        const char *topic = "mashflow.events";
        double rate = 0;
        const char *calendar_path = mf_default_calendar_path();
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                double *share = NULL;
                switch (c) {
                        case 's': {
                                char *end;
                                errno = 0;
                                conf.seed = strtoull(optarg, &end, 10);
                                if (errno || end == optarg || *end) {
                                        fprintf(stderr,
                                                "gen: --seed wants a whole number\n");
                                        return MF_EXIT_USAGE;
                                }
                                break;
                        }
                        case 'n': {
                                char *end;
                                long v = strtol(optarg, &end, 10);
                                if (end == optarg || *end || v < 1 || v > 999) {
                                        fprintf(stderr, "gen: --authorities is 1..999\n");
                                        return MF_EXIT_USAGE;
                                }
                                conf.authorities = (int)v;
                                break;
                        }
                        case 'f':
                        case 't':
                                if (!mf_date_parse(optarg, strlen(optarg),
                                                   c == 'f' ? &conf.from : &conf.to)) {
                                        fprintf(stderr, "gen: --%s wants YYYY-MM-DD\n",
                                                c == 'f' ? "from" : "to");
                                        return MF_EXIT_USAGE;
                                }
                                break;
                        case 'F':
                                if (!strcmp(optarg, "ndjson") || !strcmp(optarg, "json"))
                                        conf.json = true;
                                else if (!strcmp(optarg, "msgpack"))
                                        conf.json = false;
                                else {
                                        fprintf(stderr,
                                                "gen: --format is msgpack or ndjson\n");
                                        return MF_EXIT_USAGE;
                                }
                                break;
                        case 'o':
                                out_path = optarg;
                                break;
                        case 'p':
                                population = optarg;
                                break;
                        case 'D':
                                share = &conf.disorder;
                                break;
                        case 'U':
                                share = &conf.duplicates;
                                break;
                        case 'C':
                                share = &conf.corrections;
                                break;
                        case 'M':
                                share = &conf.malformed;
                                break;
                        case 'c':
                                calendar_path = optarg;
                                break;
                        case 'B':
                                brokers = optarg;
                                break;
                        case 'T':
                                topic = optarg;
                                break;
                        case 'R':
                                rate = strtod(optarg, NULL);
                                if (rate < 0) {
                                        fprintf(stderr, "gen: --rate is a number >= 0\n");
                                        return MF_EXIT_USAGE;
                                }
                                break;
                        case 'h':
                                usage(stdout);
                                return MF_EXIT_OK;
                        default:
                                usage(stderr);
                                return MF_EXIT_USAGE;
                }
                if (share && !parse_share(optarg, share)) {
                        fprintf(stderr, "gen: shares are numbers from 0 to 1, not '%s'\n",
                                optarg);
                        return MF_EXIT_USAGE;
                }
        }
        if (optind != argc) {
                usage(stderr);
                return MF_EXIT_USAGE;
        }
        if (conf.from == MF_DATE_NONE)
                conf.from = mf_date_add_months(conf.to, -12) + 1;
        if (conf.from > conf.to) {
                fprintf(stderr, "gen: --from is after --to\n");
                return MF_EXIT_USAGE;
        }
        if (brokers)
                return gen_to_kafka(&conf, calendar_path, brokers, topic, rate);
        FILE *out = out_path && strcmp(out_path, "-") ? fopen(out_path, "wb") : stdout;
        if (!out) {
                fprintf(stderr, "gen: cannot write %s: %m\n", out_path);
                return MF_EXIT_FAILURE;
        }
        if (out == stdout && !conf.json && isatty(STDOUT_FILENO)) {
                fprintf(stderr,
                        "gen: not writing MessagePack to a terminal (use --out FILE, "
                        "or --format ndjson)\n");
                return MF_EXIT_USAGE;
        }
        char err[512];
        mf_calendar_t *cal = mf_calendar_from_file(calendar_path, err, sizeof(err));
        if (!cal) {
                fprintf(stderr, "gen: calendar %s\n", err);
                if (out != stdout)
                        fclose(out);
                return MF_EXIT_CONFIG;
        }
        conf.calendar = cal;
        int status = MF_EXIT_OK;
        if (population) {
                FILE *pf = fopen(population, "w");
                if (!pf) {
                        fprintf(stderr, "gen: cannot write %s: %m\n", population);
                        status = MF_EXIT_FAILURE;
                        goto out;
                }
                fprintf(pf, "la,population_0_17\n");
                for (int i = 0; i < conf.authorities; i++) {
                        char code[8];
                        int64_t pop;
                        mf_gen_authority(&conf, i, code, &pop);
                        fprintf(pf, "%s,%lld\n", code, (long long)pop);
                }
                if (fclose(pf) != 0) {
                        fprintf(stderr, "gen: writing %s failed\n", population);
                        status = MF_EXIT_FAILURE;
                        goto out;
                }
        }
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        mf_gen_stats_t st;
        int rc = mf_gen_run(&conf, write_out, out, &st);
        if (rc != 0 || fflush(out) != 0 || ferror(out)) {
                fprintf(stderr, "gen: %s\n", rc < 0 ? "out of memory" : "write failed");
                status = MF_EXIT_FAILURE;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs =
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        char d1[16], d2[16];
        mf_date_format(conf.from, d1);
        mf_date_format(conf.to, d2);
        fprintf(stderr,
                "gen: %llu records (%llu malformed), %d authorit%s, %s..%s, in %.1f s\n",
                (unsigned long long)st.events, (unsigned long long)st.malformed,
                conf.authorities, conf.authorities == 1 ? "y" : "ies", d1, d2, secs);
out:
        if (out != stdout && fclose(out) != 0)
                status = MF_EXIT_FAILURE;
        mf_calendar_free(cal);
        return status;
}
