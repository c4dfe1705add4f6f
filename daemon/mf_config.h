/*
 * mf_config.h — the daemon's configuration file.
 *
 * One INI file (parsed by libinih). Every key is declared once in a typed
 * table (mf_config.c), which gives its section, type, bounds, default and
 * documentation; unknown sections and keys are errors, so a typo stops
 * start-up instead of being silently ignored. Errors name the file, the line
 * and the key:  /etc/mashflow/mashflow.conf:12: [kafka] batch_max_ms: must be
 * an integer from 1 to 60000.
 *
 * The [librdkafka] section is passed through to librdkafka unchanged
 * (security.protocol, sasl.*, ssl.*, ...); each property is checked against
 * librdkafka's own table when the file is loaded.
 */
#ifndef MF_CONFIG_H
#define MF_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#define MF_CONFIG_MAX_TOPICS   16
#define MF_CONFIG_MAX_PASSTHRU 64

typedef enum { MF_GUARANTEE_EXACTLY_ONCE = 0, MF_GUARANTEE_AT_LEAST_ONCE } mf_guarantee_t;
typedef enum { MF_ENCODING_MSGPACK = 0, MF_ENCODING_JSON } mf_encoding_t;
typedef enum { MF_LOG_ERROR = 0, MF_LOG_WARN, MF_LOG_INFO, MF_LOG_DEBUG } mf_log_level_t;

typedef struct {
        char *name;
        char *value;
        int line;
} mf_passthru_t;

typedef struct {
        /* [kafka] */
        char *brokers;
        char *group_id;
        char *input_topics[MF_CONFIG_MAX_TOPICS];
        int n_input_topics;
        int input_encoding; /* mf_encoding_t */
        int guarantee;      /* mf_guarantee_t */
        char *transactional_id;
        int64_t batch_max_records;
        int64_t batch_max_ms;
        /* [outputs] */
        char *referrals_topic;
        char *alerts_topic;
        char *indicators_topic;
        char *deadletter_topic;
        int output_encoding; /* mf_encoding_t */
        int64_t indicators_interval_s;
        /* [pipeline] */
        char *calendar_file;
        char *population_file;
        char *snapshot_dir; /* "": no snapshots */
        int64_t snapshot_interval_s;
        /* [alerts] */
        int64_t decision_due_soon_minutes;
        int64_t assessment_due_soon_wd;
        int64_t icpc_due_soon_wd;
        /* [http] */
        char *http_listen;
        int64_t http_max_connections;
        int64_t http_request_timeout_ms;
        int64_t http_idle_timeout_ms;
        /* [privacy] */
        char *pseudonymisation_key_file;
        int64_t suppress_below;
        /* [log] */
        int log_level; /* mf_log_level_t */
        char *log_file;
        /* [kafka] mirror_offsets */
        int mirror_offsets;
        int restore_from; /* 0: horizon (offsets for times), 1: beginning */
        /* [librdkafka] */
        mf_passthru_t passthru[MF_CONFIG_MAX_PASSTHRU];
        int n_passthru;
        /* where it came from */
        char *path;
} mf_config_t;

/* Fills cfg with every key's default. */
void mf_config_defaults(mf_config_t *cfg);
/* Loads a file over the defaults. Returns 0, or -1 with errbuf set to
 * "FILE:LINE: [section] key: why" (or "FILE: why" when it cannot be read). */
int mf_config_load(mf_config_t *cfg, const char *path, char *errbuf, size_t errlen);
void mf_config_destroy(mf_config_t *cfg);
/* Writes the key reference (section, key, type, default, meaning). */
void mf_config_print_reference(FILE *out);

#endif
