#include "mf_config.h"
#include "mf_http.h"
#include "mf_pseudo.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

/* T_KEYFILE: a path to a secret key, checked as mf_pseudo_load checks it. */
typedef enum { T_STR, T_INT, T_ENUM, T_LIST, T_ADDR, T_KEYFILE } type_t;

typedef struct {
        const char *section;
        const char *key;
        type_t type;
        size_t offset;
        const char *def;
        int64_t min, max;           /* T_INT */
        const char *const *choices; /* T_ENUM, NULL-terminated */
        const char *doc;
} prop_t;

static const char *const guarantees[] = {"exactly_once", "at_least_once", NULL};
static const char *const encodings[] = {"msgpack", "json", NULL};
static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const yesno[] = {"no", "yes", NULL};
static const char *const restore_froms[] = {"horizon", "beginning", NULL};

#define OFF(f) offsetof(mf_config_t, f)

/* The one table of keys: parsing, defaults and the reference come from it. */
static const prop_t props[] = {
    {"kafka", "brokers", T_STR, OFF(brokers), "127.0.0.1:9092", 0, 0, NULL,
     "bootstrap servers, host:port[,host:port...]"},
    {"kafka", "group_id", T_STR, OFF(group_id), "mashflow", 0, 0, NULL,
     "consumer group; every instance of one deployment uses the same"},
    {"kafka", "input_topics", T_LIST, OFF(input_topics), "mashflow.events", 0, 0, NULL,
     "comma-separated input topics, keyed by local authority code"},
    {"kafka", "input_encoding", T_ENUM, OFF(input_encoding), "msgpack", 0, 0, encodings,
     "encoding of input records: msgpack or json"},
    {"kafka", "processing_guarantee", T_ENUM, OFF(guarantee), "exactly_once", 0, 0,
     guarantees, "exactly_once (transactions) or at_least_once (lower latency)"},
    {"kafka", "transactional_id", T_STR, OFF(transactional_id), "mashflow", 0, 0, NULL,
     "prefix of the producer's transactional.id (the instance adds its own suffix)"},
    {"kafka", "mirror_offsets", T_ENUM, OFF(mirror_offsets), "no", 0, 0, yesno,
     "also commit consumer offsets outside the transaction, for brokers that do not "
     "store transactional offset commits (the development broker)"},
    {"kafka", "restore_from", T_ENUM, OFF(restore_from), "horizon", 0, 0, restore_froms,
     "where a partition's rebuild starts: horizon (the offset of the horizon's first "
     "day, "
     "by offsets-for-times) or beginning (brokers without offsets-for-times, such as the "
     "development broker)"},
    {"kafka", "batch_max_records", T_INT, OFF(batch_max_records), "1000", 1, 1000000,
     NULL, "input records per transaction, at most"},
    {"kafka", "batch_max_ms", T_INT, OFF(batch_max_ms), "100", 1, 60000, NULL,
     "milliseconds a transaction stays open, at most"},
    {"outputs", "referrals_topic", T_STR, OFF(referrals_topic), "mashflow.referrals", 0,
     0, NULL, "topic of referral_enriched records"},
    {"outputs", "alerts_topic", T_STR, OFF(alerts_topic), "mashflow.alerts", 0, 0, NULL,
     "topic of alert records"},
    {"outputs", "indicators_topic", T_STR, OFF(indicators_topic), "mashflow.indicators",
     0, 0, NULL, "topic of indicators records"},
    {"outputs", "deadletter_topic", T_STR, OFF(deadletter_topic), "mashflow.deadletter",
     0, 0, NULL, "topic of deadletter records"},
    {"outputs", "encoding", T_ENUM, OFF(output_encoding), "msgpack", 0, 0, encodings,
     "encoding of output records: msgpack or json"},
    {"outputs", "indicators_interval_s", T_INT, OFF(indicators_interval_s), "60", 1,
     86400, NULL, "seconds between indicators records per authority"},
    {"pipeline", "calendar_file", T_STR, OFF(calendar_file), "", 0, 0, NULL,
     "working-day calendar (empty: the England and Wales calendar installed with "
     "mashflow)"},
    {"pipeline", "population_file", T_STR, OFF(population_file), "", 0, 0, NULL,
     "CSV la,population_0_17 for rates per 10,000 (empty: no rates)"},
    {"pipeline", "snapshot_dir", T_STR, OFF(snapshot_dir), "", 0, 0, NULL,
     "directory for partition snapshots, which shorten a restore (empty: none; every "
     "restore replays the input log from the horizon)"},
    {"pipeline", "snapshot_interval_s", T_INT, OFF(snapshot_interval_s), "300", 1, 86400,
     NULL, "seconds between snapshots of the live partitions, taken after a commit"},
    {"alerts", "decision_due_soon_minutes", T_INT, OFF(decision_due_soon_minutes), "240",
     0, 10080, NULL, "due_soon lead for contact decisions, minutes before due"},
    {"alerts", "assessment_due_soon_wd", T_INT, OFF(assessment_due_soon_wd), "40", 0, 45,
     NULL, "due_soon for assessments at this many working days elapsed"},
    {"alerts", "icpc_due_soon_wd", T_INT, OFF(icpc_due_soon_wd), "12", 0, 15, NULL,
     "due_soon for ICPCs at this many working days elapsed"},
    {"http", "listen", T_ADDR, OFF(http_listen), "127.0.0.1:9464", 0, 0, NULL,
     "address:port of the HTTP endpoint (port 0: any free port, logged; empty: no "
     "endpoint)"},
    {"http", "max_connections", T_INT, OFF(http_max_connections), "64", 1, 10000, NULL,
     "connections served at once; one more gets 503 and is closed"},
    {"http", "request_timeout_ms", T_INT, OFF(http_request_timeout_ms), "10000", 100,
     600000, NULL, "time allowed for a whole request, first byte to last (else 408)"},
    {"http", "idle_timeout_ms", T_INT, OFF(http_idle_timeout_ms), "30000", 100, 3600000,
     NULL, "an idle keep-alive connection is closed after this long"},
    {"privacy", "pseudonymisation_key_file", T_KEYFILE, OFF(pseudonymisation_key_file),
     "", 0, 0, NULL,
     "key for HMAC-SHA-256 child pseudonyms on the referrals and alerts topics (empty: "
     "raw ids); readable by its owner only, at least 16 bytes"},
    {"privacy", "suppress_below", T_INT, OFF(suppress_below), "0", 0, 1000, NULL,
     "indicators records on the output topic withhold counts from 1 to this minus 1 "
     "(and figures computed from them) as \"c\" (0: nothing withheld)"},
    {"log", "level", T_ENUM, OFF(log_level), "info", 0, 0, levels,
     "error, warn, info or debug"},
    {"log", "file", T_STR, OFF(log_file), "", 0, 0, NULL,
     "log to this file, re-opened on SIGHUP (empty: stderr, for journald)"},
};

