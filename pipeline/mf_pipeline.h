/*
 * mf_pipeline.h — the pipeline: decode ► validate ► dedupe ► stages ► outputs.
 *
 * A pipeline is fed input records (or decoded events) and clock ticks, and
 * hands every output to the sink. It does no I/O, reads no wall clock and has
 * no globals: the same records and ticks give byte-identical outputs, which
 * is what makes replay, restore after a crash and testing possible.
 *
 * The clock is event time: the newest event time seen, or a later tick. It
 * never goes back. The report date D is its civil date; the horizon's first
 * day is D - 24 months + 1 day. An event dated before it is too_late (dead
 * letter, no effect); state dated before it is released by a sweep that runs
 * every MF_SWEEP_DAYS days of clock.
 *
 * State is kept per local authority (one mf_store_t each); the daemon runs
 * one pipeline per input partition, and an authority's events are all in one
 * partition.
 */
#ifndef MF_PIPELINE_H
#define MF_PIPELINE_H

#include "mf_calendar.h"
#include "mf_output.h"
#include "mf_snapshot.h"

#define MF_HORIZON_MONTHS 24
#define MF_SWEEP_DAYS     28

typedef void (*mf_sink_fn)(void *opaque, const mf_output_t *out);

/* When due_soon alerts are raised (DOMAIN.md "Alerts"). */
typedef struct {
        int64_t decision_due_soon_ms;   /* before a decision's due instant */
        int32_t assessment_due_soon_wd; /* working days after the start */
        int32_t icpc_due_soon_wd;       /* working days after the strategy discussion */
} mf_alert_leads_t;

/* DOMAIN.md's defaults: 4 hours, 40 and 12 working days. */
#define MF_ALERT_LEADS_DEFAULT ((mf_alert_leads_t){4 * 3600000LL, 40, 12})

typedef struct {
        const mf_calendar_t *calendar; /* borrowed; must outlive the pipeline */
        mf_sink_fn sink;
        void *opaque;
        const mf_alert_leads_t *leads; /* NULL: MF_ALERT_LEADS_DEFAULT */
} mf_pipeline_conf_t;

/* Where an input record came from, for dead letters. */
typedef struct {
        mf_str_t topic;
        int32_t partition;
        int64_t offset;
} mf_origin_t;

typedef struct {
        uint64_t records;    /* input records offered */
        uint64_t applied;    /* events that changed state */
        uint64_t duplicates; /* events whose id had been applied already */
        uint64_t rejected[MF_REASON__COUNT];
        uint64_t by_type[MF_EV__COUNT]; /* applied, by event type */
        uint64_t outputs[MF_OUT__COUNT];
        uint64_t sweeps; /* that had records old enough to release */
} mf_pipeline_stats_t;

typedef struct mf_pipeline_s mf_pipeline_t;

mf_pipeline_t *mf_pipeline_new(const mf_pipeline_conf_t *conf);
void mf_pipeline_free(mf_pipeline_t *p);

/* Sets the 0-17 population of an authority, for rates per 10,000. */
mf_err_t mf_pipeline_set_population(mf_pipeline_t *p, mf_str_t la, int64_t population);

/*
 * Input. A rejected record goes to the sink as a dead letter and the call
 * still returns MF_OK; errors are only for the caller's trouble (ENOMEM).
 *
 * push_msgpack with used == NULL takes buf as one whole record (a Kafka
 * message: trailing bytes are bad_encoding). With used != NULL it reads the
 * first object of a stream, sets *used, and returns MF_ERR_RANGE when buf
 * holds only part of one.
 */
mf_err_t mf_pipeline_push_msgpack(mf_pipeline_t *p, const char *buf, size_t len,
                                  size_t *used, const mf_origin_t *origin);
/* One JSON object (one NDJSON line without its newline). buf is not changed. */
mf_err_t mf_pipeline_push_json(mf_pipeline_t *p, const char *buf, size_t len,
                               const mf_origin_t *origin);
/* An event already decoded; payload is what a dead letter would carry. */
mf_err_t mf_pipeline_push_event(mf_pipeline_t *p, const mf_event_t *ev, mf_str_t payload,
                                const mf_origin_t *origin);

/* Advances the clock to `now` if later; windows slide and the horizon moves
 * a whole day at a time. */
mf_err_t mf_pipeline_tick(mf_pipeline_t *p, mf_instant_t now);
/* The clock; MF_INSTANT_NONE before the first event or tick. */
mf_instant_t mf_pipeline_now(const mf_pipeline_t *p);
/* The report date D; MF_DATE_NONE before the first event or tick. */
mf_date_t mf_pipeline_today(const mf_pipeline_t *p);
/* The horizon's first day as of date d. */
mf_date_t mf_horizon_first(mf_date_t d);

/* Authorities seen, in code order. */
size_t mf_pipeline_la_count(const mf_pipeline_t *p);
mf_str_t mf_pipeline_la(const mf_pipeline_t *p, size_t i);
mf_store_t *mf_pipeline_store(mf_pipeline_t *p, mf_str_t la);

/* The figures of one authority as of date as_of (<= D; snapshots at the end
 * of as_of, or at the clock when as_of is D). MF_ERR_RANGE when as_of is after
 * D or before the horizon; MF_ERR_INVALID for an unknown authority. */
mf_err_t mf_pipeline_indicators(mf_pipeline_t *p, mf_str_t la, mf_date_t as_of,
                                mf_indicators_t *out);
/* Computes every authority's figures as of as_of and sends each to the sink
 * as an indicators record. */
mf_err_t mf_pipeline_emit_indicators(mf_pipeline_t *p, mf_date_t as_of);

/* An open item and its timescale, for "nearest their deadline" lists. The
 * item id is a view into pipeline state, valid until the next push or tick. */
typedef struct {
        int item_kind; /* mf_item_kind_t: contact, assessment or S47 */
        mf_str_t item_id;
        mf_date_t start_date;
        mf_instant_t due_at;
} mf_nearest_t;

/* The open items of an authority nearest their deadline (overdue ones
 * first), at most `max`, earliest due first. Returns how many were written. */
size_t mf_pipeline_nearest(mf_pipeline_t *p, mf_str_t la, mf_nearest_t *out, size_t max);

/* Open items with a deadline, by kind: contacts awaiting a decision,
 * assessments not yet authorised, S47s awaiting their ICPC. */
typedef struct {
        uint32_t contacts, assessments, s47s;
} mf_open_counts_t;
mf_err_t mf_pipeline_open_counts(mf_pipeline_t *p, mf_str_t la, mf_open_counts_t *out);

/* The trend of an authority: `months` months to as_of, oldest first (see
 * mf_indicators_trend). Same range rules as mf_pipeline_indicators. */
mf_err_t mf_pipeline_trend(mf_pipeline_t *p, mf_str_t la, mf_date_t as_of, int months,
                           mf_month_t *out);

const mf_pipeline_stats_t *mf_pipeline_stats(const mf_pipeline_t *p);
/* The pipeline's part of a snapshot (mf_snapshot.h): the clock and every
 * authority's store. The alert leads and the calendar are not saved, only a
 * hash of them: a snapshot loads only under the same ones. Statistics and
 * populations are not state and are not saved. Loading needs a pipeline
 * that has taken no record; false (and r marked bad) when it cannot. */
void mf_pipeline_save(const mf_pipeline_t *p, mf_snap_writer_t *w);
bool mf_pipeline_load(mf_pipeline_t *p, mf_snap_reader_t *r);

/* Bytes of state held (approximate; for memory figures). */
size_t mf_pipeline_state_bytes(const mf_pipeline_t *p);

#endif
