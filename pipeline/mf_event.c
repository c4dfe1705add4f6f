/*
 * mf_event.c — decoding and validating input events.
 *
 * Both wire encodings go through the same two steps:
 *   1. the encoding's parser (msgpack-c, jsmn) walks the top-level map and
 *      every known key's value is captured into a slot (mf_val_t); unknown
 *      keys are skipped, a repeated key keeps its last value;
 *   2. mf_event_from_slots() applies the contract's rules to the slots, in a
 *      fixed order (envelope v, type, id, la, child; then the type's keys in
 *      EVENTS.md order), so both encodings reject a record for the same reason.
 */
#include "mf_event.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <msgpack.h>
#define JSMN_STRICT
#define JSMN_STATIC
#include <jsmn.h>

#include "mf_time.h"

static const char *const type_names[MF_EV__COUNT] = {
    "contact",
    "contact_decision",
    "referral",
    "assessment_started",
    "assessment_authorised",
    "s47_started",
    "s47_outcome",
    "icpc",
};

static const char *const reason_names[MF_REASON__COUNT] = {
    "none",       "bad_encoding", "not_a_map",   "missing_field",
    "wrong_type", "bad_date",     "bad_instant", "unknown_type",
    "too_long",   "bad_enum",     "bad_version", "too_late",
};

static const char *const decision_names[MF_OUTCOME__COUNT] = {
    "nfa", "advice", "early_help", "referral", "open_case",
};

static const char *const assessment_outcome_names[MF_AOUTCOME__COUNT] = {
    "", "cin", "cp", "nfa", "early_help", "other",
};

const char *mf_event_type_name(mf_event_type_t t) {
        return (unsigned)t < MF_EV__COUNT ? type_names[t] : "unknown";
}

const char *mf_reason_name(mf_reason_t r) {
        return (unsigned)r < MF_REASON__COUNT ? reason_names[r] : "unknown";
}

const char *mf_decision_outcome_name(mf_decision_outcome_t o) {
        return (unsigned)o < MF_OUTCOME__COUNT ? decision_names[o] : "unknown";
}

const char *mf_assessment_outcome_name(mf_assessment_outcome_t o) {
        return (unsigned)o < MF_AOUTCOME__COUNT ? assessment_outcome_names[o] : "unknown";
}

mf_instant_t mf_event_time(const mf_event_t *ev) {
        switch (ev->type) {
                case MF_EV_CONTACT:
                        return ev->u.contact.received_at;
                case MF_EV_CONTACT_DECISION:
                        return ev->u.decision.decided_at;
                default:
                        return mf_day_start(mf_event_date(ev));
        }
}

mf_date_t mf_event_date(const mf_event_t *ev) {
        switch (ev->type) {
                case MF_EV_CONTACT:
                        return mf_civil_date(ev->u.contact.received_at);
                case MF_EV_CONTACT_DECISION:
                        return mf_civil_date(ev->u.decision.decided_at);
                case MF_EV_REFERRAL:
                        return ev->u.referral.referral_date;
                case MF_EV_ASSESSMENT_STARTED:
                        return ev->u.assessment_started.start_date;
                case MF_EV_ASSESSMENT_AUTHORISED:
                        return ev->u.assessment_authorised.authorised_date;
                case MF_EV_S47_STARTED:
                        return ev->u.s47_started.strategy_date;
                case MF_EV_S47_OUTCOME:
                        return ev->u.s47_outcome.completed_date;
                case MF_EV_ICPC:
                        return ev->u.icpc.icpc_date;
                default:
                        return MF_DATE_NONE;
        }
}

/* ---- Slots: the known keys and the values captured for them ---- */

/* Every known key: its slot and its name on the wire. */
#define MF_KEYS(X)                              \
        X(K_V, "v")                             \
        X(K_TYPE, "type")                       \
        X(K_ID, "id")                           \
        X(K_LA, "la")                           \
        X(K_CHILD, "child")                     \
        X(K_CONTACT_ID, "contact_id")           \
        X(K_RECEIVED_AT, "received_at")         \
        X(K_SOURCE, "source")                   \
        X(K_GENDER, "gender")                   \
        X(K_BIRTH_DATE, "birth_date")           \
        X(K_ETHNICITY, "ethnicity")             \
        X(K_DISABILITY, "disability")           \
        X(K_DECIDED_AT, "decided_at")           \
        X(K_OUTCOME, "outcome")                 \
        X(K_REFERRAL_ID, "referral_id")         \
        X(K_REFERRAL_DATE, "referral_date")     \
        X(K_NFA, "nfa")                         \
        X(K_ASSESSMENT_ID, "assessment_id")     \
        X(K_START_DATE, "start_date")           \
        X(K_AUTHORISED_DATE, "authorised_date") \
        X(K_CHILD_SEEN, "child_seen")           \
        X(K_S47_ID, "s47_id")                   \
        X(K_STRATEGY_DATE, "strategy_date")     \
        X(K_COMPLETED_DATE, "completed_date")   \
        X(K_ICPC_REQUIRED, "icpc_required")     \
        X(K_ICPC_DATE, "icpc_date")             \
        X(K_CP_PLAN, "cp_plan")

