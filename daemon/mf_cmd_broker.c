/*
 * mf_cmd_broker.c — `mashflow broker`: librdkafka's mock cluster as a
 * standalone Kafka-protocol broker on 127.0.0.1, for development, the demo
 * and the integration tests.
 *
 * It prints its bootstrap address, creates the given topics, and then reads
 * commands on stdin, one per line, so a test can inject faults through the
 * mock cluster's API while clients run:
 *   down ID|all           disconnect a broker and refuse connections
 *   up ID|all             accept connections again
 *   errors API N ERR      fail the next N requests of Kafka API key API with
 *                         error code ERR (e.g. "errors 0 3 6": three Produce
 *                         requests answered NOT_LEADER_FOR_PARTITION)
 *   rtt ID MS             delay a broker's responses
 *   topic NAME N          create a topic with N partitions
 * Each command is answered "ok" or "error: why" on stdout. SIGINT, SIGTERM or
 * the end of stdin (with --stdin-eof-exits) stop it.
 *
 * The mock cluster implements produce, fetch, consumer groups and committed
 * offsets; it keeps about 5 MiB per partition and accepts transactions
 * without implementing them (see README "Guarantees and the development
 * broker").
 */
#include <dirent.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <uv.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "mf_cmd.h"

#define MAX_TOPICS 32

typedef struct {
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;
        uv_loop_t *loop;
        uv_signal_t sigint, sigterm;
        uv_pipe_t in;
        uv_timer_t nodelay;
        char line[512];
        size_t linelen;
        bool eof_exits;
} broker_t;

/* The mock cluster leaves Nagle's algorithm on for the connections it
 * accepts, where a Kafka broker turns it off: the last small response of a
 * burst then waits for the client's delayed ACK, about 40 ms on Linux, and
 * every flush or commit of a client pays for it. The mock cluster has no
 * setting for this, so its connected TCP sockets are found among the
 * process's descriptors and given TCP_NODELAY; new ones within 50 ms. */
static void on_nodelay(uv_timer_t *h) {
        (void)h;
        DIR *d = opendir("/proc/self/fd");
        if (!d)
                return;
        struct dirent *e;
        while ((e = readdir(d))) {
                int fd = atoi(e->d_name);
                struct stat st;
                int type = 0, listening = 0, on = 1;
                socklen_t len = sizeof(int);
                if (e->d_name[0] == '.' || fd == dirfd(d) || fstat(fd, &st) != 0 ||
                    !S_ISSOCK(st.st_mode) ||
                    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
                    type != SOCK_STREAM ||
                    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
                    listening)
                        continue;
                /* Fails harmlessly on a Unix socket. */
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        }
        closedir(d);
}

static void usage(FILE *out) {
        fprintf(
            out,
            "usage: mashflow broker [options]\n"
            "\n"
            "Starts librdkafka's mock cluster as a Kafka-protocol broker on 127.0.0.1\n"
            "and prints its bootstrap address. For development and tests only.\n"
            "\n"
            "options:\n"
            "  --brokers N            brokers in the cluster (default 1)\n"
            "  --topic NAME[:N]       create a topic with N partitions (default 16);\n"
            "                         repeatable (default: mashflow.events and the four\n"
            "                         output topics)\n"
            "  --bootstrap-file FILE  also write the bootstrap address to FILE\n"
            "  --stdin-eof-exits      stop when stdin ends (for scripts)\n"
            "  -h, --help             this text\n"
            "\n"
            "Commands on stdin: down ID|all, up ID|all, errors API N ERR, rtt ID MS,\n"
            "topic NAME N.\n");
}

static void stop(broker_t *b) {
        uv_stop(b->loop);
}

static void on_signal(uv_signal_t *h, int signum) {
        (void)signum;
        stop(h->data);
}

static int32_t broker_id(const char *s) {
        return strcmp(s, "all") == 0 ? -1 : (int32_t)atoi(s);
}

static void command(broker_t *b, char *line) {
        char *argv[6] = {0};
        int argc = 0;
        for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t && argc < 6;
             t = strtok_r(NULL, " \t\r", &save))
                argv[argc++] = t;
        if (argc == 0)
                return;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (!strcmp(argv[0], "down") && argc == 2)
                err = rd_kafka_mock_broker_set_down(b->mc, broker_id(argv[1]));
        else if (!strcmp(argv[0], "up") && argc == 2)
                err = rd_kafka_mock_broker_set_up(b->mc, broker_id(argv[1]));
        else if (!strcmp(argv[0], "rtt") && argc == 3)
                err = rd_kafka_mock_broker_set_rtt(b->mc, broker_id(argv[1]),
                                                   atoi(argv[2]));
        else if (!strcmp(argv[0], "topic") && argc == 3)
                err = rd_kafka_mock_topic_create(b->mc, argv[1], atoi(argv[2]), 1);
        else if (!strcmp(argv[0], "errors") && argc == 4) {
                size_t n = (size_t)atoi(argv[2]);
                rd_kafka_resp_err_t *errs = calloc(n ? n : 1, sizeof(*errs));
                if (!errs) {
                        printf("error: out of memory\n");
                        fflush(stdout);
                        return;
                }
                for (size_t i = 0; i < n; i++)
                        errs[i] = (rd_kafka_resp_err_t)atoi(argv[3]);
                rd_kafka_mock_push_request_errors_array(b->mc, (int16_t)atoi(argv[1]), n,
                                                        errs);
                free(errs);
        } else {
                printf("error: unknown command or wrong arguments\n");
                fflush(stdout);
                return;
        }
        if (err)
                printf("error: %s\n", rd_kafka_err2str(err));
        else
                printf("ok\n");
        fflush(stdout);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
        static char chunk[1024];
        (void)h, (void)suggested;
        *buf = uv_buf_init(chunk, sizeof(chunk));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
        broker_t *b = s->data;
        if (n < 0) {
                uv_read_stop(s);
                if (b->eof_exits)
                        stop(b);
                return;
        }
        for (ssize_t i = 0; i < n; i++) {
                char c = buf->base[i];
                if (c == '\n' || b->linelen == sizeof(b->line) - 1) {
                        b->line[b->linelen] = '\0';
                        command(b, b->line);
                        b->linelen = 0;
                } else {
                        b->line[b->linelen++] = c;
                }
        }
}

