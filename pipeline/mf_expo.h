/*
 * mf_expo.h — the Prometheus text exposition format (version 0.0.4).
 *
 * A writer, not a registry: the caller walks its own counters and writes
 * each metric family in one go (HELP and TYPE, then its samples), so a
 * family's samples are always contiguous, as the format requires. Label
 * values are escaped here (backslash, double quote, newline), so they may
 * come from anywhere; metric and label names are the caller's constants.
 *
 * Histograms keep cumulative-ready bucket counts with fixed upper bounds;
 * observing is O(buckets) with no allocation, so it can sit on a hot path.
 */
#ifndef MF_EXPO_H
#define MF_EXPO_H

#include "mf_buf.h"

/* The Content-Type of the format. */
#define MF_EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct {
        const char *name;
        const char *value; /* any bytes but NUL; escaped when written */
} mf_label_t;

/* "# HELP name help\n# TYPE name type\n"; type is "counter", "gauge",
 * "histogram", "summary" or "untyped". */
mf_err_t mf_expo_family(mf_buf_t *b, const char *name, const char *type,
                        const char *help);
/* One sample "name{labels} value\n". Integral values below 2^53 are written
 * as integers; others with enough digits to read back the same double; NaN
 * and infinities as Prometheus spells them. */
mf_err_t mf_expo_sample(mf_buf_t *b, const char *name, const mf_label_t *labels,
                        size_t nlabels, double value);
/* A label value as the format escapes it (for tests and callers that build
 * their own lines). */
mf_err_t mf_expo_label_value(mf_buf_t *b, const char *value);
/* A sample value as written by mf_expo_sample. */
mf_err_t mf_expo_value(mf_buf_t *b, double value);

#define MF_HISTO_MAX_BUCKETS 24

typedef struct {
        size_t n;                                  /* finite upper bounds */
        double bounds[MF_HISTO_MAX_BUCKETS];       /* ascending */
        uint64_t counts[MF_HISTO_MAX_BUCKETS + 1]; /* per bucket; last is +Inf */
        uint64_t count;
        double sum;
} mf_histo_t;

/* MF_ERR_INVALID unless 0 < n <= MF_HISTO_MAX_BUCKETS and bounds ascend. */
mf_err_t mf_histo_init(mf_histo_t *h, const double *bounds, size_t n);
void mf_histo_observe(mf_histo_t *h, double v);
/* The samples of one histogram: name_bucket{...,le="…"} (cumulative, +Inf
 * last), name_sum and name_count. The family line is the caller's. */
mf_err_t mf_expo_histogram(mf_buf_t *b, const char *name, const mf_label_t *labels,
                           size_t nlabels, const mf_histo_t *h);

#endif