typedef enum {
#define MF_KEY_ENUM(k, name) k,
        MF_KEYS(MF_KEY_ENUM)
#undef MF_KEY_ENUM
            K__COUNT
} key_t_;

static const char *const key_names[K__COUNT] = {
#define MF_KEY_NAME(k, name) name,
    MF_KEYS(MF_KEY_NAME)
#undef MF_KEY_NAME
};

typedef enum { V_ABSENT = 0, V_NULL, V_STR, V_INT, V_FLOAT, V_BOOL, V_OTHER } vkind_t;

typedef struct {
        vkind_t kind;
        bool b;
        int64_t i;
        double f;
        mf_str_t s;
} mf_val_t;

typedef struct {
        mf_val_t v[K__COUNT];
} slots_t;

/* Every slot absent; a captured value sets the rest of its slot. */
static void slots_clear(slots_t *sl) {
        for (int k = 0; k < K__COUNT; k++)
                sl->v[k].kind = V_ABSENT;
}

static int key_lookup(const char *p, size_t n) {
        /* 27 short keys, unrolled: the length is compared first, and a
         * comparison of a constant length compiles to a few loads. */
#define MF_KEY_MATCH(k, name)                                                \
        if (n == sizeof(name) - 1 && memcmp(p, name, sizeof(name) - 1) == 0) \
                return k;
        MF_KEYS(MF_KEY_MATCH)
#undef MF_KEY_MATCH
        return -1;
}

/* ---- Rules ---- */

static mf_err_t reject(mf_reject_t *rej, mf_reason_t r, const char *fmt,
                       const char *key) {
        rej->reason = r;
        snprintf(rej->detail, sizeof(rej->detail), fmt, key);
        return MF_ERR_INVALID;
}

static bool utf8_valid(const char *p, size_t n) {
        const unsigned char *s = (const unsigned char *)p;
        size_t i = 0;
        /* ASCII, the usual case, eight bytes at a time. */
        for (; i + 8 <= n; i += 8) {
                uint64_t w;
                memcpy(&w, s + i, sizeof(w));
                if (w & 0x8080808080808080ULL)
                        break;
        }
        while (i < n) {
                unsigned c = s[i];
                if (c < 0x80) {
                        i++;
                        continue;
                }
                size_t len;
                unsigned min;
                if ((c & 0xe0) == 0xc0)
                        len = 2, min = 0x80, c &= 0x1f;
                else if ((c & 0xf0) == 0xe0)
                        len = 3, min = 0x800, c &= 0x0f;
                else if ((c & 0xf8) == 0xf0)
                        len = 4, min = 0x10000, c &= 0x07;
                else
                        return false;
                if (i + len > n)
                        return false;
                for (size_t j = 1; j < len; j++) {
                        if ((s[i + j] & 0xc0) != 0x80)
                                return false;
                        c = (c << 6) | (s[i + j] & 0x3f);
                }
                if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                        return false;
                i += len;
        }
        return true;
}

/* A key that is absent, or null where optional, has no value to check:
 * *none is set, and a required one is rejected as missing_field. */
static mf_err_t no_value(const mf_val_t *v, int k, bool required, bool *none,
                         mf_reject_t *rej) {
        *none = v->kind == V_ABSENT || (v->kind == V_NULL && !required);
        if (*none && required)
                return reject(rej, MF_REASON_MISSING_FIELD, "key '%s' is missing",
                              key_names[k]);
        return MF_OK;
}

/* A string value: required (absent, null or empty is missing_field) or
 * optional (absent or null leaves *out empty). */
static mf_err_t get_str(const slots_t *sl, int k, bool required, size_t max,
                        mf_str_t *out, mf_reject_t *rej) {
        const mf_val_t *v = &sl->v[k];
        *out = MF_STR_NULL;
        bool none;
        mf_err_t rc = no_value(v, k, required, &none, rej);
        if (rc != MF_OK || none)
                return rc;
        if (v->kind != V_STR)
                return reject(rej, MF_REASON_WRONG_TYPE, "key '%s' must be a string",
                              key_names[k]);
        if (v->s.len == 0)
                return reject(rej, MF_REASON_MISSING_FIELD, "key '%s' is an empty string",
                              key_names[k]);
        if (v->s.len > max)
                return reject(rej, MF_REASON_TOO_LONG, "key '%s' is too long",
                              key_names[k]);
        if (!utf8_valid(v->s.ptr, v->s.len))
                return reject(rej, MF_REASON_WRONG_TYPE, "key '%s' is not UTF-8 text",
                              key_names[k]);
        *out = v->s;
        return MF_OK;
}

/* An integer: JSON Schema's "integer", so an integral float counts. Floats
 * beyond int64 saturate, which every range check then rejects. */
static bool as_int(const mf_val_t *v, int64_t *out) {
        if (v->kind == V_INT) {
                *out = v->i;
                return true;
        }
        if (v->kind == V_FLOAT && isfinite(v->f) && floor(v->f) == v->f) {
                if (v->f >= 9223372036854775807.0)
                        *out = INT64_MAX;
                else if (v->f <= -9223372036854775808.0)
                        *out = INT64_MIN;
                else
                        *out = (int64_t)v->f;
                return true;
        }
        return false;
}

