/*
 * mf_run_int.h — the daemon's state, shared by the loop (mf_run.c) and the
 * HTTP endpoint's handlers (mf_api.c). Both run on the loop's thread, but
 * for a batch's commit (commit_kafka) and the producer's callbacks it runs,
 * which touch only librdkafka and the fields marked atomic.
 */
#ifndef MF_RUN_INT_H
#define MF_RUN_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include <librdkafka/rdkafka.h>

#include "mf_buf.h"
#include "mf_config.h"
#include "mf_expo.h"
#include "mf_pipeline.h"
#include "mf_pseudo.h"
#include "mf_run.h"

typedef struct mf_run_s mf_run_t;
typedef struct mf_http_s mf_http_t;
typedef struct mf_api_s mf_api_t;

/* What the pipeline counted for live (not restoring) records of a topic. */
typedef struct {
        uint64_t records;
        uint64_t duplicates;
        uint64_t by_type[MF_EV__COUNT];
        uint64_t rejected[MF_REASON__COUNT];
} mf_counts_t;

typedef struct {
        mf_run_t *run;
        char *topic;
        int32_t partition;
        mf_pipeline_t *pipeline;
        int64_t restore_end; /* outputs are muted below this offset */
        int64_t next_offset; /* the offset to commit: last processed + 1 */
        int64_t committed;   /* what the group has committed for it */
        bool live;
        uint64_t records;
        mf_pipeline_stats_t baseline; /* the pipeline's counts when it went live */
        int64_t snapshot;             /* offset of its latest snapshot; -1: none */
} part_t;

/* Snapshots of partition state (mf_snapfile.h), when snapshot_dir is set. */
typedef struct {
        bool writing;    /* a round's files are being written (thread pool) */
        bool failing;    /* the last write failed: restores replay the log */
        char error[256]; /* why, while failing (a path and errno text) */
        uint64_t last_round_ms;
        uint64_t written; /* files written */
        uint64_t failed;  /* files that could not be written */
        uint64_t bytes;   /* of the last file written */
        uint64_t loaded;  /* restores that started from a snapshot */
        uint64_t refused; /* snapshots found but not usable */
        uint64_t absent;  /* restores with no snapshot */
} mf_snapshots_t;

struct mf_run_s {
        mf_config_t *cfg;
        mf_calendar_t *cal;
        char *population;
        uv_loop_t *loop;
        rd_kafka_t *consumer;
        rd_kafka_t *producer;
        rd_kafka_queue_t *cq, *pq;
        int cfd[2], pfd[2];
        uv_poll_t cpoll, ppoll;
        uv_idle_t more;
        uv_timer_t tick, batch;
        uv_async_t stop; /* woken by SIGTERM and SIGINT */
        uv_signal_t sighup;
        part_t **parts;
        size_t nparts;
        /* parts by input topic and partition number, for each record */
        part_t **by_partition[MF_CONFIG_MAX_TOPICS];
        int32_t by_partition_len[MF_CONFIG_MAX_TOPICS];
        bool eos;
        bool in_batch;
        uint64_t batch_records;
        uint64_t last_indicators_ms;
        bool paused;
        int outq_high;
        bool stopping;
        bool rebuild_pending;
        bool delivery_lost;  /* atomic: at least once, an output was lost */
        bool committing;     /* a batch's commit is in flight (commit_start) */
        bool initialising;   /* the producer's transactions are being set up */
        bool producer_ready; /* input is taken only once outputs can be written */
        int exit_code;
        mf_buf_t key, val;
        mf_pseudo_t pseudo; /* key_len 0: child ids leave as they are */
        mf_run_stats_t stats;
        const char *clock_file; /* NULL: the clock is wall time */
        mf_instant_t clock_set; /* the last instant read from clock_file */

        /* For the HTTP endpoint. */
        mf_http_t *http;
        mf_api_t *api;
        uint64_t started_ms;
        uint64_t last_tick_ms;
        bool assigned_once;                      /* a first assignment has been handled */
        bool consumer_reaches, producer_reaches; /* atomic: a broker is UP for it */
        mf_counts_t retired[MF_CONFIG_MAX_TOPICS]; /* of released partitions */
        uint64_t restored[MF_CONFIG_MAX_TOPICS];   /* records replayed muted, per topic */
        uint64_t produced_by_kind[MF_OUT__COUNT];
        mf_snapshots_t snap;
        mf_histo_t processing; /* seconds to process one live record */
        mf_histo_t end_to_end; /* record timestamp to its batch's commit */
        int64_t *batch_ts;     /* timestamps (ms) of the open batch's records */
        size_t batch_ts_len, batch_ts_cap;
};

/* The index of an input topic in cfg->input_topics, or -1. */
int mf_run_topic_index(const mf_run_t *r, const char *topic);
/* Live counts of input topic i: released partitions plus live ones. */
void mf_run_counts(const mf_run_t *r, int topic, mf_counts_t *out);
/* Whether both clients reach a broker (librdkafka's statistics and errors). */
static inline bool mf_run_brokers_up(const mf_run_t *r) {
        return __atomic_load_n(&r->consumer_reaches, __ATOMIC_RELAXED) &&
               __atomic_load_n(&r->producer_reaches, __ATOMIC_RELAXED);
}
/* Wall time in milliseconds since the epoch. */
uint64_t mf_run_wall_ms(void);
/* The processing clock (wall time or the clock file). */
mf_instant_t mf_run_clock(mf_run_t *r);

#endif
