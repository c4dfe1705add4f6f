#include "mf_indicators.h"

#include "mf_time.h"

const char *const mf_gender_names[MF_GENDER__N] = {"male", "female", "other"};
const char *const mf_age_names[MF_AGE__N] = {"unborn", "under_1", "1_4",         "5_9",
                                             "10_15",  "16_plus", "not_recorded"};
const char *const mf_ethnicity_names[MF_ETH__COUNT] = {
    "not_recorded", "white", "mixed", "asian", "black", "other", "not_stated"};
const char *const mf_disability_names[MF_DIS__N] = {"yes", "no", "not_recorded"};
const char *const mf_band_names[MF_BAND__N] = {
    "same_day", "1_10", "11_20", "21_30", "31_40", "41_45", "46_50", "51_60", "61_plus"};
const char *const mf_breakdown_names[MF_BD__N] = {"contacts_6m", "referrals_6m",
                                                  "assessments_6m", "s47_6m"};

bool mf_ratio_pct(mf_ratio_t r, double *pct) {
        if (!r.den)
                return false;
        *pct = 100.0 * r.num / r.den;
        return true;
}

bool mf_indicators_mean_wd(const mf_indicators_t *ind, double *mean) {
        if (!ind->assessments_in_time_6m.den)
                return false;
        *mean = (double)ind->assessment_wd_sum / ind->assessments_in_time_6m.den;
        return true;
}

int mf_age_band(mf_date_t birth, mf_date_t at) {
        if (birth == MF_DATE_NONE)
                return MF_AGE_NOT_RECORDED;
        if (birth > at)
                return MF_AGE_UNBORN;
        int by, bm, bd, y, m, d;
        mf_date_to_ymd(birth, &by, &bm, &bd);
        mf_date_to_ymd(at, &y, &m, &d);
        int age = y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
        if (age < 1)
                return MF_AGE_UNDER_1;
        if (age <= 4)
                return MF_AGE_1_4;
        if (age <= 9)
                return MF_AGE_5_9;
        if (age <= 15)
                return MF_AGE_10_15;
        return MF_AGE_16_PLUS;
}

int mf_duration_band(int32_t wd) {
        if (wd <= 0)
                return MF_BAND_SAME_DAY;
        if (wd <= 40)
                return MF_BAND_1_10 + (wd - 1) / 10;
        if (wd <= 45)
                return MF_BAND_41_45;
        if (wd <= 50)
                return MF_BAND_46_50;
        if (wd <= 60)
                return MF_BAND_51_60;
        return MF_BAND_61_PLUS;
}

static int gender_of(uint8_t g) {
        return g == MF_GENDER_M   ? MF_GENDER_MALE
               : g == MF_GENDER_F ? MF_GENDER_FEMALE
                                  : MF_GENDER_OTHER;
}

static int disability_of(uint8_t d) {
        return d == MF_TRI_TRUE    ? MF_DIS_YES
               : d == MF_TRI_FALSE ? MF_DIS_NO
                                   : MF_DIS_NOT_RECORDED;
}

static void count(mf_breakdown_t *b, uint8_t source, uint8_t gender, mf_date_t birth,
                  uint8_t ethnicity, uint8_t disability, mf_date_t at) {
        b->source[source]++;
        b->gender[gender_of(gender)]++;
        b->age[mf_age_band(birth, at)]++;
        b->ethnicity[ethnicity < MF_ETH__COUNT ? ethnicity : MF_ETH_NOT_RECORDED]++;
        b->disability[disability_of(disability)]++;
}

static void count_child(mf_breakdown_t *b, const mf_store_t *st, uint32_t child,
                        uint8_t source, mf_date_t at) {
        static const mf_child_t none = {.birth_date = MF_DATE_NONE};
        const mf_child_t *c = child == MF_SLOT_NONE ? &none : mf_store_child(st, child);
        count(b, source, c->gender, c->birth_date, c->ethnicity, c->disability, at);
}

static bool in(mf_date_t d, mf_date_t from, mf_date_t to) {
        return d != MF_DATE_NONE && d >= from && d <= to;
}

/* A child's scratch fields, reset the first time this computation meets it. */
static mf_child_t *scratch(mf_store_t *st, uint32_t child) {
        mf_child_t *c = mf_store_child(st, child);
        if (c->mark != st->stamp) {
                c->mark = st->stamp;
                c->count = 0;
                c->latest = MF_SLOT_NONE;
        }
        return c;
}