static mf_err_t get_instant(const slots_t *sl, int k, mf_instant_t *out,
                            mf_reject_t *rej) {
        const mf_val_t *v = &sl->v[k];
        if (v->kind == V_ABSENT)
                return reject(rej, MF_REASON_MISSING_FIELD, "key '%s' is missing",
                              key_names[k]);
        int64_t i;
        if (!as_int(v, &i))
                return reject(
                    rej, MF_REASON_WRONG_TYPE,
                    "key '%s' must be an integer (milliseconds since the epoch)",
                    key_names[k]);
        if (i < MF_INSTANT_MIN || i > MF_INSTANT_MAX)
                return reject(rej, MF_REASON_BAD_INSTANT, "key '%s' is out of range",
                              key_names[k]);
        *out = i;
        return MF_OK;
}

static mf_err_t get_date(const slots_t *sl, int k, bool required, mf_date_t *out,
                         mf_reject_t *rej) {
        const mf_val_t *v = &sl->v[k];
        *out = MF_DATE_NONE;
        bool none;
        mf_err_t rc = no_value(v, k, required, &none, rej);
        if (rc != MF_OK || none)
                return rc;
        if (v->kind != V_STR)
                return reject(rej, MF_REASON_WRONG_TYPE, "key '%s' must be a date string",
                              key_names[k]);
        if (!mf_date_parse(v->s.ptr, v->s.len, out))
                return reject(rej, MF_REASON_BAD_DATE,
                              "key '%s' is not a real date YYYY-MM-DD in 1900..2099",
                              key_names[k]);
        return MF_OK;
}

static mf_err_t get_bool(const slots_t *sl, int k, bool required, mf_tri_t *out,
                         mf_reject_t *rej) {
        const mf_val_t *v = &sl->v[k];
        *out = MF_TRI_NONE;
        bool none;
        mf_err_t rc = no_value(v, k, required, &none, rej);
        if (rc != MF_OK || none)
                return rc;
        if (v->kind != V_BOOL)
                return reject(rej, MF_REASON_WRONG_TYPE, "key '%s' must be a boolean",
                              key_names[k]);
        *out = v->b ? MF_TRI_TRUE : MF_TRI_FALSE;
        return MF_OK;
}

/* An enumerated string: the index of its name in names[first..n), or -1 when
 * absent/null and optional. */
static mf_err_t get_enum(const slots_t *sl, int k, bool required,
                         const char *const *names, int first, int n, int *out,
                         mf_reject_t *rej) {
        const mf_val_t *v = &sl->v[k];
        *out = -1;
        bool none;
        mf_err_t rc = no_value(v, k, required, &none, rej);
        if (rc != MF_OK || none)
                return rc;
        if (v->kind != V_STR)
                return reject(rej, MF_REASON_WRONG_TYPE, "key '%s' must be a string",
                              key_names[k]);
        for (int i = first; i < n; i++)
                if (mf_str_eq_cstr(v->s, names[i])) {
                        *out = i;
                        return MF_OK;
                }
        return reject(rej, MF_REASON_BAD_ENUM,
                      "key '%s' has a value outside the contract", key_names[k]);
}

static const char *const gender_names[] = {"", "m", "f", "u"};

