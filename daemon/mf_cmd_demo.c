/*
 * mf_cmd_demo.c — `mashflow demo`: the product end to end on one machine.
 *
 * Starts the development broker, the daemon and a generator that streams a
 * year of a synthetic borough, ending today, in accelerated time; watches the
 * output topics like a downstream consumer would; and, once the stream is
 * through, prints the headline figures from the daemon's latest indicators
 * record. Each part is this same binary in a child process, exactly as a user
 * would run it by hand; the demo prints those commands and where to look.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <msgpack.h>

#include "mf_cmd.h"
#include "mf_report.h"
#include "mf_time.h"

extern char **environ;

#define MAX_LA 64

typedef struct {
        char dir[64];
        char self[4096];
        pid_t broker, daemon, gen;
        int broker_stdin;
        char bootstrap[256];
        rd_kafka_t *viewer;
        uint64_t referrals, rereferrals, deadletters, indicators;
        /* the latest indicators record of each authority, as sent */
        char *latest[MAX_LA];
        size_t latest_len[MAX_LA];
        char latest_la[MAX_LA][16];
        int nla;
} demo_t;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
        (void)sig;
        interrupted = 1;
}

static void usage(FILE *out) {
        fprintf(
            out,
            "usage: mashflow demo [--authorities N] [--rate N] [--seed N] "
            "[--keep-running]\n"
            "\n"
            "Runs the product end to end on this machine: the development broker, the\n"
            "daemon, and a generator streaming the last 12 months of a synthetic "
            "borough\n"
            "(at --rate records a second, default 5000). Prints where to look, counts\n"
            "what the daemon writes, and ends with the headline figures from its\n"
            "indicators topic. --keep-running leaves everything up until Ctrl-C.\n");
}

static pid_t spawn(demo_t *d, char *const argv[], const char *log, int *stdin_fd) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", d->dir, log);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, path,
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
        int pfd[2] = {-1, -1};
        if (stdin_fd) {
                if (pipe(pfd) != 0)
                        return -1;
                posix_spawn_file_actions_adddup2(&fa, pfd[0], STDIN_FILENO);
                posix_spawn_file_actions_addclose(&fa, pfd[1]);
        } else {
                posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY,
                                                 0);
        }
        pid_t pid = -1;
        if (posix_spawn(&pid, d->self, &fa, NULL, argv, environ) != 0)
                pid = -1;
        posix_spawn_file_actions_destroy(&fa);
        if (stdin_fd) {
                close(pfd[0]);
                *stdin_fd = pfd[1];
        }
        return pid;
}

static bool read_file_line(const char *path, char *buf, size_t len) {
        FILE *f = fopen(path, "r");
        if (!f)
                return false;
        bool ok = fgets(buf, (int)len, f) != NULL;
        fclose(f);
        if (ok)
                buf[strcspn(buf, "\n")] = '\0';
        return ok && buf[0];
}

static void stop_child(pid_t *pid) {
        if (*pid <= 0)
                return;
        kill(*pid, SIGTERM);
        int st;
        for (int i = 0; i < 200 && waitpid(*pid, &st, WNOHANG) == 0; i++)
                usleep(100000);
        if (waitpid(*pid, &st, WNOHANG) == 0) {
                kill(*pid, SIGKILL);
                waitpid(*pid, &st, 0);
        }
        *pid = 0;
}

/* ---- a downstream consumer of the output topics ---- */

static const msgpack_object *map_get(const msgpack_object *map, const char *key) {
        if (map->type != MSGPACK_OBJECT_MAP)
                return NULL;
        size_t n = strlen(key);
        for (uint32_t i = 0; i < map->via.map.size; i++) {
                const msgpack_object *k = &map->via.map.ptr[i].key;
                if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
                    !memcmp(k->via.str.ptr, key, n))
                        return &map->via.map.ptr[i].val;
        }
        return NULL;
}

static uint32_t get_u32(const msgpack_object *map, const char *key) {
        const msgpack_object *v = map_get(map, key);
        return v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (uint32_t)v->via.u64 : 0;
}

