/*
 * mf_gen.h — synthetic front-door events, calibrated to DOMAIN.md.
 *
 * The generator simulates, day by day, each authority's contacts and what
 * follows them (decisions, referrals, assessments, S47 enquiries, ICPCs), and
 * hands the events over in the order they would be published: by emission
 * time, from a min-heap, with a configurable share delayed (out of order),
 * repeated (duplicates), first sent wrong and then corrected, or accompanied
 * by a malformed record. Everything is drawn from one seeded PRNG, so a seed
 * gives the same bytes every time.
 *
 * Authority 1 is the calibrated borough (95,000 children aged 0-17); the
 * others get deterministic sizes and re-referral propensities around it.
 */
#ifndef MF_GEN_H
#define MF_GEN_H

#include "mf_buf.h"
#include "mf_calendar.h"
#include "mf_event.h"

typedef struct {
        uint64_t seed;
        int authorities;
        mf_date_t from, to;
        bool json; /* NDJSON, else MessagePack */
        double disorder, duplicates, corrections, malformed;
        const mf_calendar_t *calendar;
        bool per_record; /* hand over each record alone, with its authority */
} mf_gen_conf_t;

/* Receives encoded records in emission order: several at once, or with
 * per_record one at a time with its authority's code (the Kafka key).
 * Return non-zero to stop. */
typedef int (*mf_gen_write_fn)(void *opaque, const char *buf, size_t len, const char *la);

typedef struct {
        uint64_t events;    /* records written, malformed ones included */
        uint64_t malformed; /* of which malformed */
} mf_gen_stats_t;

/* Generates the whole range. Returns 0, or the writer's non-zero result, or
 * -1 on ENOMEM. */
int mf_gen_run(const mf_gen_conf_t *conf, mf_gen_write_fn write, void *opaque,
               mf_gen_stats_t *stats);

/* Authority i's (0-based) code ("S001") and 0-17 population. */
void mf_gen_authority(const mf_gen_conf_t *conf, int i, char code[8],
                      int64_t *population);

#endif