static mf_err_t from_slots(const slots_t *sl, mf_event_t *ev, mf_reject_t *rej) {
        memset(ev, 0, sizeof(*ev));
        const mf_val_t *v = &sl->v[K_V];
        if (v->kind == V_ABSENT)
                return reject(rej, MF_REASON_MISSING_FIELD, "key '%s' is missing", "v");
        if (!as_int(v, &ev->v))
                return reject(rej, MF_REASON_WRONG_TYPE, "key '%s' must be an integer",
                              "v");
        if (ev->v < MF_CONTRACT_VERSION)
                return reject(rej, MF_REASON_BAD_VERSION,
                              "key '%s' names no contract version this build reads", "v");

        const mf_val_t *t = &sl->v[K_TYPE];
        if (t->kind == V_ABSENT)
                return reject(rej, MF_REASON_MISSING_FIELD, "key '%s' is missing",
                              "type");
        if (t->kind != V_STR)
                return reject(rej, MF_REASON_WRONG_TYPE, "key '%s' must be a string",
                              "type");
        int type = -1;
        for (int i = 0; i < MF_EV__COUNT; i++)
                if (mf_str_eq_cstr(t->s, type_names[i]))
                        type = i;
        if (type < 0)
                return reject(rej, MF_REASON_UNKNOWN_TYPE,
                              "key '%s' names no known event type", "type");
        ev->type = (mf_event_type_t)type;

        MF_TRY(get_str(sl, K_ID, true, MF_ID_MAX, &ev->id, rej));
        MF_TRY(get_str(sl, K_LA, true, MF_LA_MAX, &ev->la, rej));
        MF_TRY(get_str(sl, K_CHILD, true, MF_ID_MAX, &ev->child, rej));

        int e;
        mf_tri_t tri;
        switch (ev->type) {
                case MF_EV_CONTACT:
                        MF_TRY(get_str(sl, K_CONTACT_ID, true, MF_ID_MAX, &ev->item_id,
                                       rej));
                        MF_TRY(get_instant(sl, K_RECEIVED_AT, &ev->u.contact.received_at,
                                           rej));
                        MF_TRY(get_str(sl, K_SOURCE, false, MF_CODE_MAX,
                                       &ev->u.contact.source, rej));
                        MF_TRY(
                            get_enum(sl, K_GENDER, false, gender_names, 1, 4, &e, rej));
                        ev->u.contact.gender = e < 0 ? MF_GENDER_NONE : (mf_gender_t)e;
                        MF_TRY(get_date(sl, K_BIRTH_DATE, false,
                                        &ev->u.contact.birth_date, rej));
                        MF_TRY(get_str(sl, K_ETHNICITY, false, MF_CODE_MAX,
                                       &ev->u.contact.ethnicity, rej));
                        MF_TRY(get_bool(sl, K_DISABILITY, false,
                                        &ev->u.contact.disability, rej));
                        break;
                case MF_EV_CONTACT_DECISION:
                        MF_TRY(get_str(sl, K_CONTACT_ID, true, MF_ID_MAX, &ev->item_id,
                                       rej));
                        MF_TRY(get_instant(sl, K_DECIDED_AT, &ev->u.decision.decided_at,
                                           rej));
                        MF_TRY(get_enum(sl, K_OUTCOME, true, decision_names, 0,
                                        MF_OUTCOME__COUNT, &e, rej));
                        ev->u.decision.outcome = (mf_decision_outcome_t)e;
                        break;
                case MF_EV_REFERRAL:
                        MF_TRY(get_str(sl, K_REFERRAL_ID, true, MF_ID_MAX, &ev->item_id,
                                       rej));
                        MF_TRY(get_date(sl, K_REFERRAL_DATE, true,
                                        &ev->u.referral.referral_date, rej));
                        MF_TRY(get_str(sl, K_SOURCE, false, MF_CODE_MAX,
                                       &ev->u.referral.source, rej));
                        MF_TRY(get_str(sl, K_CONTACT_ID, false, MF_ID_MAX,
                                       &ev->u.referral.contact_id, rej));
                        MF_TRY(get_bool(sl, K_NFA, false, &tri, rej));
                        ev->u.referral.nfa = tri == MF_TRI_TRUE;
                        break;
                case MF_EV_ASSESSMENT_STARTED:
                        MF_TRY(get_str(sl, K_ASSESSMENT_ID, true, MF_ID_MAX, &ev->item_id,
                                       rej));
                        MF_TRY(get_date(sl, K_START_DATE, true,
                                        &ev->u.assessment_started.start_date, rej));
                        MF_TRY(get_str(sl, K_REFERRAL_ID, false, MF_ID_MAX,
                                       &ev->u.assessment_started.referral_id, rej));
                        break;
                case MF_EV_ASSESSMENT_AUTHORISED:
                        MF_TRY(get_str(sl, K_ASSESSMENT_ID, true, MF_ID_MAX, &ev->item_id,
                                       rej));
                        MF_TRY(get_date(sl, K_AUTHORISED_DATE, true,
                                        &ev->u.assessment_authorised.authorised_date,
                                        rej));
                        MF_TRY(get_bool(sl, K_CHILD_SEEN, false,
                                        &ev->u.assessment_authorised.child_seen, rej));
                        MF_TRY(get_enum(sl, K_OUTCOME, false, assessment_outcome_names, 1,
                                        MF_AOUTCOME__COUNT, &e, rej));
                        ev->u.assessment_authorised.outcome =
                            e < 0 ? MF_AOUTCOME_NONE : (mf_assessment_outcome_t)e;
                        break;
                case MF_EV_S47_STARTED:
                        MF_TRY(get_str(sl, K_S47_ID, true, MF_ID_MAX, &ev->item_id, rej));
                        MF_TRY(get_date(sl, K_STRATEGY_DATE, true,
                                        &ev->u.s47_started.strategy_date, rej));
                        MF_TRY(get_str(sl, K_REFERRAL_ID, false, MF_ID_MAX,
                                       &ev->u.s47_started.referral_id, rej));
                        break;
                case MF_EV_S47_OUTCOME:
                        MF_TRY(get_str(sl, K_S47_ID, true, MF_ID_MAX, &ev->item_id, rej));
                        MF_TRY(get_date(sl, K_COMPLETED_DATE, true,
                                        &ev->u.s47_outcome.completed_date, rej));
                        MF_TRY(get_bool(sl, K_ICPC_REQUIRED, true, &tri, rej));
                        ev->u.s47_outcome.icpc_required = tri == MF_TRI_TRUE;
                        break;
                case MF_EV_ICPC:
                        MF_TRY(get_str(sl, K_S47_ID, true, MF_ID_MAX, &ev->item_id, rej));
                        MF_TRY(
                            get_date(sl, K_ICPC_DATE, true, &ev->u.icpc.icpc_date, rej));
                        MF_TRY(get_bool(sl, K_CP_PLAN, true, &tri, rej));
                        ev->u.icpc.cp_plan = tri == MF_TRI_TRUE;
                        break;
                default:
                        break;
        }
        rej->reason = MF_REASON_NONE;
        rej->detail[0] = '\0';
        return MF_OK;
}

/* ---- Decoder state ---- */

struct mf_decoder_s {
        msgpack_zone zone;
        jsmntok_t *toks;
        unsigned ntoks;
};