static void contacts(mf_store_t *st, mf_date_t w6, mf_date_t d, mf_instant_t at,
                     mf_date_t first_kept, mf_indicators_t *o) {
        const mf_slab_t *slab = &st->items[MF_ITEM_CONTACT].slab;
        for (uint32_t s = 0; s < slab->len; s++) {
                const mf_contact_t *c = mf_slab_at(slab, s);
                if (!c->id || !c->opened || c->received_at > at)
                        continue;
                mf_date_t rd = mf_civil_date(c->received_at);
                bool decided = c->decided_at != MF_INSTANT_NONE && c->decided_at <= at;
                if (in(rd, w6, d)) {
                        o->contacts_6m++;
                        count(&o->breakdown[MF_BD_CONTACTS], c->source, c->gender,
                              c->birth_date, c->ethnicity, c->disability, rd);
                        if (c->child != MF_SLOT_NONE &&
                            ++scratch(st, c->child)->count == 2)
                                o->children_multiple_contacts_6m++;
                        if (decided) {
                                o->contact_to_referral_6m.den++;
                                o->contact_to_referral_6m.num +=
                                    c->outcome == MF_OUTCOME_REFERRAL;
                        }
                }
                if (decided && in(mf_civil_date(c->decided_at), w6, d)) {
                        o->contact_decisions_in_time_6m.den++;
                        o->contact_decisions_in_time_6m.num += c->decided_at <= c->due_at;
                }
                if (!decided && rd >= first_kept && at > c->due_at)
                        o->contact_decisions_overdue++;
        }
}

/* Is referral a later than b in a child's history? */
static bool later(const mf_referral_t *a, const mf_referral_t *b) {
        return a->date > b->date || (a->date == b->date && a->seq > b->seq);
}

static void referrals(mf_store_t *st, mf_date_t w6, mf_date_t d, mf_indicators_t *o) {
        const mf_slab_t *slab = &st->items[MF_ITEM_REFERRAL].slab;
        st->stamp++;
        for (uint32_t s = 0; s < slab->len; s++) {
                const mf_referral_t *r = mf_slab_at(slab, s);
                if (!r->id || !in(r->date, w6, d))
                        continue;
                o->referrals_6m++;
                o->referrals_nfa_6m += r->nfa;
                o->rereferral_6m.den++;
                o->rereferral_6m.num += r->prev12 > 0;
                count_child(&o->breakdown[MF_BD_REFERRALS], st, r->child, r->source,
                            r->date);
                if (r->child == MF_SLOT_NONE)
                        continue;
                mf_child_t *c = scratch(st, r->child);
                if (c->latest == MF_SLOT_NONE ||
                    later(r, mf_store_item(st, MF_ITEM_REFERRAL, c->latest)))
                        c->latest = s;
        }
        for (uint32_t s = 0; s < slab->len; s++) {
                const mf_referral_t *r = mf_slab_at(slab, s);
                if (!r->id || !in(r->date, w6, d) || r->child == MF_SLOT_NONE ||
                    mf_store_child(st, r->child)->latest != s)
                        continue;
                o->rereferral_children_6m.den++;
                o->rereferral_children_6m.num += r->prev12 > 0;
                o->children_by_previous_referrals_6m[r->prev12 < 4 ? r->prev12 : 4]++;
        }
}

static uint8_t referral_source(const mf_store_t *st, const char *referral_id) {
        if (!referral_id)
                return MF_SOURCE_NONE;
        uint32_t s = mf_store_find(st, MF_ITEM_REFERRAL, mf_strpool_get(referral_id));
        if (s == MF_SLOT_NONE)
                return MF_SOURCE_NONE;
        return ((const mf_referral_t *)mf_store_item(st, MF_ITEM_REFERRAL, s))->source;
}

static void assessments(mf_store_t *st, const mf_calendar_t *cal, mf_date_t w6,
                        mf_date_t d, mf_date_t first_kept, mf_indicators_t *o) {
        const mf_slab_t *slab = &st->items[MF_ITEM_ASSESSMENT].slab;
        for (uint32_t s = 0; s < slab->len; s++) {
                const mf_assessment_t *a = mf_slab_at(slab, s);
                if (!a->id || !a->opened || a->start > d)
                        continue;
                bool open = a->start >= first_kept &&
                            (a->authorised == MF_DATE_NONE || a->authorised > d);
                if (in(a->start, w6, d) || open) {
                        o->assessments_6m++;
                        count_child(&o->breakdown[MF_BD_ASSESSMENTS], st, a->child,
                                    referral_source(st, a->referral_id), a->start);
                }
                if (open) {
                        o->assessments_open++;
                        if (d > mf_calendar_add_wd(cal, a->start, MF_ASSESSMENT_WD))
                                o->assessments_overdue++;
                }
                if (!in(a->authorised, w6, d))
                        continue;
                o->assessments_completed_6m++;
                if (a->authorised < a->start) {
                        o->assessment_date_errors_6m++;
                        continue;
                }
                int32_t wd = mf_calendar_wd(cal, a->start, a->authorised);
                o->assessments_in_time_6m.den++;
                o->assessments_in_time_6m.num += wd <= MF_ASSESSMENT_WD;
                o->assessment_wd_sum += (uint64_t)wd;
                o->assessment_duration_bands_6m[mf_duration_band(wd)]++;
        }
}

