#include "mf_gen.h"

#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>

#include "mf_event_write.h"
#include "mf_time.h"

/* ---- calibration (DOMAIN.md: six months to 2023-11-07, one borough) ---- */

#define BOROUGH_CHILDREN   95000
#define CONTACTS_PER_YEAR  25370.0 /* 10,174 in the six months to November */
#define P_REFERRAL         0.138   /* 1,408 of 10,174 in a window */
#define P_EARLY_HELP       0.1845  /* 1,877 of 10,174 */
#define P_NFA_ADVICE       0.60    /* nfa and advice, half each */
#define P_DECIDED_IN_TIME  0.85
#define P_REPEAT_CONTACT   0.12
#define P_REFERRAL_NFA     0.05
#define P_ASSESSMENT       1.0   /* of referrals not ending in NFA */
#define P_ASSESS_IN_TIME   0.70  /* 68% of those authorised in a window */
#define P_S47              0.305 /* 426 S47s to 1,408 referrals in a window */
#define P_ICPC_REQUIRED    0.265 /* 70% of completed S47s need no ICPC */
#define P_ICPC_IN_TIME     0.785
#define P_CP_PLAN          0.99
#define BOROUGH_REREFERRAL 0.10 /* picked from recent referrals; chance adds the rest */
#define P_UNBORN_PICK      0.20 /* of children due within 8 months: ~1% of contacts */
#define UNBORN_DAYS        240  /* how long before birth a child can be referred */

/* ---- PRNG: splitmix64, small and good enough for synthetic data ---- */

typedef struct {
        uint64_t s;
} rng_t;