mf_decoder_t *mf_decoder_new(void) {
        mf_decoder_t *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->ntoks = 128;
        d->toks = malloc(sizeof(*d->toks) * d->ntoks);
        if (!d->toks || !msgpack_zone_init(&d->zone, 2048)) {
                free(d->toks);
                free(d);
                return NULL;
        }
        return d;
}

void mf_decoder_free(mf_decoder_t *d) {
        if (!d)
                return;
        msgpack_zone_destroy(&d->zone);
        free(d->toks);
        free(d);
}

/* ---- MessagePack ---- */

static void mp_capture(const msgpack_object *o, mf_val_t *v) {
        memset(v, 0, sizeof(*v));
        switch (o->type) {
                case MSGPACK_OBJECT_NIL:
                        v->kind = V_NULL;
                        break;
                case MSGPACK_OBJECT_BOOLEAN:
                        v->kind = V_BOOL;
                        v->b = o->via.boolean;
                        break;
                case MSGPACK_OBJECT_POSITIVE_INTEGER:
                        if (o->via.u64 > (uint64_t)INT64_MAX) {
                                v->kind = V_FLOAT;
                                v->f = (double)o->via.u64;
                        } else {
                                v->kind = V_INT;
                                v->i = (int64_t)o->via.u64;
                        }
                        break;
                case MSGPACK_OBJECT_NEGATIVE_INTEGER:
                        v->kind = V_INT;
                        v->i = o->via.i64;
                        break;
                case MSGPACK_OBJECT_FLOAT32:
                case MSGPACK_OBJECT_FLOAT64:
                        v->kind = V_FLOAT;
                        v->f = o->via.f64;
                        break;
                case MSGPACK_OBJECT_STR:
                        v->kind = V_STR;
                        v->s = mf_str(o->via.str.ptr, o->via.str.size);
                        break;
                default:
                        v->kind = V_OTHER;
                        break;
        }
}

/*
 * msgpack-c allocates a container's elements from its declared count before
 * it reads any of them: a 5-byte array 32 header that claims 2^32 - 1
 * elements asks for about 128 GiB. Whether that malloc fails (the record is
 * then bad_encoding) or succeeds untouched (then merely incomplete) would
 * depend on the host's overcommit policy, and under AddressSanitizer it
 * aborts the process. So the object is first walked as msgpack-c's parser
 * walks it (unpack_template.h), without allocating, and msgpack_unpack only
 * runs on an object that is complete in buf, whose every element is there
 * and so bounds its count. Returns SUCCESS, or what msgpack_unpack would
 * return with unlimited memory: CONTINUE (buf ends inside the object),
 * PARSE_ERROR, or NOMEM_ERROR (nested deeper than msgpack-c's stack).
 */
/* msgpack-c's parse stack: MSGPACK_EMBED_STACK_SIZE of its unpack_define.h,
 * which msgpack.h does not include. */
#define MP_STACK_DEPTH 32

static msgpack_unpack_return mp_walk(const unsigned char *p, size_t len) {
        uint64_t left[MP_STACK_DEPTH]; /* items (keys, values) still due */
        unsigned top = 0;
        size_t i = 0;
        while (i < len) {
                unsigned c = p[i++];
                size_t field = 0;   /* bytes of the size field after the tag */
                bool items = false; /* the field counts items, not bytes */
                uint64_t n = 0;     /* bytes of payload, or items */
                if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3) {
                        /* fixint, nil, false, true: the tag is the value */
                } else if (c >= 0xa0 && c <= 0xbf) {
                        n = c & 0x1f; /* fixstr */
                } else if (c >= 0x80 && c <= 0x9f) {
                        items = true; /* fixmap, fixarray */
                        n = (c & 0x0f) * (c <= 0x8f ? 2u : 1u);
                } else if (c >= 0xca && c <= 0xd3) {
                        n = 1u << (c & 0x03); /* float, double, int, uint */
                } else if (c >= 0xd4 && c <= 0xd8) {
                        n = (c == 0xd8 ? 16u : 1u << (c & 0x03)) + 1; /* fixext */
                } else if (c >= 0xc4 && c <= 0xc6) {
                        field = 1u << (c & 0x03); /* bin 8, 16, 32 */
                } else if (c >= 0xd9 && c <= 0xdb) {
                        field = 1u << ((c & 0x03) - 1); /* str 8, 16, 32 */
                } else if (c >= 0xc7 && c <= 0xc9) {
                        field = 1u << ((c + 1) & 0x03); /* ext 8, 16, 32 */
                } else if (c >= 0xdc && c <= 0xdf) {
                        field = 2u << (c & 0x01); /* array 16, 32, map 16, 32 */
                        items = true;
                } else {
                        return MSGPACK_UNPACK_PARSE_ERROR; /* 0xc1, never used */
                }
                if (field) {
                        if (len - i < field)
                                return MSGPACK_UNPACK_CONTINUE;
                        uint32_t v = 0;
                        for (size_t k = 0; k < field; k++)
                                v = v << 8 | p[i + k];
                        i += field;
                        n = v;
                        if (c >= 0xde)
                                n *= 2; /* a map's count is of pairs */
                        else if (c >= 0xc7 && c <= 0xc9) {
                                /* The ext type byte; msgpack-c computes this
                                 * in 32 bits, and a wrapped 0 is its error. */
                                n = (uint32_t)(v + 1);
                                if (n == 0)
                                        return MSGPACK_UNPACK_PARSE_ERROR;
                        }
                }
                if (items) {
                        if (top >= MP_STACK_DEPTH)
                                return MSGPACK_UNPACK_NOMEM_ERROR;
                        if (n > 0) {
                                left[top++] = n;
                                continue;
                        }
                } else {
                        if (len - i < n)
                                return MSGPACK_UNPACK_CONTINUE;
                        i += (size_t)n;
                }
                /* A value is complete: it is one item of the container it
                 * is in, which may complete in turn. */
                for (;;) {
                        if (top == 0)
                                return MSGPACK_UNPACK_SUCCESS;
                        if (--left[top - 1] > 0)
                                break;
                        top--;
                }
        }
        return MSGPACK_UNPACK_CONTINUE;
}