static void s47s(mf_store_t *st, const mf_calendar_t *cal, mf_date_t w6, mf_date_t d,
                 mf_date_t first_kept, mf_indicators_t *o) {
        const mf_slab_t *slab = &st->items[MF_ITEM_S47].slab;
        for (uint32_t s = 0; s < slab->len; s++) {
                const mf_s47_t *e = mf_slab_at(slab, s);
                if (!e->id || !e->opened || e->strategy > d)
                        continue;
                if (in(e->strategy, w6, d)) {
                        o->s47_6m++;
                        count_child(&o->breakdown[MF_BD_S47], st, e->child,
                                    referral_source(st, e->referral_id), e->strategy);
                }
                bool held = e->icpc != MF_DATE_NONE && e->icpc <= d;
                bool not_required = e->icpc_required == MF_TRI_FALSE &&
                                    e->completed != MF_DATE_NONE && e->completed <= d;
                if (!held && !not_required && e->strategy >= first_kept &&
                    d > mf_calendar_add_wd(cal, e->strategy, MF_ICPC_WD))
                        o->icpc_overdue++;
                if (!in(e->icpc, w6, d))
                        continue;
                o->icpc_6m++;
                if (e->icpc < e->strategy) {
                        o->icpc_date_errors_6m++;
                        continue;
                }
                o->icpc_in_time_6m.den++;
                o->icpc_in_time_6m.num +=
                    mf_calendar_wd(cal, e->strategy, e->icpc) <= MF_ICPC_WD;
        }
}

void mf_indicators_compute(mf_store_t *st, const mf_calendar_t *cal, mf_date_t as_of,
                           mf_instant_t at, mf_date_t first_kept, mf_indicators_t *out) {
        memset(out, 0, sizeof(*out));
        memcpy(out->la, st->la, sizeof(out->la));
        out->as_of = as_of;
        out->at = at;
        mf_date_t w6 = mf_window_start(as_of, 6);
        st->stamp++;
        contacts(st, w6, as_of, at, first_kept, out);
        referrals(st, w6, as_of, out);
        assessments(st, cal, w6, as_of, first_kept, out);
        s47s(st, cal, w6, as_of, first_kept, out);
}

/* The trend month holding date d (index into out[], oldest first), or -1. */
static int month_of(const mf_month_t *m, int months, mf_date_t d) {
        if (d < m[0].from || d > m[months - 1].to)
                return -1;
        int lo = 0, hi = months - 1;
        while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (d > m[mid].to)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

void mf_indicators_trend(const mf_store_t *st, mf_date_t as_of, mf_instant_t at,
                         int months, mf_month_t *out) {
        memset(out, 0, sizeof(*out) * (size_t)months);
        for (int k = 0; k < months; k++) {
                mf_month_t *m = &out[months - 1 - k];
                m->to = mf_date_add_months(as_of, -k);
                m->from = mf_date_add_months(as_of, -(k + 1)) + 1;
        }
        const mf_slab_t *slab = &st->items[MF_ITEM_CONTACT].slab;
        for (uint32_t s = 0; s < slab->len; s++) {
                const mf_contact_t *c = mf_slab_at(slab, s);
                if (!c->id || !c->opened || c->received_at > at)
                        continue;
                int k = month_of(out, months, mf_civil_date(c->received_at));
                if (k >= 0)
                        out[k].contacts++;
        }
        slab = &st->items[MF_ITEM_REFERRAL].slab;
        for (uint32_t s = 0; s < slab->len; s++) {
                const mf_referral_t *r = mf_slab_at(slab, s);
                int k = r->id ? month_of(out, months, r->date) : -1;
                if (k < 0)
                        continue;
                out[k].referrals++;
                out[k].rereferrals.den++;
                out[k].rereferrals.num += r->prev12 > 0;
        }
}