static mf_ratio_t get_ratio(const msgpack_object *map, const char *key) {
        const msgpack_object *ratios = map_get(map, "ratios");
        const msgpack_object *r = ratios ? map_get(ratios, key) : NULL;
        return r ? (mf_ratio_t){get_u32(r, "num"), get_u32(r, "den")}
                 : (mf_ratio_t){0, 0};
}

/* An indicators record back into figures, for the table. */
static bool indicators_from_msgpack(const char *buf, size_t len, mf_indicators_t *d) {
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        bool ok = msgpack_unpack_next(&u, buf, len, NULL) == MSGPACK_UNPACK_SUCCESS;
        const msgpack_object *o = &u.data;
        memset(d, 0, sizeof(*d));
        const msgpack_object *la = ok ? map_get(o, "la") : NULL;
        const msgpack_object *as_of = ok ? map_get(o, "as_of") : NULL;
        if (!la || la->type != MSGPACK_OBJECT_STR || !as_of ||
            as_of->type != MSGPACK_OBJECT_STR ||
            !mf_date_parse(as_of->via.str.ptr, as_of->via.str.size, &d->as_of)) {
                msgpack_unpacked_destroy(&u);
                return false;
        }
        snprintf(d->la, sizeof(d->la), "%.*s", (int)la->via.str.size, la->via.str.ptr);
        d->contacts_6m = get_u32(o, "contacts_6m");
        d->children_multiple_contacts_6m = get_u32(o, "children_multiple_contacts_6m");
        d->contact_decisions_overdue = get_u32(o, "contact_decisions_overdue");
        d->contact_decisions_in_time_6m =
            get_ratio(o, "contact_decisions_in_time_pct_6m");
        d->contact_to_referral_6m = get_ratio(o, "contact_to_referral_pct_6m");
        d->referrals_6m = get_u32(o, "referrals_6m");
        d->referrals_nfa_6m = get_u32(o, "referrals_nfa_6m");
        d->rereferral_6m = get_ratio(o, "rereferral_pct_6m");
        d->rereferral_children_6m = get_ratio(o, "rereferral_children_pct_6m");
        const msgpack_object *prev = map_get(o, "children_by_previous_referrals_6m");
        static const char *const prev_names[] = {"0", "1", "2", "3", "4+"};
        for (int i = 0; prev && i < 5; i++)
                d->children_by_previous_referrals_6m[i] = get_u32(prev, prev_names[i]);
        d->assessments_6m = get_u32(o, "assessments_6m");
        d->assessments_completed_6m = get_u32(o, "assessments_completed_6m");
        d->assessments_open = get_u32(o, "assessments_open");
        d->assessments_in_time_6m = get_ratio(o, "assessments_in_time_pct_6m");
        const msgpack_object *mean = map_get(o, "assessment_mean_wd_6m");
        if (mean && mean->type == MSGPACK_OBJECT_FLOAT64)
                d->assessment_wd_sum =
                    (uint64_t)llround(mean->via.f64 * d->assessments_in_time_6m.den);
        d->assessments_overdue = get_u32(o, "assessments_overdue");
        d->s47_6m = get_u32(o, "s47_6m");
        d->icpc_6m = get_u32(o, "icpc_6m");
        d->icpc_in_time_6m = get_ratio(o, "icpc_in_time_pct_6m");
        d->icpc_overdue = get_u32(o, "icpc_overdue");
        d->assessment_date_errors_6m = get_u32(o, "assessment_date_errors_6m");
        d->icpc_date_errors_6m = get_u32(o, "icpc_date_errors_6m");
        const msgpack_object *bd = map_get(o, "breakdowns");
        const msgpack_object *c = bd ? map_get(bd, "contacts_6m") : NULL;
        const msgpack_object *g = c ? map_get(c, "gender") : NULL;
        for (int i = 0; g && i < MF_GENDER__N; i++)
                d->breakdown[MF_BD_CONTACTS].gender[i] = get_u32(g, mf_gender_names[i]);
        msgpack_unpacked_destroy(&u);
        return true;
}

