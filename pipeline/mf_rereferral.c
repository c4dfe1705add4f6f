#include "mf_rereferral.h"

#include "mf_time.h"

/* Does referral p come before referral r in the child's history? */
static bool is_previous(const mf_referral_t *p, const mf_referral_t *r, mf_date_t from) {
        if (p->date == MF_DATE_NONE)
                return false;
        if (p->date < r->date)
                return p->date >= from;
        return p->date == r->date && p->seq < r->seq;
}

mf_rereferral_t mf_rereferral_answer(const mf_store_t *st, uint32_t slot) {
        const mf_referral_t *r = mf_store_item(st, MF_ITEM_REFERRAL, slot);
        mf_rereferral_t a = {0, MF_DATE_NONE};
        if (r->child == MF_SLOT_NONE || r->date == MF_DATE_NONE)
                return a;
        mf_date_t from = mf_date_add_months(r->date, -12);
        for (uint32_t s = mf_store_child(st, r->child)->referrals; s != MF_SLOT_NONE;) {
                const mf_referral_t *p = mf_store_item(st, MF_ITEM_REFERRAL, s);
                if (s != slot && is_previous(p, r, from)) {
                        if (a.prev12 < UINT16_MAX)
                                a.prev12++;
                        if (a.prev_date == MF_DATE_NONE || p->date > a.prev_date)
                                a.prev_date = p->date;
                }
                s = p->next;
        }
        return a;
}

static mf_err_t emit_one(mf_store_t *st, uint32_t slot, mf_rereferral_t a,
                         mf_rereferral_emit_fn emit, void *opaque) {
        mf_referral_t *r = mf_store_item(st, MF_ITEM_REFERRAL, slot);
        r->revision = r->emitted ? r->revision + 1 : 0;
        r->emitted = true;
        r->prev12 = a.prev12;
        r->prev_date = a.prev_date;
        return emit(opaque, st, slot);
}

mf_err_t mf_rereferral_update(mf_store_t *st, uint32_t child, uint32_t changed,
                              mf_date_t first_kept, mf_rereferral_emit_fn emit,
                              void *opaque) {
        mf_err_t rc = MF_OK;
        if (changed != MF_SLOT_NONE)
                rc = emit_one(st, changed, mf_rereferral_answer(st, changed), emit,
                              opaque);
        if (child == MF_SLOT_NONE)
                return rc;
        for (uint32_t s = mf_store_child(st, child)->referrals;
             rc == MF_OK && s != MF_SLOT_NONE;) {
                mf_referral_t *r = mf_store_item(st, MF_ITEM_REFERRAL, s);
                uint32_t next = r->next;
                if (s != changed && r->emitted && r->date != MF_DATE_NONE &&
                    mf_date_add_months(r->date, -12) >= first_kept) {
                        mf_rereferral_t a = mf_rereferral_answer(st, s);
                        if (a.prev12 != r->prev12 || a.prev_date != r->prev_date)
                                rc = emit_one(st, s, a, emit, opaque);
                }
                s = next;
        }
        return rc;
}
