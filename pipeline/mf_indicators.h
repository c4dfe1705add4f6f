/*
 * mf_indicators.h — the headline figures of DOMAIN.md for one authority as of
 * a report date D.
 *
 * Figures are computed on demand by one pass over the authority's retained
 * items, with the windows applied as date filters: "last 6 months" is
 * mf_window_start(D, 6) .. D. Snapshot figures (open, overdue) are taken at
 * the instant `at`: the pipeline clock when D is today, the end of D for an
 * earlier date. Items dated before the horizon's first day are never counted,
 * so when the periodic sweep releases them changes no figure.
 *
 * A percentage is kept as numerator and denominator (mf_ratio_t) so that
 * "no denominator" is distinct from 0%, and so outputs can show both.
 */
#ifndef MF_INDICATORS_H
#define MF_INDICATORS_H

#include "mf_calendar.h"
#include "mf_store.h"

/* Statutory timescales, in working days (DOMAIN.md). */
#define MF_ASSESSMENT_WD 45 /* assessment authorised */
#define MF_ICPC_WD       15 /* ICPC after the strategy discussion */

typedef struct {
        uint32_t num;
        uint32_t den;
} mf_ratio_t;

enum { MF_GENDER_MALE = 0, MF_GENDER_FEMALE, MF_GENDER_OTHER, MF_GENDER__N };
enum {
        MF_AGE_UNBORN = 0,
        MF_AGE_UNDER_1,
        MF_AGE_1_4,
        MF_AGE_5_9,
        MF_AGE_10_15,
        MF_AGE_16_PLUS,
        MF_AGE_NOT_RECORDED,
        MF_AGE__N
};
enum { MF_DIS_YES = 0, MF_DIS_NO, MF_DIS_NOT_RECORDED, MF_DIS__N };
/* DfE assessment duration bands, in working days. */
enum {
        MF_BAND_SAME_DAY = 0,
        MF_BAND_1_10,
        MF_BAND_11_20,
        MF_BAND_21_30,
        MF_BAND_31_40,
        MF_BAND_41_45,
        MF_BAND_46_50,
        MF_BAND_51_60,
        MF_BAND_61_PLUS,
        MF_BAND__N
};

extern const char *const mf_gender_names[MF_GENDER__N];
extern const char *const mf_age_names[MF_AGE__N];
extern const char *const mf_ethnicity_names[MF_ETH__COUNT];
extern const char *const mf_disability_names[MF_DIS__N];
extern const char *const mf_band_names[MF_BAND__N];

typedef struct {
        uint32_t gender[MF_GENDER__N];
        uint32_t age[MF_AGE__N];
        uint32_t ethnicity[MF_ETH__COUNT];
        uint32_t disability[MF_DIS__N];
        uint32_t source[MF_SOURCE_MAX + 1]; /* by the store's interned codes */
} mf_breakdown_t;

enum { MF_BD_CONTACTS = 0, MF_BD_REFERRALS, MF_BD_ASSESSMENTS, MF_BD_S47, MF_BD__N };
extern const char *const mf_breakdown_names[MF_BD__N];

typedef struct {
        char la[MF_LA_MAX + 1];
        mf_date_t as_of;
        mf_instant_t at;    /* the snapshot instant */
        int64_t population; /* 0-17 population; 0 when not configured */

        uint32_t contacts_6m;
        uint32_t children_multiple_contacts_6m;
        uint32_t contact_decisions_overdue;
        mf_ratio_t contact_decisions_in_time_6m;
        mf_ratio_t contact_to_referral_6m;
        uint32_t referrals_6m;
        uint32_t referrals_nfa_6m;
        mf_ratio_t rereferral_6m;
        mf_ratio_t rereferral_children_6m;
        uint32_t children_by_previous_referrals_6m[5]; /* 0, 1, 2, 3, 4+ */
        uint32_t assessments_6m;
        uint32_t assessments_completed_6m;
        uint32_t assessments_open;
        mf_ratio_t assessments_in_time_6m;
        uint64_t assessment_wd_sum; /* over assessments_in_time_6m.den */
        uint32_t assessments_overdue;
        uint32_t s47_6m;
        uint32_t icpc_6m;
        mf_ratio_t icpc_in_time_6m;
        uint32_t icpc_overdue;
        uint32_t assessment_date_errors_6m;
        uint32_t icpc_date_errors_6m;
        uint32_t assessment_duration_bands_6m[MF_BAND__N];
        mf_breakdown_t breakdown[MF_BD__N];
} mf_indicators_t;

/* Computes every figure for store st as of date as_of, with snapshots at
 * instant `at`, counting nothing dated before first_kept. Not const: it uses
 * the children's scratch fields. */
void mf_indicators_compute(mf_store_t *st, const mf_calendar_t *cal, mf_date_t as_of,
                           mf_instant_t at, mf_date_t first_kept, mf_indicators_t *out);

/* One month of the trend: (from - 1 day, to], counted as the 6-month
 * figures count (contacts by received date, referrals by referral date,
 * re-referrals as in rereferral_pct_6m). */
typedef struct {
        mf_date_t from, to;
        uint32_t contacts;
        uint32_t referrals;
        mf_ratio_t rereferrals; /* num: re-referrals; den: referrals */
} mf_month_t;

#define MF_TREND_MAX_MONTHS 24

/* The last `months` months to as_of, oldest first: month k before the last
 * is (as_of - (k+1) months, as_of - k months], so the months tile the span
 * without gap or overlap whatever the month lengths. Items received after
 * instant `at` are not counted. months <= MF_TREND_MAX_MONTHS. */
void mf_indicators_trend(const mf_store_t *st, mf_date_t as_of, mf_instant_t at,
                         int months, mf_month_t *out);
/* A ratio as a percentage; false when it has no denominator. */
bool mf_ratio_pct(mf_ratio_t r, double *pct);
/* Mean assessment duration in working days; false when none completed. */
bool mf_indicators_mean_wd(const mf_indicators_t *ind, double *mean);
/* Age band of a child born on `birth` at date `at` (MF_DATE_NONE: not recorded). */
int mf_age_band(mf_date_t birth, mf_date_t at);
/* Duration band of a number of working days (>= 0). */
int mf_duration_band(int32_t wd);

#endif