static void remember_indicators(demo_t *d, const rd_kafka_message_t *m) {
        char la[16];
        snprintf(la, sizeof(la), "%.*s", (int)m->key_len, (const char *)m->key);
        int i = 0;
        while (i < d->nla && strcmp(d->latest_la[i], la))
                i++;
        if (i == MAX_LA)
                return;
        if (i == d->nla)
                snprintf(d->latest_la[d->nla++], 16, "%s", la);
        char *copy = malloc(m->len);
        if (!copy)
                return;
        memcpy(copy, m->payload, m->len);
        free(d->latest[i]);
        d->latest[i] = copy;
        d->latest_len[i] = m->len;
}

static void view(demo_t *d, int ms) {
        rd_kafka_message_t *m;
        while ((m = rd_kafka_consumer_poll(d->viewer, ms))) {
                ms = 0;
                if (!m->err) {
                        const char *t = rd_kafka_topic_name(m->rkt);
                        if (!strcmp(t, "mashflow.referrals")) {
                                d->referrals++;
                                msgpack_unpacked u;
                                msgpack_unpacked_init(&u);
                                if (msgpack_unpack_next(&u, m->payload, m->len, NULL) ==
                                    MSGPACK_UNPACK_SUCCESS) {
                                        const msgpack_object *r =
                                            map_get(&u.data, "rereferral");
                                        d->rereferrals +=
                                            r && r->type == MSGPACK_OBJECT_BOOLEAN &&
                                            r->via.boolean;
                                }
                                msgpack_unpacked_destroy(&u);
                        } else if (!strcmp(t, "mashflow.deadletter")) {
                                d->deadletters++;
                        } else if (!strcmp(t, "mashflow.indicators")) {
                                d->indicators++;
                                remember_indicators(d, m);
                        }
                }
                rd_kafka_message_destroy(m);
        }
}

static int start_viewer(demo_t *d) {
        char err[512];
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        char group[64];
        snprintf(group, sizeof(group), "mashflow-demo-viewer-%d", (int)getpid());
        if (rd_kafka_conf_set(c, "bootstrap.servers", d->bootstrap, err, sizeof(err)) ||
            rd_kafka_conf_set(c, "group.id", group, err, sizeof(err)) ||
            rd_kafka_conf_set(c, "auto.offset.reset", "earliest", err, sizeof(err)) ||
            rd_kafka_conf_set(c, "isolation.level", "read_committed", err, sizeof(err)) ||
            rd_kafka_conf_set(c, "session.timeout.ms", "6000", err, sizeof(err)) ||
            rd_kafka_conf_set(c, "log_level", "2", err, sizeof(err))) {
                fprintf(stderr, "demo: %s\n", err);
                rd_kafka_conf_destroy(c);
                return -1;
        }
        d->viewer = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
        if (!d->viewer) {
                fprintf(stderr, "demo: %s\n", err);
                return -1;
        }
        rd_kafka_poll_set_consumer(d->viewer);
        rd_kafka_topic_partition_list_t *t = rd_kafka_topic_partition_list_new(3);
        rd_kafka_topic_partition_list_add(t, "mashflow.referrals", RD_KAFKA_PARTITION_UA);
        rd_kafka_topic_partition_list_add(t, "mashflow.deadletter",
                                          RD_KAFKA_PARTITION_UA);
        rd_kafka_topic_partition_list_add(t, "mashflow.indicators",
                                          RD_KAFKA_PARTITION_UA);
        rd_kafka_subscribe(d->viewer, t);
        rd_kafka_topic_partition_list_destroy(t);
        return 0;
}

static void show_status(const demo_t *d, const char *what) {
        fprintf(
            stderr,
            "\rdemo: %s | referral records %llu (%llu re-referrals), dead letters %llu, "
            "indicators records %llu   ",
            what, (unsigned long long)d->referrals, (unsigned long long)d->rereferrals,
            (unsigned long long)d->deadletters, (unsigned long long)d->indicators);
}

/* The dashboard's usual port when it is free, else any free port (a second
 * demo, or a daemon already running here). */
static int http_port(void) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9464)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int port = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ? 9464 : 0;
        if (fd >= 0)
                close(fd);
        return port;
}

/* Finds `needle` in the daemon's log; with `word`, copies what follows it up
 * to the next space. False until the line is there. */