static void close_handle(uv_handle_t *h, void *arg) {
        (void)arg;
        if (!uv_is_closing(h))
                uv_close(h, NULL);
}

int mf_cmd_broker(int argc, char **argv) {
        static const struct option opts[] = {
            {"brokers", required_argument, NULL, 'b'},
            {"topic", required_argument, NULL, 't'},
            {"bootstrap-file", required_argument, NULL, 'f'},
            {"stdin-eof-exits", no_argument, NULL, 'e'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        int nbrokers = 1, ntopics = 0, c;
        const char *topics[MAX_TOPICS], *bootstrap_file = NULL;
        broker_t b;
        memset(&b, 0, sizeof(b));
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                        case 'b':
                                nbrokers = atoi(optarg);
                                if (nbrokers < 1 || nbrokers > 16) {
                                        fprintf(stderr, "broker: --brokers is 1..16\n");
                                        return MF_EXIT_USAGE;
                                }
                                break;
                        case 't':
                                if (ntopics == MAX_TOPICS) {
                                        fprintf(stderr, "broker: at most %d topics\n",
                                                MAX_TOPICS);
                                        return MF_EXIT_USAGE;
                                }
                                topics[ntopics++] = optarg;
                                break;
                        case 'f':
                                bootstrap_file = optarg;
                                break;
                        case 'e':
                                b.eof_exits = true;
                                break;
                        case 'h':
                                usage(stdout);
                                return MF_EXIT_OK;
                        default:
                                usage(stderr);
                                return MF_EXIT_USAGE;
                }
        }
        if (ntopics == 0) {
                static const char *const defaults[] = {
                    "mashflow.events:16", "mashflow.referrals:16", "mashflow.alerts:16",
                    "mashflow.indicators:4", "mashflow.deadletter:4"};
                for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
                        topics[ntopics++] = defaults[i];
        }

        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        b.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!b.rk) {
                fprintf(stderr, "broker: %s\n", errstr);
                return MF_EXIT_FAILURE;
        }
        b.mc = rd_kafka_mock_cluster_new(b.rk, nbrokers);
        if (!b.mc) {
                fprintf(stderr, "broker: could not start the mock cluster\n");
                rd_kafka_destroy(b.rk);
                return MF_EXIT_FAILURE;
        }
        int status = MF_EXIT_OK;
        for (int i = 0; i < ntopics; i++) {
                char name[256];
                snprintf(name, sizeof(name), "%s", topics[i]);
                int parts = 16;
                char *colon = strrchr(name, ':');
                if (colon) {
                        *colon = '\0';
                        parts = atoi(colon + 1);
                }
                rd_kafka_resp_err_t err;
                if (parts < 1 || !name[0] ||
                    (err = rd_kafka_mock_topic_create(b.mc, name, parts, 1)) != 0) {
                        fprintf(stderr, "broker: cannot create topic '%s'\n", topics[i]);
                        status = MF_EXIT_USAGE;
                        goto out;
                }
        }
        const char *bootstraps = rd_kafka_mock_cluster_bootstraps(b.mc);
        if (bootstrap_file) {
                FILE *f = fopen(bootstrap_file, "w");
                if (!f || fprintf(f, "%s\n", bootstraps) < 0 || fclose(f) != 0) {
                        fprintf(stderr, "broker: cannot write %s\n", bootstrap_file);
                        status = MF_EXIT_FAILURE;
                        goto out;
                }
        }
        printf("bootstrap: %s\n", bootstraps);
        fflush(stdout);
        fprintf(stderr,
                "broker: listening on %s (%d broker%s, %d topic%s); Ctrl-C stops it\n",
                bootstraps, nbrokers, nbrokers > 1 ? "s" : "", ntopics,
                ntopics > 1 ? "s" : "");

        b.loop = uv_default_loop();
        uv_signal_init(b.loop, &b.sigint);
        uv_signal_init(b.loop, &b.sigterm);
        b.sigint.data = b.sigterm.data = &b;
        uv_signal_start(&b.sigint, on_signal, SIGINT);
        uv_signal_start(&b.sigterm, on_signal, SIGTERM);
        uv_timer_init(b.loop, &b.nodelay);
        uv_timer_start(&b.nodelay, on_nodelay, 0, 50);
        uv_unref((uv_handle_t *)&b.nodelay);
        if (uv_pipe_init(b.loop, &b.in, 0) == 0 && uv_pipe_open(&b.in, 0) == 0) {
                b.in.data = &b;
                uv_read_start((uv_stream_t *)&b.in, on_alloc, on_read);
        }
        uv_run(b.loop, UV_RUN_DEFAULT);
        uv_walk(b.loop, close_handle, NULL);
        uv_run(b.loop, UV_RUN_DEFAULT);
        uv_loop_close(b.loop);
out:
        rd_kafka_mock_cluster_destroy(b.mc);
        rd_kafka_destroy(b.rk);
        return status;
}