mf_err_t mf_event_decode_msgpack(mf_decoder_t *d, const char *buf, size_t len,
                                 size_t *used, mf_event_t *ev, mf_reject_t *rej) {
        size_t off = 0;
        msgpack_object obj;
        memset(ev, 0, sizeof(*ev));
        msgpack_zone_clear(&d->zone);
        msgpack_unpack_return r = mp_walk((const unsigned char *)buf, len);
        if (r == MSGPACK_UNPACK_SUCCESS)
                r = msgpack_unpack(buf, len, &off, &d->zone, &obj);
        switch (r) {
                case MSGPACK_UNPACK_SUCCESS:
                case MSGPACK_UNPACK_EXTRA_BYTES:
                        break;
                case MSGPACK_UNPACK_CONTINUE:
                        if (len == 0)
                                return MF_ERR_RANGE;
                        *used = len;
                        return MF_ERR_RANGE;
                case MSGPACK_UNPACK_NOMEM_ERROR:
                        /* msgpack-c also says this when a record nests deeper
                         * than its parse stack: reject the record, not the
                         * process. */
                        *used = len;
                        return reject(rej, MF_REASON_BAD_ENCODING, "%s",
                                      "record nests too deeply or is too large");
                default:
                        *used = len;
                        return reject(rej, MF_REASON_BAD_ENCODING, "%s",
                                      "bytes are not MessagePack");
        }
        *used = off;
        if (obj.type != MSGPACK_OBJECT_MAP)
                return reject(rej, MF_REASON_NOT_A_MAP, "%s", "record is not a map");
        slots_t sl;
        slots_clear(&sl);
        for (uint32_t i = 0; i < obj.via.map.size; i++) {
                const msgpack_object_kv *kv = &obj.via.map.ptr[i];
                if (kv->key.type != MSGPACK_OBJECT_STR)
                        continue; /* not a key of the contract: ignored like any unknown
                                     key */
                int k = key_lookup(kv->key.via.str.ptr, kv->key.via.str.size);
                if (k >= 0)
                        mp_capture(&kv->val, &sl.v[k]);
        }
        return from_slots(&sl, ev, rej);
}

/* ---- JSON ---- */

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static bool read_u16(const char *p, const char *end, unsigned *out) {
        if (end - p < 4)
                return false;
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
                int h = hexval(p[i]);
                if (h < 0)
                        return false;
                v = (v << 4) | (unsigned)h;
        }
        *out = v;
        return true;
}