static bool daemon_log_find(const demo_t *d, const char *needle, char *word, size_t len) {
        char path[160], line[4096];
        snprintf(path, sizeof(path), "%s/daemon.log", d->dir);
        FILE *f = fopen(path, "r");
        bool found = false;
        while (f && !found && fgets(line, sizeof(line), f)) {
                char *at = strstr(line, needle);
                if (at && word) {
                        at += strlen(needle);
                        snprintf(word, len, "%.*s", (int)strcspn(at, " \n"), at);
                }
                found = at != NULL;
        }
        if (f)
                fclose(f);
        return found;
}

/* The dashboard's address, once the daemon listens. */
static bool dashboard_url(const demo_t *d, char *url, size_t len) {
        return daemon_log_find(d, "listening on ", url, len);
}

static int write_config(const demo_t *d) {
        char path[128];
        snprintf(path, sizeof(path), "%s/mashflow.conf", d->dir);
        FILE *f = fopen(path, "w");
        if (!f)
                return -1;
        fprintf(f,
                "# Written by `mashflow demo` for the development broker.\n"
                "[kafka]\nbrokers = %s\ngroup_id = mashflow-demo\n"
                "mirror_offsets = yes\nrestore_from = beginning\n"
                "[outputs]\nindicators_interval_s = 2\n"
                "[http]\nlisten = 127.0.0.1:%d\n"
                "[librdkafka]\nsession.timeout.ms = 6000\nheartbeat.interval.ms = 500\n"
                "max.poll.interval.ms = 15000\nfetch.wait.max.ms = 50\n",
                d->bootstrap, http_port());
        return fclose(f);
}

