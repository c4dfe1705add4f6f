/*
 * mf_rereferral.h — re-referral detection (DOMAIN.md "Referral").
 *
 * A referral R of child c is a re-referral when c has at least one other
 * referral dated in [R.date - 12 months, R.date): the boundary date itself
 * included, R's own date excluded — except that of two referrals of one child
 * on one date, the one that arrived second counts the first as previous.
 * previous_referrals_12m is the number of such referrals; previous_referral_
 * date the latest of their dates.
 *
 * The answer of one referral depends on the child's other referrals, so a new
 * or corrected referral can change the answers of its siblings. The stage
 * recomputes every referral of the child and reports those whose answer
 * differs from the one last emitted.
 */
#ifndef MF_REREFERRAL_H
#define MF_REREFERRAL_H

#include "mf_store.h"

typedef struct {
        uint16_t prev12;
        mf_date_t prev_date; /* MF_DATE_NONE when prev12 == 0 */
} mf_rereferral_t;

/* The answer for referral `slot` given its child's current referrals. */
mf_rereferral_t mf_rereferral_answer(const mf_store_t *st, uint32_t slot);

/* Called for each referral whose record must be (re-)emitted. */
typedef mf_err_t (*mf_rereferral_emit_fn)(void *opaque, mf_store_t *st, uint32_t slot);

/* Recomputes the answers of every referral of `child`. The referral `changed`
 * (the one an event just created or corrected; MF_SLOT_NONE for none) is
 * always emitted; any other is emitted when its answer differs from its last
 * emitted one and its 12-month look-back lies wholly on or after first_kept
 * (older look-backs may have lost referrals to the horizon sweep, and their
 * answers were final long ago). The stored answer and revision are updated
 * before each emit. */
mf_err_t mf_rereferral_update(mf_store_t *st, uint32_t child, uint32_t changed,
                              mf_date_t first_kept, mf_rereferral_emit_fn emit,
                              void *opaque);

#endif