static int set_value(mf_config_t *cfg, const prop_t *p, const char *value, char *why,
                     size_t whylen) {
        char *field = (char *)cfg + p->offset;
        switch (p->type) {
                case T_ADDR: {
                        char host[64];
                        int port;
                        if (value[0] &&
                            !mf_http_parse_listen(value, host, sizeof(host), &port)) {
                                snprintf(
                                    why, whylen,
                                    "must be ADDRESS:PORT with a numeric IPv4 address "
                                    "or [IPv6] address, or empty");
                                return -1;
                        }
                }
                        /* fall through */
                case T_KEYFILE:
                        if (p->type == T_KEYFILE && value[0]) {
                                mf_pseudo_t key;
                                if (mf_pseudo_load(&key, value, why, whylen) != MF_OK)
                                        return -1;
                                mf_pseudo_clear(&key);
                        }
                        /* fall through */
                case T_STR: {
                        char **s = (char **)field;
                        char *copy = strdup(value);
                        if (!copy)
                                return snprintf(why, whylen, "out of memory"), -1;
                        free(*s);
                        *s = copy;
                        return 0;
                }
                case T_INT: {
                        char *end;
                        errno = 0;
                        long long v = strtoll(value, &end, 10);
                        if (errno || end == value || *end || v < p->min || v > p->max) {
                                snprintf(why, whylen,
                                         "must be an integer from %lld to %lld",
                                         (long long)p->min, (long long)p->max);
                                return -1;
                        }
                        *(int64_t *)field = v;
                        return 0;
                }
                case T_ENUM:
                        for (int i = 0; p->choices[i]; i++)
                                if (!strcmp(value, p->choices[i])) {
                                        *(int *)field = i;
                                        return 0;
                                }
                        snprintf(why, whylen, "must be one of:");
                        for (int i = 0; p->choices[i]; i++) {
                                size_t n = strlen(why);
                                snprintf(why + n, whylen - n, " %s", p->choices[i]);
                        }
                        return -1;
                case T_LIST: {
                        char **list = (char **)field;
                        int *count = &cfg->n_input_topics;
                        for (int i = 0; i < *count; i++)
                                free(list[i]);
                        *count = 0;
                        char *copy = strdup(value), *save = NULL;
                        if (!copy)
                                return snprintf(why, whylen, "out of memory"), -1;
                        for (char *t = strtok_r(copy, ", \t", &save); t;
                             t = strtok_r(NULL, ", \t", &save)) {
                                if (*count == MF_CONFIG_MAX_TOPICS) {
                                        free(copy);
                                        snprintf(why, whylen, "at most %d entries",
                                                 MF_CONFIG_MAX_TOPICS);
                                        return -1;
                                }
                                list[(*count)++] = strdup(t);
                        }
                        free(copy);
                        if (*count == 0) {
                                snprintf(why, whylen, "needs at least one entry");
                                return -1;
                        }
                        return 0;
                }
        }
        return -1;
}

