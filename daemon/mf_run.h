/*
 * mf_run.h — the daemon's main loop (`mashflow run`).
 */
#ifndef MF_RUN_H
#define MF_RUN_H

#include <stdint.h>

#include "mf_config.h"

typedef struct {
        uint64_t consumed;        /* input records processed */
        uint64_t produced;        /* output records handed to the producer */
        uint64_t batches;         /* batches (transactions) committed */
        uint64_t aborted;         /* transactions aborted */
        uint64_t delivery_failed; /* output records the broker did not take */
        uint64_t queue_full;      /* waits for a full producer queue */
} mf_run_stats_t;

/* Runs until SIGTERM or SIGINT (then returns 0 after committing the batch and
 * leaving the group) or a fatal error (returns 1). The clock is wall time, or
 * when clock_file is not NULL the instant written in that file (milliseconds
 * since the epoch, or YYYY-MM-DD for the end of that day in England), re-read
 * every second: for tests and drills that must control time. */
int mf_run(mf_config_t *cfg, const char *clock_file, mf_run_stats_t *stats);

#endif