int mf_cmd_demo(int argc, char **argv) {
        static const struct option opts[] = {
            {"authorities", required_argument, NULL, 'n'},
            {"rate", required_argument, NULL, 'r'},
            {"seed", required_argument, NULL, 's'},
            {"keep-running", no_argument, NULL, 'k'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *authorities = "1", *rate = "5000", *seed = "1";
        bool keep = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                        case 'n':
                                authorities = optarg;
                                break;
                        case 'r':
                                rate = optarg;
                                break;
                        case 's':
                                seed = optarg;
                                break;
                        case 'k':
                                keep = true;
                                break;
                        case 'h':
                                usage(stdout);
                                return MF_EXIT_OK;
                        default:
                                usage(stderr);
                                return MF_EXIT_USAGE;
                }
        }
        if (optind != argc || atoi(authorities) < 1 || atoi(authorities) > 20 ||
            atof(rate) <= 0) {
                usage(stderr);
                return MF_EXIT_USAGE;
        }
        demo_t d;
        memset(&d, 0, sizeof(d));
        snprintf(d.dir, sizeof(d.dir), "/tmp/mashflow-demo.XXXXXX");
        ssize_t n = readlink("/proc/self/exe", d.self, sizeof(d.self) - 1);
        if (n <= 0 || !mkdtemp(d.dir)) {
                fprintf(stderr, "demo: cannot set up: %s\n", strerror(errno));
                return MF_EXIT_FAILURE;
        }
        d.self[n] = '\0';
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, SIG_IGN);
        int status = MF_EXIT_FAILURE;

        char boot_file[128];
        snprintf(boot_file, sizeof(boot_file), "%s/bootstrap", d.dir);
        char *bargv[] = {"mashflow",          "broker", "--bootstrap-file", boot_file,
                         "--stdin-eof-exits", NULL};
        d.broker = spawn(&d, bargv, "broker.log", &d.broker_stdin);
        for (int i = 0;
             i < 200 && !read_file_line(boot_file, d.bootstrap, sizeof(d.bootstrap)); i++)
                usleep(50000);
        if (d.broker <= 0 || !d.bootstrap[0]) {
                fprintf(stderr, "demo: the broker did not start (see %s/broker.log)\n",
                        d.dir);
                goto out;
        }
        if (write_config(&d) != 0)
                goto out;
        char conf[128];
        snprintf(conf, sizeof(conf), "%s/mashflow.conf", d.dir);
        char *rargv[] = {"mashflow", "run", "--config", conf, NULL};
        d.daemon = spawn(&d, rargv, "daemon.log", NULL);

        mf_date_t today = mf_civil_date((mf_instant_t)time(NULL) * 1000);
        char from[16], to[16];
        mf_date_format(mf_date_add_months(today, -12) + 1, from);
        mf_date_format(today, to);
        char *gargv[] = {
            "mashflow",          "gen",       "--seed", (char *)seed, "--authorities",
            (char *)authorities, "--from",    from,     "--to",       to,
            "--brokers",         d.bootstrap, "--rate", (char *)rate, NULL};
        if (start_viewer(&d) != 0)
                goto out;
        printf("mashflow demo\n"
               "  broker      %s   (mashflow broker: librdkafka's mock cluster)\n"
               "  daemon      mashflow run --config %s\n"
               "  generator   %s..%s, %s authorit%s, %s records/s into mashflow.events\n"
               "  logs        %s/{broker,daemon,gen}.log\n"
               "Watch the outputs as a downstream consumer would, for example:\n"
               "  kcat -b %s -C -t mashflow.referrals -X isolation.level=read_committed\n"
               "  kcat -b %s -C -t mashflow.deadletter\n\n",
               d.bootstrap, conf, from, to, authorities,
               atoi(authorities) == 1 ? "y" : "ies", rate, d.dir, d.bootstrap,
               d.bootstrap);
        fflush(stdout);
        /* Let the daemon join the group before the stream starts. */
        for (int i = 0; i < 100 && !interrupted; i++) {
                view(&d, 100);
                if (daemon_log_find(&d, "partition live", NULL, 0))
                        break;
                show_status(&d, "waiting for the daemon to join its group");
        }
        char url[128];
        if (dashboard_url(&d, url, sizeof(url))) {
                fputc('\n', stderr);
                printf("  dashboard   %s%s\n", url,
                       keep ? ""
                            : "   (while the demo runs; --keep-running keeps it up)");
                fflush(stdout);
        }
        d.gen = spawn(&d, gargv, "gen.log", NULL);
        int st = 0;
        while (!interrupted && waitpid(d.gen, &st, WNOHANG) == 0) {
                view(&d, 500);
                show_status(&d, "streaming");
        }
        d.gen = 0;
        /* Wait for the outputs to settle (6 quiet seconds: the daemon may still
         * be behind the generator on a busy machine) and for a fresh
         * indicators record. */
        uint64_t last = (uint64_t)-1, seen_ind = d.indicators;
        for (int quiet = 0;
             !interrupted &&
             (quiet < 12 ||
              d.indicators < seen_ind + 2 * (uint64_t)(d.nla ? d.nla : 1));) {
                view(&d, 500);
                quiet = d.referrals == last ? quiet + 1 : 0;
                last = d.referrals;
                show_status(&d, "stream done, outputs settling");
        }
        fputc('\n', stderr);
        for (int i = 0; i < d.nla; i++) {
                mf_indicators_t ind;
                if (indicators_from_msgpack(d.latest[i], d.latest_len[i], &ind))
                        mf_report_print(stdout, &ind);
        }
        printf(
            "\n(the figures above are the daemon's latest indicators records, read back "
            "from mashflow.indicators)\n");
        fflush(stdout);
        status = MF_EXIT_OK;
        if (keep && !interrupted) {
                if (dashboard_url(&d, url, sizeof(url)))
                        printf("Dashboard: %s   metrics: %smetrics\n", url, url);
                fflush(stdout);
                fprintf(stderr, "demo: everything stays up; Ctrl-C stops it\n");
                while (!interrupted)
                        view(&d, 1000);
        }
out:
        stop_child(&d.gen);
        stop_child(&d.daemon);
        if (d.viewer) {
                rd_kafka_consumer_close(d.viewer);
                rd_kafka_destroy(d.viewer);
        }
        if (d.broker_stdin > 0)
                close(d.broker_stdin);
        stop_child(&d.broker);
        for (int i = 0; i < d.nla; i++)
                free(d.latest[i]);
        fprintf(stderr, "demo: stopped; logs and configuration are in %s\n", d.dir);
        return interrupted ? MF_EXIT_OK : status;
}