void mf_config_defaults(mf_config_t *cfg) {
        memset(cfg, 0, sizeof(*cfg));
        char why[128];
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
                set_value(cfg, &props[i], props[i].def, why, sizeof(why));
}

typedef struct {
        mf_config_t *cfg;
        FILE *f;
        int line;        /* lines read so far, counted by read_line() */
        int error_line;  /* where the first refused key is */
        char error[512]; /* why, without the line */
} load_t;

/* libinih's reader: fgets that counts lines, so a refused key knows its own. */
static char *read_line(char *str, int num, void *stream) {
        load_t *l = stream;
        char *r = fgets(str, num, l->f);
        if (r)
                l->line++;
        return r;
}

static int on_key(void *user, const char *section, const char *name, const char *value) {
        load_t *l = user;
        if (l->error[0])
                return 0;
        l->error_line = l->line;
        if (!strcmp(section, "librdkafka")) {
                /* Checked against librdkafka's own property table now, so a
                 * misspelt security setting stops start-up here. */
                char errstr[256];
                rd_kafka_conf_t *probe = rd_kafka_conf_new();
                rd_kafka_conf_res_t r =
                    rd_kafka_conf_set(probe, name, value, errstr, sizeof(errstr));
                rd_kafka_conf_destroy(probe);
                if (r != RD_KAFKA_CONF_OK) {
                        snprintf(l->error, sizeof(l->error), "[librdkafka] %s: %s", name,
                                 errstr);
                        return 0;
                }
                if (l->cfg->n_passthru == MF_CONFIG_MAX_PASSTHRU) {
                        snprintf(l->error, sizeof(l->error),
                                 "[librdkafka] %s: too many properties", name);
                        return 0;
                }
                mf_passthru_t *pt = &l->cfg->passthru[l->cfg->n_passthru++];
                pt->name = strdup(name);
                pt->value = strdup(value);
                return 1;
        }
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
                const prop_t *p = &props[i];
                if (strcmp(p->section, section) || strcmp(p->key, name))
                        continue;
                char why[256];
                if (set_value(l->cfg, p, value, why, sizeof(why)) != 0) {
                        snprintf(l->error, sizeof(l->error), "[%s] %s: %s", section, name,
                                 why);
                        return 0;
                }
                return 1;
        }
        bool known_section = false;
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
                known_section |= !strcmp(props[i].section, section);
        if (known_section)
                snprintf(l->error, sizeof(l->error), "[%s] %s: unknown key", section,
                         name);
        else
                snprintf(l->error, sizeof(l->error), "[%s] %s: unknown section '%s'",
                         section, name, section);
        return 0;
}

int mf_config_load(mf_config_t *cfg, const char *path, char *errbuf, size_t errlen) {
        FILE *f = fopen(path, "r");
        if (!f) {
                snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
                return -1;
        }
        load_t l = {.cfg = cfg, .f = f};
        int line = ini_parse_stream(read_line, &l, on_key, &l);
        fclose(f);
        free(cfg->path);
        cfg->path = strdup(path);
        if (line == 0)
                return 0;
        if (line < 0) {
                snprintf(errbuf, errlen, "%s: cannot read the file", path);
                return -1;
        }
        /* libinih reports the first failing line: a syntax error, or a key our
         * handler refused (then l.error says which and why). */
        if (l.error[0] && l.error_line <= line)
                snprintf(errbuf, errlen, "%s:%d: %s", path, l.error_line, l.error);
        else
                snprintf(errbuf, errlen,
                         "%s:%d: not a 'key = value' line or a [section] header", path,
                         line);
        return -1;
}

void mf_config_destroy(mf_config_t *cfg) {
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
                if (props[i].type == T_STR || props[i].type == T_ADDR ||
                    props[i].type == T_KEYFILE)
                        free(*(char **)((char *)cfg + props[i].offset));
        for (int i = 0; i < cfg->n_input_topics; i++)
                free(cfg->input_topics[i]);
        for (int i = 0; i < cfg->n_passthru; i++) {
                free(cfg->passthru[i].name);
                free(cfg->passthru[i].value);
        }
        free(cfg->path);
        memset(cfg, 0, sizeof(*cfg));
}

void mf_config_print_reference(FILE *out) {
        const char *section = "";
        for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
                const prop_t *p = &props[i];
                if (strcmp(section, p->section))
                        fprintf(out, "%s[%s]\n", i ? "\n" : "", section = p->section);
                fprintf(out, "  %-28s %s (default: %s)\n", p->key, p->doc,
                        p->def[0] ? p->def : "empty");
        }
        fprintf(out, "\n[librdkafka]\n  any librdkafka property, passed through "
                     "(security.protocol, sasl.*, ssl.*, ...)\n");
}