static size_t put_utf8(char *o, unsigned cp) {
        if (cp < 0x80) {
                o[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                o[0] = (char)(0xc0 | (cp >> 6));
                o[1] = (char)(0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                o[0] = (char)(0xe0 | (cp >> 12));
                o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                o[2] = (char)(0x80 | (cp & 0x3f));
                return 3;
        }
        o[0] = (char)(0xf0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (char)(0x80 | (cp & 0x3f));
        return 4;
}

/* Undoes a JSON string's escapes in place. The result is never longer than
 * the source: every escape is at least as long as the UTF-8 it stands for. */
static bool json_unescape(char *s, size_t n, size_t *outlen) {
        const char *p = s, *end = s + n;
        char *o = s;
        while (p < end) {
                unsigned char c = (unsigned char)*p;
                if (c < 0x20)
                        return false; /* raw control characters are not JSON */
                if (c != '\\') {
                        *o++ = *p++;
                        continue;
                }
                if (++p >= end)
                        return false;
                char e = *p++;
                unsigned cp;
                switch (e) {
                        case '"':
                                *o++ = '"';
                                break;
                        case '\\':
                                *o++ = '\\';
                                break;
                        case '/':
                                *o++ = '/';
                                break;
                        case 'b':
                                *o++ = '\b';
                                break;
                        case 'f':
                                *o++ = '\f';
                                break;
                        case 'n':
                                *o++ = '\n';
                                break;
                        case 'r':
                                *o++ = '\r';
                                break;
                        case 't':
                                *o++ = '\t';
                                break;
                        case 'u':
                                if (!read_u16(p, end, &cp))
                                        return false;
                                p += 4;
                                if (cp >= 0xd800 && cp <= 0xdbff) {
                                        unsigned lo;
                                        if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
                                            !read_u16(p + 2, end, &lo) || lo < 0xdc00 ||
                                            lo > 0xdfff)
                                                return false;
                                        p += 6;
                                        cp = 0x10000 + ((cp - 0xd800) << 10) +
                                             (lo - 0xdc00);
                                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                                        return false;
                                }
                                o += put_utf8(o, cp);
                                break;
                        default:
                                return false;
                }
        }
        *outlen = (size_t)(o - s);
        return true;
}

/* Checks a jsmn primitive against JSON's grammar (jsmn only checks its first
 * character) and captures its value. */
static bool json_primitive(const char *p, size_t n, mf_val_t *v) {
        mf_val_t scratch;
        bool want_value = v != NULL;
        if (!v)
                v = &scratch;
        memset(v, 0, sizeof(*v));
        if (n == 4 && !memcmp(p, "true", 4)) {
                v->kind = V_BOOL, v->b = true;
                return true;
        }
        if (n == 5 && !memcmp(p, "false", 5)) {
                v->kind = V_BOOL, v->b = false;
                return true;
        }
        if (n == 4 && !memcmp(p, "null", 4)) {
                v->kind = V_NULL;
                return true;
        }
        /* number = [-] int [frac] [exp] */
        size_t i = 0;
        bool integral = true;
        if (i < n && p[i] == '-')
                i++;
        if (i >= n)
                return false;
        if (p[i] == '0')
                i++;
        else if (p[i] >= '1' && p[i] <= '9')
                while (i < n && p[i] >= '0' && p[i] <= '9')
                        i++;
        else
                return false;
        if (i < n && p[i] == '.') {
                integral = false;
                size_t s = ++i;
                while (i < n && p[i] >= '0' && p[i] <= '9')
                        i++;
                if (i == s)
                        return false;
        }
        if (i < n && (p[i] == 'e' || p[i] == 'E')) {
                integral = false;
                i++;
                if (i < n && (p[i] == '+' || p[i] == '-'))
                        i++;
                size_t s = i;
                while (i < n && p[i] >= '0' && p[i] <= '9')
                        i++;
                if (i == s)
                        return false;
        }
        if (i != n)
                return false;
        if (!want_value)
                return true;
        if (integral && n <= 19) {
                /* Up to 18 digits always fit; 19 may overflow: checked below. */
                int64_t acc = 0;
                bool neg = p[0] == '-';
                bool overflow = false;
                for (size_t j = neg; j < n; j++) {
                        int digit = p[j] - '0';
                        if (acc > (INT64_MAX - digit) / 10) {
                                overflow = true;
                                break;
                        }
                        acc = acc * 10 + digit;
                }
                if (!overflow) {
                        v->kind = V_INT;
                        v->i = neg ? -acc : acc;
                        return true;
                }
        }
        /* Inside an object a delimiter always follows the literal, so strtod
         * stops at its end without a copy. */
        v->kind = V_FLOAT;
        v->f = strtod(p, NULL);
        return true;
}

static bool ws(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* jsmn's span of a token, with a string's quotes. */
static int tok_start(const jsmntok_t *t) {
        return t->type == JSMN_STRING ? t->start - 1 : t->start;
}
static int tok_end(const jsmntok_t *t) {
        return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* The bytes between two tokens must be whitespace around at most one
 * expected separator. jsmn does not check separators (it accepts "{"a":1,}"
 * and "[1 2]"), so this completes the grammar: together with the check of
 * every primitive, what passes is exactly RFC 8259 JSON. */
static bool gap_ok(const char *buf, int from, int to, char sep) {
        bool seen = sep == 0;
        for (int i = from; i < to; i++) {
                if (ws(buf[i]))
                        continue;
                if (!seen && buf[i] == sep) {
                        seen = true;
                        continue;
                }
                return false;
        }
        return seen;
}

/* Index of the token after t's subtree. */
static int skip(const jsmntok_t *tok, int n, int i) {
        int end = tok[i].end;
        int j = i + 1;
        while (j < n && tok[j].start < end)
                j++;
        return j;
}

static bool json_structure_ok(const char *buf, const jsmntok_t *tok, int n) {
        for (int i = 0; i < n; i++) {
                if (tok[i].type != JSMN_OBJECT && tok[i].type != JSMN_ARRAY)
                        continue;
                bool obj = tok[i].type == JSMN_OBJECT;
                int pos = tok[i].start + 1; /* after the opening bracket */
                int child = i + 1, k = 0;
                int end = skip(tok, n, i);
                while (child < end) {
                        /* In an object: key (k even) ':' value (k odd) ','. */
                        char sep = k == 0 ? 0 : (obj && (k % 2)) ? ':' : ',';
                        if (obj && k % 2 == 0 && tok[child].type != JSMN_STRING)
                                return false;
                        if (!gap_ok(buf, pos, tok_start(&tok[child]), sep))
                                return false;
                        pos = tok_end(&tok[child]);
                        child = skip(tok, n, child);
                        k++;
                }
                if (obj && k % 2)
                        return false; /* a key without a value */
                if (!gap_ok(buf, pos, tok[i].end - 1, 0))
                        return false;
        }
        return true;
}

/* msgpack-c refuses records nested deeper than its parse stack (32); JSON
 * records get the same limit, checked in one pass before tokenising, which
 * also keeps jsmn (whose parent lookups scan back) linear. */
#define JSON_MAX_DEPTH 32

static bool json_depth_ok(const char *buf, size_t len) {
        int depth = 0;
        bool in_str = false;
        for (size_t i = 0; i < len; i++) {
                char c = buf[i];
                if (in_str) {
                        if (c == '\\')
                                i++;
                        else if (c == '"')
                                in_str = false;
                } else if (c == '"') {
                        in_str = true;
                } else if (c == '{' || c == '[') {
                        if (++depth > JSON_MAX_DEPTH)
                                return false;
                } else if (c == '}' || c == ']') {
                        depth--;
                }
        }
        return true;
}

mf_err_t mf_event_decode_json(mf_decoder_t *d, char *buf, size_t len, mf_event_t *ev,
                              mf_reject_t *rej) {
        jsmn_parser parser;
        int n;
        memset(ev, 0, sizeof(*ev));
        if (!json_depth_ok(buf, len))
                return reject(rej, MF_REASON_BAD_ENCODING, "%s",
                              "record nests too deeply");
        for (;;) {
                jsmn_init(&parser);
                n = jsmn_parse(&parser, buf, len, d->toks, d->ntoks);
                if (n != JSMN_ERROR_NOMEM)
                        break;
                /* Grows only for records bigger than any seen before. */
                unsigned nt = d->ntoks * 2;
                jsmntok_t *t = realloc(d->toks, sizeof(*t) * nt);
                if (!t)
                        return MF_ERR_NOMEM;
                d->toks = t;
                d->ntoks = nt;
        }
        /* Surrounding whitespace is allowed; nothing else may follow. */
        size_t lo = 0, hi = len;
        while (lo < hi && ws(buf[lo]))
                lo++;
        while (hi > lo && ws(buf[hi - 1]))
                hi--;
        if (n == JSMN_ERROR_PART && lo < hi && buf[lo] != '{' && buf[lo] != '[' &&
            buf[lo] != '"') {
                /* strict jsmn wants a delimiter after a top-level number or
                 * literal; a lone valid one is JSON, just not an object. */
                if (json_primitive(buf + lo, hi - lo, NULL))
                        return reject(rej, MF_REASON_NOT_A_MAP, "%s",
                                      "record is not a JSON object");
        }
        if (n <= 0)
                return reject(rej, MF_REASON_BAD_ENCODING, "%s",
                              "record is not valid JSON");
        jsmntok_t *tok = d->toks;
        if (skip(tok, n, 0) != n || (size_t)tok_end(&tok[0]) != hi ||
            (size_t)tok_start(&tok[0]) != lo)
                return reject(rej, MF_REASON_BAD_ENCODING, "%s",
                              "record has bytes after its JSON value");
        if (!json_structure_ok(buf, tok, n))
                return reject(rej, MF_REASON_BAD_ENCODING, "%s",
                              "record is not valid JSON");
        for (int i = 0; i < n; i++) {
                if (tok[i].type == JSMN_PRIMITIVE) {
                        if (!json_primitive(buf + tok[i].start,
                                            (size_t)(tok[i].end - tok[i].start), NULL))
                                return reject(rej, MF_REASON_BAD_ENCODING, "%s",
                                              "record is not valid JSON");
                } else if (tok[i].type == JSMN_STRING) {
                        size_t ulen;
                        if (!json_unescape(buf + tok[i].start,
                                           (size_t)(tok[i].end - tok[i].start), &ulen))
                                return reject(rej, MF_REASON_BAD_ENCODING, "%s",
                                              "record has a malformed JSON string");
                        tok[i].end = tok[i].start + (int)ulen;
                }
        }
        if (tok[0].type != JSMN_OBJECT)
                return reject(rej, MF_REASON_NOT_A_MAP, "%s",
                              "record is not a JSON object");

        slots_t sl;
        memset(&sl, 0, sizeof(sl));
        /* Walk the object's direct members: a key token, then its value's
         * subtree, which is skipped by position. */
        int i = 1;
        while (i < n && tok[i].start < tok[0].end) {
                jsmntok_t *key = &tok[i];
                if (key->type != JSMN_STRING || key->size != 1 || i + 1 >= n)
                        return reject(rej, MF_REASON_BAD_ENCODING, "%s",
                                      "record is not valid JSON");
                jsmntok_t *val = &tok[i + 1];
                int k = key_lookup(buf + key->start, (size_t)(key->end - key->start));
                int next = i + 2;
                while (next < n && tok[next].start < val->end)
                        next++;
                if (k >= 0) {
                        mf_val_t *v = &sl.v[k];
                        if (val->type == JSMN_STRING) {
                                memset(v, 0, sizeof(*v));
                                v->kind = V_STR;
                                v->s = mf_str(buf + val->start,
                                              (size_t)(val->end - val->start));
                        } else if (val->type == JSMN_PRIMITIVE) {
                                json_primitive(buf + val->start,
                                               (size_t)(val->end - val->start), v);
                        } else {
                                memset(v, 0, sizeof(*v));
                                v->kind = V_OTHER;
                        }
                }
                i = next;
        }
        return from_slots(&sl, ev, rej);
}