static uint64_t next_u64(rng_t *r) {
        uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static double uniform(rng_t *r) {
        return (double)(next_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static bool chance(rng_t *r, double p) {
        return uniform(r) < p;
}

static int64_t range(rng_t *r, int64_t lo, int64_t hi) { /* inclusive */
        return lo + (int64_t)(uniform(r) * (double)(hi - lo + 1));
}

static int poisson(rng_t *r, double lambda) {
        if (lambda > 30) {
                /* Normal approximation (Box-Muller) for large means. */
                double u1 = uniform(r), u2 = uniform(r);
                double z = sqrt(-2.0 * log(u1 + 1e-300)) * cos(2 * M_PI * u2);
                long n = lround(lambda + sqrt(lambda) * z);
                return n < 0 ? 0 : (int)n;
        }
        double l = exp(-lambda), p = 1.0;
        int k = 0;
        do {
                k++;
                p *= uniform(r);
        } while (p > l);
        return k - 1;
}

/* A hash of several values: per-child attributes without storing them. */
static uint64_t mix(uint64_t a, uint64_t b, uint64_t c) {
        rng_t r = {a ^ (b * 0x9e3779b97f4a7c15ULL) ^ (c * 0xc2b2ae3d27d4eb4fULL)};
        next_u64(&r);
        return next_u64(&r);
}

/* ---- reference data ---- */

static const struct {
        const char *code;
        double weight;
} sources[] = {
    {"6", 25}, {"2A", 18}, {"3A", 4}, {"3B", 3}, {"3C", 1}, {"3D", 2}, {"3E", 3},
    {"3F", 2}, {"5A", 5},  {"5B", 3}, {"5C", 2}, {"5D", 2}, {"1A", 4}, {"1B", 2},
    {"1C", 2}, {"1D", 2},  {"8", 7},  {"9", 2},  {"10", 3}, {"4", 3},  {"7", 5},
};

static const struct {
        const char *codes[5];
        int ncodes;
        double weight;
} ethnic_groups[] = {
    {{"WBRI", "WIRI", "WOTH", "WROM"}, 4, 33},
    {{"MWBC", "MWBA", "MWAS", "MOTH"}, 4, 16},
    {{"AIND", "APKN", "ABAN", "AOTH"}, 4, 11},
    {{"BCRB", "BAFR", "BOTH"}, 3, 17},
    {{"CHNE", "OOTH"}, 2, 12},
    {{"REFU"}, 1, 11},
    {{"NOBT"}, 1, 0.5},
};

static int pick_source(rng_t *r) {
        double total = 0;
        for (size_t i = 0; i < MF_ARRAY_LEN(sources); i++)
                total += sources[i].weight;
        double x = uniform(r) * total;
        for (size_t i = 0; i < MF_ARRAY_LEN(sources); i++)
                if ((x -= sources[i].weight) < 0)
                        return (int)i;
        return 0;
}

/* ---- authorities and children ---- */

typedef struct {
        uint64_t child;
        mf_date_t date;
        uint8_t prev; /* the child's previous referrals at that time */
} recent_t;

typedef struct {
        char code[8];
        double scale;
        int64_t children;
        double rereferral;
        uint64_t next_event, next_contact, next_referral, next_assessment, next_s47;
        /* Referrals of the last 12 months, oldest first (a ring). */
        recent_t *refs;
        size_t ref_head, ref_len, ref_cap;
        /* Children contacted in the last ~90 days (a ring of fixed size). */
        uint64_t recent_contacts[4096];
        size_t nrecent, recent_pos;
} authority_t;

void mf_gen_authority(const mf_gen_conf_t *conf, int i, char code[8],
                      int64_t *population) {
        snprintf(code, 8, "S%03d", (i + 1) % 1000);
        double scale = 1.0;
        if (i > 0) {
                /* Sizes from about 0.4x to 2.5x, mean about 1. */
                double u =
                    (double)(mix(conf->seed, (uint64_t)i, 1) >> 11) / 9007199254740992.0;
                scale = 0.4 + 2.1 * u * u;
        }
        *population = (int64_t)llround(BOROUGH_CHILDREN * scale);
}

/* "<code>-<kind><n zero-padded to width>" without snprintf, which took a
 * quarter of the run time when every event formats three or four ids. */
static size_t format_id(const authority_t *a, char kind, uint64_t n, int width,
                        char *buf) {
        size_t len = strlen(a->code);
        memcpy(buf, a->code, len);
        buf[len++] = '-';
        buf[len++] = kind;
        char digits[20];
        int nd = 0;
        do {
                digits[nd++] = (char)('0' + n % 10);
                n /= 10;
        } while (n);
        for (int k = nd; k < width; k++)
                buf[len++] = '0';
        while (nd)
                buf[len++] = digits[--nd];
        buf[len] = '\0';
        return len;
}

static size_t child_id(const authority_t *a, uint64_t child, char *buf) {
        return format_id(a, 'c', child, 7, buf);
}

typedef struct {
        mf_gender_t gender;
        mf_date_t birth;
        const char *ethnicity;
        mf_tri_t disability;
} child_attr_t;

/* A child's birth date: fixed, so that repeat contacts agree, and spread from
 * 18 years before the start of the range to UNBORN_DAYS after its end,
 * younger children more often. pick_child keeps contacts to children aged
 * 0-17 or soon to be born at the contact date. */
static mf_date_t child_birth(const mf_gen_conf_t *conf, int la, uint64_t child) {
        rng_t r = {mix(conf->seed, (uint64_t)la + 104729, child)};
        double span = (double)(conf->to + UNBORN_DAYS - conf->from) + 18 * 365.25;
        return conf->to + UNBORN_DAYS - (mf_date_t)(pow(uniform(&r), 1.3) * span);
}

static child_attr_t child_attr(const mf_gen_conf_t *conf, int la, uint64_t child) {
        rng_t r = {mix(conf->seed, (uint64_t)la + 7919, child)};
        child_attr_t c;
        double g = uniform(&r);
        c.gender = g < 0.50   ? MF_GENDER_M
                   : g < 0.97 ? MF_GENDER_F
                   : g < 0.99 ? MF_GENDER_U
                              : MF_GENDER_NONE;
        c.birth = child_birth(conf, la, child);
        if (chance(&r, 0.03))
                c.birth = MF_DATE_NONE;
        double total = 0;
        for (size_t i = 0; i < MF_ARRAY_LEN(ethnic_groups); i++)
                total += ethnic_groups[i].weight;
        double x = uniform(&r) * total;
        size_t gi = 0;
        while (gi + 1 < MF_ARRAY_LEN(ethnic_groups) &&
               (x -= ethnic_groups[gi].weight) >= 0)
                gi++;
        c.ethnicity = ethnic_groups[gi].codes[range(&r, 0, ethnic_groups[gi].ncodes - 1)];
        double d = uniform(&r);
        c.disability = d < 0.07 ? MF_TRI_TRUE : d < 0.95 ? MF_TRI_FALSE : MF_TRI_NONE;
        return c;
}

/* ---- pending events, in a min-heap by emission time ---- */

enum {
        MAL_NONE = 0,
        MAL_MISSING,
        MAL_WRONG_TYPE,
        MAL_BAD_DATE,
        MAL_UNKNOWN_TYPE,
        MAL_NOT_A_MAP,
        MAL_TOO_LONG,
        MAL_BAD_ENUM,
        MAL__N
};

typedef struct {
        int64_t emit;
        uint64_t seq;
        uint64_t event;
        uint64_t item;
        uint64_t
            ref; /* related referral (assessments, S47s) or contact; UINT64_MAX none */
        uint64_t child;
        int64_t t; /* an instant, or a date for date-only events */
        uint16_t la;
        uint8_t type;
        uint8_t a; /* source index, outcome */
        uint8_t b; /* booleans */
        uint8_t malformed;
} pend_t;

typedef struct {
        pend_t *h;
        size_t n, cap;
} heap_t;

static bool before(const pend_t *x, const pend_t *y) {
        return x->emit < y->emit || (x->emit == y->emit && x->seq < y->seq);
}

/* A 4-ary heap with hole moves: with 200 authorities it holds a few hundred
 * thousand 56-byte entries, and a binary heap's swaps dominated the profile.
 * (emit, seq) is a strict order, so the output does not depend on the shape. */
#define HEAP_ARITY 4

static int heap_push(heap_t *hp, const pend_t *e) {
        if (hp->n == hp->cap) {
                size_t cap = hp->cap ? hp->cap * 2 : 4096;
                pend_t *h = realloc(hp->h, cap * sizeof(*h));
                if (!h)
                        return -1;
                hp->h = h;
                hp->cap = cap;
        }
        size_t i = hp->n++;
        while (i > 0) {
                size_t p = (i - 1) / HEAP_ARITY;
                if (!before(e, &hp->h[p]))
                        break;
                hp->h[i] = hp->h[p];
                i = p;
        }
        hp->h[i] = *e;
        return 0;
}

static pend_t heap_pop(heap_t *hp) {
        pend_t top = hp->h[0];
        pend_t last = hp->h[--hp->n];
        size_t n = hp->n, i = 0;
        for (;;) {
                size_t first = HEAP_ARITY * i + 1;
                if (first >= n)
                        break;
                size_t end = first + HEAP_ARITY < n ? first + HEAP_ARITY : n, m = first;
                for (size_t c = first + 1; c < end; c++)
                        if (before(&hp->h[c], &hp->h[m]))
                                m = c;
                if (!before(&hp->h[m], &last))
                        break;
                hp->h[i] = hp->h[m];
                i = m;
        }
        if (n)
                hp->h[i] = last;
        return top;
}

/* ---- the generator ---- */

typedef struct {
        const mf_gen_conf_t *conf;
        rng_t rng;
        authority_t *las;
        heap_t heap;
        uint64_t seq;
        int64_t end; /* nothing is emitted after the end of `to` */
        mf_buf_t out;
        mf_gen_write_fn write;
        void *opaque;
        mf_gen_stats_t stats;
} gen_t;

/* Queues an event, applying the configured shares of disorder, duplicates
 * and malformed companions. */
static int queue(gen_t *g, pend_t e) {
        authority_t *a = &g->las[e.la];
        e.event = a->next_event++;
        e.seq = g->seq++;
        e.malformed = MAL_NONE;
        if (chance(&g->rng, g->conf->disorder))
                e.emit += range(&g->rng, MF_MS_PER_HOUR, 10 * MF_MS_PER_DAY);
        if (e.emit > g->end)
                return 0;
        if (heap_push(&g->heap, &e))
                return -1;
        if (chance(&g->rng, g->conf->duplicates)) {
                pend_t d = e;
                d.seq = g->seq++;
                d.emit += range(&g->rng, 0, 3 * MF_MS_PER_DAY);
                if (d.emit <= g->end && heap_push(&g->heap, &d))
                        return -1;
        }
        if (chance(&g->rng, g->conf->malformed)) {
                pend_t m = e;
                m.seq = g->seq++;
                m.event = a->next_event++;
                m.malformed = (uint8_t)range(&g->rng, 1, MAL__N - 1);
                if (heap_push(&g->heap, &m))
                        return -1;
        }
        return 0;
}

/* Queues an opening event that is first published wrong and corrected later
 * (same item id, new event id), for the configured share of corrections. */
static int queue_maybe_corrected(gen_t *g, pend_t e) {
        if (!chance(&g->rng, g->conf->corrections))
                return queue(g, e);
        pend_t wrong = e;
        if (e.type == MF_EV_CONTACT)
                wrong.t -= range(&g->rng, 1, 48) * MF_MS_PER_HOUR;
        else if (e.type == MF_EV_REFERRAL)
                wrong.b ^= 1; /* nfa flipped */
        else
                wrong.t -= range(&g->rng, 1, 10); /* a date some days early */
        if (queue(g, wrong))
                return -1;
        e.emit += range(&g->rng, MF_MS_PER_HOUR, 5 * MF_MS_PER_DAY);
        return queue(g, e);
}

static int64_t at_local(mf_date_t d, int64_t from_h, int64_t to_h, rng_t *r) {
        return mf_instant_from_civil(
            d, range(r, from_h * MF_MS_PER_HOUR, to_h * MF_MS_PER_HOUR - 1));
}

static bool school_holiday(mf_date_t d) {
        int y, m, day;
        mf_date_to_ymd(d, &y, &m, &day);
        return (m == 12 && day >= 20) || (m == 1 && day <= 3) ||
               (m == 2 && day >= 13 && day <= 19) || (m == 4 && day <= 14) ||
               (m == 5 && day >= 25) || (m == 7 && day >= 22) || m == 8 ||
               (m == 10 && day >= 24);
}

static double day_factor(const mf_calendar_t *cal, mf_date_t d) {
        static const double weekday[8] = {0, 1.22, 1.18, 1.14, 1.10, 1.06, 0.17, 0.13};
        double f = mf_calendar_is_working_day(cal, d) || mf_date_weekday(d) >= 6
                       ? weekday[mf_date_weekday(d)]
                       : 0.17; /* a bank holiday: like a Saturday */
        return f * (school_holiday(d) ? 0.8 : 1.0);
}

/* A child for a new contact on `day`: aged 0-17 then, or unborn (due within
 * UNBORN_DAYS) for a small share, as ChAT's "unborn" age band. */
static uint64_t pick_child(gen_t *g, int la, mf_date_t day) {
        authority_t *a = &g->las[la];
        mf_date_t born_18y_ago = mf_date_add_months(day, -18 * 12);
        for (;;) {
                uint64_t c = (uint64_t)range(&g->rng, 0, a->children - 1);
                mf_date_t birth = child_birth(g->conf, la, c);
                if (birth > day) {
                        if (birth - day <= UNBORN_DAYS && chance(&g->rng, P_UNBORN_PICK))
                                return c;
                } else if (birth > born_18y_ago) {
                        return c;
                }
        }
}

/* The chance that a referral is about a child referred in the last 12
 * months. Early in the range that pool holds less than 12 months, so the
 * chance is scaled up by the missing share: the re-referral rate of the last
 * six months then does not depend on how far back --from is. */
static double rereferral_chance(const gen_t *g, const authority_t *a, mf_date_t day) {
        double history = (double)(day - g->conf->from + 1);
        double year = (double)(mf_date_add_months(day, 12) - day);
        double scale = history >= year ? 1.0 : sqrt(year / (history > 30 ? history : 30));
        double p = a->rereferral * scale;
        return p < 0.9 ? p : 0.9;
}

static void remember_referral(authority_t *a, uint64_t child, mf_date_t date,
                              uint8_t prev) {
        if (a->ref_len == a->ref_cap) {
                size_t cap = a->ref_cap ? a->ref_cap * 2 : 1024;
                recent_t *n = malloc(cap * sizeof(*n));
                if (!n)
                        return;
                for (size_t i = 0; i < a->ref_len; i++)
                        n[i] = a->refs[(a->ref_head + i) % a->ref_cap];
                free(a->refs);
                a->refs = n;
                a->ref_head = 0;
                a->ref_cap = cap;
        }
        a->refs[(a->ref_head + a->ref_len++) % a->ref_cap] =
            (recent_t){child, date, prev};
}

/* A child referred within the 12 months before `date`, or none. Children
 * already re-referred are picked less often, so that third and fourth
 * referrals within a year stay as rare as ChAT shows them. */
static bool recent_referral(gen_t *g, authority_t *a, mf_date_t date, uint64_t *child,
                            uint8_t *prev) {
        mf_date_t from = mf_date_add_months(date, -12) + 1;
        while (a->ref_len && a->refs[a->ref_head].date < from) {
                a->ref_head = (a->ref_head + 1) % a->ref_cap;
                a->ref_len--;
        }
        for (int attempt = 0; a->ref_len && attempt < 4; attempt++) {
                recent_t *e =
                    &a->refs[(a->ref_head +
                              (size_t)range(&g->rng, 0, (int64_t)a->ref_len - 1)) %
                             a->ref_cap];
                if (e->prev >= 2 || (e->prev == 1 && !chance(&g->rng, 0.6)))
                        continue;
                *child = e->child;
                *prev = (uint8_t)(e->prev + 1);
                e->prev = UINT8_MAX; /* superseded by the new referral's entry */
                return true;
        }
        return false;
}

/* Everything that follows a referral: assessment, S47 and ICPC. */
static int follow_referral(gen_t *g, int la, uint64_t child, uint64_t ref, mf_date_t date,
                           bool nfa) {
        authority_t *a = &g->las[la];
        const mf_calendar_t *cal = g->conf->calendar;
        if (!nfa && chance(&g->rng, P_ASSESSMENT)) {
                uint64_t id = a->next_assessment++;
                mf_date_t start =
                    mf_calendar_add_wd(cal, date, (int32_t)range(&g->rng, 0, 2));
                int32_t wd =
                    chance(&g->rng, P_ASSESS_IN_TIME)
                        ? (int32_t)lround(45.0 * pow(uniform(&g->rng), 1.55))
                        : 46 + (int32_t)lround(-16.0 * log(1.0 - uniform(&g->rng)));
                mf_date_t done = mf_calendar_add_wd(cal, start, wd);
                pend_t s = {.emit = at_local(start, 9, 17, &g->rng),
                            .item = id,
                            .ref = ref,
                            .child = child,
                            .t = start,
                            .la = (uint16_t)la,
                            .type = MF_EV_ASSESSMENT_STARTED};
                pend_t e = {
                    .emit = at_local(done, 10, 18, &g->rng),
                    .item = id,
                    .ref = UINT64_MAX,
                    .child = child,
                    .t = done,
                    .la = (uint16_t)la,
                    .type = MF_EV_ASSESSMENT_AUTHORISED,
                    .a = (uint8_t)range(&g->rng, MF_AOUTCOME_CIN, MF_AOUTCOME_OTHER),
                    .b = chance(&g->rng, 0.93)};
                if (queue_maybe_corrected(g, s) || queue(g, e))
                        return -1;
        }
        if (chance(&g->rng, P_S47)) {
                uint64_t id = a->next_s47++;
                mf_date_t strategy =
                    mf_calendar_add_wd(cal, date, (int32_t)range(&g->rng, 0, 2));
                bool required = chance(&g->rng, P_ICPC_REQUIRED);
                mf_date_t completed =
                    mf_calendar_add_wd(cal, strategy, (int32_t)range(&g->rng, 5, 20));
                pend_t s = {.emit = at_local(strategy, 9, 17, &g->rng),
                            .item = id,
                            .ref = ref,
                            .child = child,
                            .t = strategy,
                            .la = (uint16_t)la,
                            .type = MF_EV_S47_STARTED};
                pend_t o = {.emit = at_local(completed, 9, 17, &g->rng),
                            .item = id,
                            .ref = UINT64_MAX,
                            .child = child,
                            .t = completed,
                            .la = (uint16_t)la,
                            .type = MF_EV_S47_OUTCOME,
                            .b = required};
                if (queue_maybe_corrected(g, s) || queue(g, o))
                        return -1;
                if (required) {
                        int32_t wd = chance(&g->rng, P_ICPC_IN_TIME)
                                         ? (int32_t)range(&g->rng, 5, 15)
                                         : (int32_t)range(&g->rng, 16, 30);
                        mf_date_t icpc = mf_calendar_add_wd(cal, strategy, wd);
                        pend_t c = {.emit = at_local(icpc, 10, 16, &g->rng),
                                    .item = id,
                                    .ref = UINT64_MAX,
                                    .child = child,
                                    .t = icpc,
                                    .la = (uint16_t)la,
                                    .type = MF_EV_ICPC,
                                    .b = chance(&g->rng, P_CP_PLAN)};
                        if (queue(g, c))
                                return -1;
                }
        }
        return 0;
}

static int contact(gen_t *g, int la, mf_date_t day) {
        authority_t *a = &g->las[la];
        const mf_calendar_t *cal = g->conf->calendar;
        rng_t *r = &g->rng;
        /* Most contacts arrive in office hours, some in the evening or night. */
        int64_t received =
            chance(r, 0.8) ? at_local(day, 8, 18, r) : at_local(day, 0, 24, r);
        double u = uniform(r);
        mf_decision_outcome_t outcome =
            u < P_REFERRAL                                     ? MF_OUTCOME_REFERRAL
            : u < P_REFERRAL + P_EARLY_HELP                    ? MF_OUTCOME_EARLY_HELP
            : u < P_REFERRAL + P_EARLY_HELP + P_NFA_ADVICE / 2 ? MF_OUTCOME_NFA
            : u < P_REFERRAL + P_EARLY_HELP + P_NFA_ADVICE     ? MF_OUTCOME_ADVICE
                                                               : MF_OUTCOME_OPEN_CASE;
        uint64_t child;
        uint8_t prev = 0;
        if (outcome == MF_OUTCOME_REFERRAL) {
                if (!(chance(r, rereferral_chance(g, a, day)) &&
                      recent_referral(g, a, day, &child, &prev)))
                        child = pick_child(g, la, day);
        } else if (a->nrecent && chance(r, P_REPEAT_CONTACT)) {
                child = a->recent_contacts[range(r, 0, (int64_t)a->nrecent - 1)];
        } else {
                child = pick_child(g, la, day);
        }
        a->recent_contacts[a->recent_pos] = child;
        a->recent_pos = (a->recent_pos + 1) % MF_ARRAY_LEN(a->recent_contacts);
        if (a->nrecent < MF_ARRAY_LEN(a->recent_contacts))
                a->nrecent++;

        /* The decision: within one working day for most (DOMAIN.md's rule). */
        int64_t due = mf_calendar_decision_due(cal, received);
        int64_t decided = chance(r, P_DECIDED_IN_TIME)
                              ? received + (int64_t)((double)(due - received) *
                                                     (0.05 + 0.9 * uniform(r)))
                              : due + range(r, MF_MS_PER_HOUR, 3 * MF_MS_PER_DAY);
        uint64_t id = a->next_contact++;
        int src = pick_source(r);
        pend_t c = {.emit = received,
                    .item = id,
                    .ref = UINT64_MAX,
                    .child = child,
                    .t = received,
                    .la = (uint16_t)la,
                    .type = MF_EV_CONTACT,
                    .a = (uint8_t)src};
        pend_t d = {.emit = decided,
                    .item = id,
                    .ref = UINT64_MAX,
                    .child = child,
                    .t = decided,
                    .la = (uint16_t)la,
                    .type = MF_EV_CONTACT_DECISION,
                    .a = (uint8_t)outcome};
        if (queue_maybe_corrected(g, c) || queue(g, d))
                return -1;
        if (outcome != MF_OUTCOME_REFERRAL)
                return 0;
        mf_date_t date = mf_civil_date(decided);
        bool nfa = chance(r, P_REFERRAL_NFA);
        uint64_t ref = a->next_referral++;
        pend_t e = {.emit = decided + 60000,
                    .item = ref,
                    .ref = id,
                    .child = child,
                    .t = date,
                    .la = (uint16_t)la,
                    .type = MF_EV_REFERRAL,
                    .a = (uint8_t)src,
                    .b = nfa};
        if (queue_maybe_corrected(g, e))
                return -1;
        remember_referral(a, child, date, prev);
        return follow_referral(g, la, child, ref, date, nfa);
}

/* ---- encoding ---- */

static size_t item_id(const authority_t *a, char kind, uint64_t n, char *buf) {
        return format_id(a, kind, n, 8, buf);
}

static const char item_kind[MF_EV__COUNT] = {'k', 'k', 'r', 'a', 'a', 's', 's', 's'};

static mf_event_t materialise(gen_t *g, const pend_t *e, char ids[4][32]) {
        authority_t *a = &g->las[e->la];
        mf_event_t ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = (mf_event_type_t)e->type;
        ev.v = 1;
        ev.id = mf_str(ids[0], format_id(a, 'e', e->event, 9, ids[0]));
        ev.la = mf_str(a->code, strlen(a->code));
        ev.child = mf_str(ids[1], child_id(a, e->child, ids[1]));
        ev.item_id = mf_str(ids[2], item_id(a, item_kind[e->type], e->item, ids[2]));
        mf_str_t ref = MF_STR_NULL;
        if (e->ref != UINT64_MAX)
                ref = mf_str(ids[3], item_id(a, e->type == MF_EV_REFERRAL ? 'k' : 'r',
                                             e->ref, ids[3]));
        switch (ev.type) {
                case MF_EV_CONTACT: {
                        child_attr_t c = child_attr(g->conf, e->la, e->child);
                        ev.u.contact.received_at = e->t;
                        ev.u.contact.source =
                            mf_str(sources[e->a].code, strlen(sources[e->a].code));
                        ev.u.contact.gender = c.gender;
                        ev.u.contact.birth_date = c.birth;
                        ev.u.contact.ethnicity = mf_str(c.ethnicity, strlen(c.ethnicity));
                        ev.u.contact.disability = c.disability;
                        break;
                }
                case MF_EV_CONTACT_DECISION:
                        ev.u.decision.decided_at = e->t;
                        ev.u.decision.outcome = (mf_decision_outcome_t)e->a;
                        break;
                case MF_EV_REFERRAL:
                        ev.u.referral.referral_date = (mf_date_t)e->t;
                        ev.u.referral.source =
                            mf_str(sources[e->a].code, strlen(sources[e->a].code));
                        ev.u.referral.contact_id = ref;
                        ev.u.referral.nfa = e->b;
                        break;
                case MF_EV_ASSESSMENT_STARTED:
                        ev.u.assessment_started.start_date = (mf_date_t)e->t;
                        ev.u.assessment_started.referral_id = ref;
                        break;
                case MF_EV_ASSESSMENT_AUTHORISED:
                        ev.u.assessment_authorised.authorised_date = (mf_date_t)e->t;
                        ev.u.assessment_authorised.child_seen =
                            e->b ? MF_TRI_TRUE : MF_TRI_FALSE;
                        ev.u.assessment_authorised.outcome =
                            (mf_assessment_outcome_t)e->a;
                        break;
                case MF_EV_S47_STARTED:
                        ev.u.s47_started.strategy_date = (mf_date_t)e->t;
                        ev.u.s47_started.referral_id = ref;
                        break;
                case MF_EV_S47_OUTCOME:
                        ev.u.s47_outcome.completed_date = (mf_date_t)e->t;
                        ev.u.s47_outcome.icpc_required = e->b;
                        break;
                case MF_EV_ICPC:
                        ev.u.icpc.icpc_date = (mf_date_t)e->t;
                        ev.u.icpc.cp_plan = e->b;
                        break;
                default:
                        break;
        }
        return ev;
}

/* A record that breaks the contract in exactly one way. */
typedef struct {
        const char *key;
        const char *s; /* a string value, or NULL for the integer */
        int64_t i;
} pair_t;

static mf_err_t write_pairs(gen_t *g, const pair_t *p, int n, bool array) {
        mf_buf_t *out = &g->out;
        mf_err_t rc = MF_OK;
        if (g->conf->json) {
                rc = mf_buf_putc(out, array ? '[' : '{');
                for (int k = 0; k < n && rc == MF_OK; k++) {
                        if (k)
                                rc = mf_buf_putc(out, ',');
                        if (!array && rc == MF_OK) {
                                rc = mf_buf_json_str(out, p[k].key, strlen(p[k].key));
                                if (rc == MF_OK)
                                        rc = mf_buf_putc(out, ':');
                        }
                        if (rc == MF_OK)
                                rc = p[k].s
                                         ? mf_buf_json_str(out, p[k].s, strlen(p[k].s))
                                         : mf_buf_printf(out, "%lld", (long long)p[k].i);
                }
                if (rc == MF_OK)
                        rc = mf_buf_append(out, array ? "]\n" : "}\n", 2);
                return rc;
        }
        msgpack_packer pk;
        msgpack_packer_init(&pk, out, mf_buf_msgpack_write);
        int r =
            array ? msgpack_pack_array(&pk, (size_t)n) : msgpack_pack_map(&pk, (size_t)n);
        for (int k = 0; k < n && r == 0; k++) {
                if (!array)
                        r = msgpack_pack_str_with_body(&pk, p[k].key, strlen(p[k].key));
                if (r == 0)
                        r = p[k].s
                                ? msgpack_pack_str_with_body(&pk, p[k].s, strlen(p[k].s))
                                : msgpack_pack_int64(&pk, p[k].i);
        }
        return r ? MF_ERR_NOMEM : MF_OK;
}

static mf_err_t write_malformed(gen_t *g, const pend_t *e) {
        char ids[4][32], longid[72];
        const char *la = g->las[e->la].code;
        materialise(g, e, ids);
        memset(longid, 'x', 70);
        longid[70] = '\0';
        const char *id = e->malformed == MAL_TOO_LONG ? longid : ids[0];
        pair_t p[8] = {{"v", NULL, 1},
                       {"type", "contact", 0},
                       {"id", id, 0},
                       {"la", la, 0},
                       {"child", ids[1], 0},
                       {"contact_id", ids[2], 0},
                       {"received_at", NULL, 1700000000000LL}};
        int n = 7;
        switch (e->malformed) {
                case MAL_MISSING: /* no child */
                        memmove(&p[4], &p[5], 2 * sizeof(pair_t));
                        n = 6;
                        break;
                case MAL_WRONG_TYPE:
                        p[6].s = "yesterday";
                        break;
                case MAL_BAD_DATE:
                        p[1].s = "referral";
                        p[5] = (pair_t){"referral_id", ids[2], 0};
                        p[6] = (pair_t){"referral_date", "2023-02-30", 0};
                        break;
                case MAL_UNKNOWN_TYPE:
                        p[1].s = "home_visit";
                        break;
                case MAL_BAD_ENUM:
                        p[1].s = "contact_decision";
                        p[6] = (pair_t){"decided_at", NULL, 1700000000000LL};
                        p[7] = (pair_t){"outcome", "maybe", 0};
                        n = 8;
                        break;
                default:
                        break;
        }
        return write_pairs(g, p, n, e->malformed == MAL_NOT_A_MAP);
}

static int emit(gen_t *g, const pend_t *e) {
        mf_err_t rc;
        if (e->malformed) {
                rc = write_malformed(g, e);
                g->stats.malformed++;
        } else {
                char ids[4][32];
                mf_event_t ev = materialise(g, e, ids);
                rc = g->conf->json ? mf_event_write_json(&g->out, &ev)
                                   : mf_event_write_msgpack(&g->out, &ev);
        }
        if (rc != MF_OK)
                return -1;
        g->stats.events++;
        if (g->conf->per_record || g->out.len >= (1u << 20)) {
                int w = g->write(g->opaque, g->out.data, g->out.len,
                                 g->conf->per_record ? g->las[e->la].code : NULL);
                mf_buf_reset(&g->out);
                return w;
        }
        return 0;
}

int mf_gen_run(const mf_gen_conf_t *conf, mf_gen_write_fn write, void *opaque,
               mf_gen_stats_t *stats) {
        gen_t g;
        memset(&g, 0, sizeof(g));
        g.conf = conf;
        g.rng.s = conf->seed * 0x2545f4914f6cdd1dULL + 1;
        g.write = write;
        g.opaque = opaque;
        g.end = mf_day_end(conf->to);
        mf_buf_init(&g.out);
        g.las = calloc((size_t)conf->authorities, sizeof(*g.las));
        int rc = g.las ? 0 : -1;
        for (int i = 0; rc == 0 && i < conf->authorities; i++) {
                authority_t *a = &g.las[i];
                mf_gen_authority(conf, i, a->code, &a->children);
                a->scale = (double)a->children / BOROUGH_CHILDREN;
                double u =
                    (double)(mix(conf->seed, (uint64_t)i, 2) >> 11) / 9007199254740992.0;
                a->rereferral = i == 0 ? BOROUGH_REREFERRAL : 0.085 + 0.18 * u;
        }
        double per_day = CONTACTS_PER_YEAR / 365.25;
        for (mf_date_t day = conf->from; rc == 0 && day <= conf->to; day++) {
                double f = day_factor(conf->calendar, day);
                for (int i = 0; rc == 0 && i < conf->authorities; i++) {
                        int n = poisson(&g.rng, per_day * g.las[i].scale * f);
                        for (int k = 0; rc == 0 && k < n; k++)
                                rc = contact(&g, i, day);
                }
                /* Everything due before the next day starts can go out now:
                 * later days only add events from their own start on. */
                int64_t horizon = mf_day_start(day + 1);
                while (rc == 0 && g.heap.n && g.heap.h[0].emit < horizon) {
                        pend_t e = heap_pop(&g.heap);
                        rc = emit(&g, &e);
                }
        }
        while (rc == 0 && g.heap.n) {
                pend_t e = heap_pop(&g.heap);
                rc = emit(&g, &e);
        }
        if (rc == 0 && g.out.len)
                rc = g.write(g.opaque, g.out.data, g.out.len, NULL);
        if (stats)
                *stats = g.stats;
        for (int i = 0; g.las && i < conf->authorities; i++)
                free(g.las[i].refs);
        free(g.las);
        free(g.heap.h);
        mf_buf_destroy(&g.out);
        return rc;
}
