/*
 * mf_deadline.h — the timers behind timeliness alerts.
 *
 * A binary min-heap of (instant, sequence) -> item, as libuv orders its
 * timers: equal instants fire in the order they were set, so alerts come out
 * in the same order for the same input. Push and pop are O(log n); advancing
 * the clock costs only the timers that are due, never a scan of open items.
 *
 * Timers are never removed early. When an item's dates change it gets a new
 * stamp, and a timer whose stamp no longer matches its item is simply dropped
 * when it comes up (lazy cancellation); a closed item's timers likewise.
 */
#ifndef MF_DEADLINE_H
#define MF_DEADLINE_H

#include "mf_common.h"
#include "mf_snapshot.h"

typedef struct {
        mf_instant_t at;
        uint64_t seq;
        uint32_t slot;  /* the item's slot in its table */
        uint32_t stamp; /* the item's stamp when the timer was set */
        uint8_t item;   /* mf_item_kind_t */
        uint8_t alert;  /* which alert it raises */
} mf_timer_t;

typedef struct {
        mf_timer_t *h;
        size_t n, cap;
        uint64_t seq;
} mf_deadlines_t;

void mf_deadlines_init(mf_deadlines_t *d);
void mf_deadlines_destroy(mf_deadlines_t *d);
/* Sets a timer (t.seq is assigned here). */
mf_err_t mf_deadlines_push(mf_deadlines_t *d, mf_timer_t t);
/* Takes the earliest timer due at or before `now`; false when none is. */
bool mf_deadlines_pop_due(mf_deadlines_t *d, mf_instant_t now, mf_timer_t *out);
/* Snapshots (mf_snapshot.h): the heap as it is, so that equal instants keep
 * their order. Loading needs an empty heap; false (and r marked bad) on a
 * malformed snapshot or ENOMEM. Timers' slots are the caller's to check. */
void mf_deadlines_save(const mf_deadlines_t *d, mf_snap_writer_t *w);
bool mf_deadlines_load(mf_deadlines_t *d, mf_snap_reader_t *r);
static inline size_t mf_deadlines_count(const mf_deadlines_t *d) {
        return d->n;
}

#endif
