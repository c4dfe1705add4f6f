/* mf_event: decoding and validating input events (EVENTS.md, contract v1)
 * from JSON and from MessagePack, the reason codes of rejected records, and
 * each event's own time and date.
 *
 * Records are written as field lists and encoded here, to JSON text or with
 * msgpack-c's packer, so one list checks both decoders; syntax cases are
 * JSON literals. Inputs are copied to buffers of their exact size so that a
 * read past the end shows under AddressSanitizer. */
#include "mf_test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <msgpack.h>

#include "mf_event.h"

/* ---- dates and instants, computed independently of mf_time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static mf_date_t days(int y, int m, int d) {
        y -= m <= 2;
        int era = (y >= 0 ? y : y - 399) / 400;
        int yoe = y - era * 400;
        int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

/* A UTC instant. */
static mf_instant_t utc(int y, int mo, int d, int h, int mi) {
        return (mf_instant_t)days(y, mo, d) * 86400000LL + (h * 60LL + mi) * 60000LL;
}

/* ---- records as field lists ---- */

typedef enum {
        F_END = 0,
        F_STR,
        F_INT,
        F_FLOAT,
        F_FLOAT32,
        F_BOOL,
        F_NULL,
        F_BIN,
        F_DEL
} fkind_t;

typedef struct {
        const char *key;
        fkind_t kind;
        const char *s;
        int64_t i;
        double d;
} field_t;

/* clang-format off */
#define FS(k, v)   {(k), F_STR, (v), 0, 0}
#define FI(k, v)   {(k), F_INT, NULL, (v), 0}
#define FD(k, v)   {(k), F_FLOAT, NULL, 0, (v)}
#define FD32(k, v) {(k), F_FLOAT32, NULL, 0, (v)}
#define FB(k, v)   {(k), F_BOOL, NULL, (v), 0}
#define FN(k)      {(k), F_NULL, NULL, 0, 0}
#define FBIN(k, v) {(k), F_BIN, (v), 0, 0}
#define FDEL(k)    {(k), F_DEL, NULL, 0, 0}
#define FEND       {NULL, F_END, NULL, 0, 0}
/* clang-format on */
#define MODS(...) ((const field_t[]){__VA_ARGS__, FEND})

/* Strings of a given length, filled in by the group setup. */
static char A8[9], A9[10], A64[65], A65[66];

static const field_t CONTACT[] = {FI("v", 1),
                                  FS("type", "contact"),
                                  FS("id", "ev-1"),
                                  FS("la", "302"),
                                  FS("child", "child-1"),
                                  FS("contact_id", "CON-1"),
                                  FI("received_at", 1700000000000LL),
                                  FEND};

static const field_t CONTACT_FULL[] = {FI("v", 1),
                                       FS("type", "contact"),
                                       FS("id", "ev-1"),
                                       FS("la", "302"),
                                       FS("child", "child-1"),
                                       FS("contact_id", "CON-1"),
                                       FI("received_at", 1700000000000LL),
                                       FS("source", "1A"),
                                       FS("gender", "f"),
                                       FS("birth_date", "2015-06-30"),
                                       FS("ethnicity", "WBRI"),
                                       FB("disability", true),
                                       FEND};

static const field_t DECISION[] = {FI("v", 1),
                                   FS("type", "contact_decision"),
                                   FS("id", "ev-2"),
                                   FS("la", "302"),
                                   FS("child", "child-1"),
                                   FS("contact_id", "CON-1"),
                                   FI("decided_at", 1700003600000LL),
                                   FS("outcome", "referral"),
                                   FEND};

static const field_t REFERRAL[] = {FI("v", 1),
                                   FS("type", "referral"),
                                   FS("id", "ev-3"),
                                   FS("la", "302"),
                                   FS("child", "child-1"),
                                   FS("referral_id", "REF-1"),
                                   FS("referral_date", "2024-01-15"),
                                   FEND};

static const field_t REFERRAL_FULL[] = {FI("v", 1),
                                        FS("type", "referral"),
                                        FS("id", "ev-3"),
                                        FS("la", "302"),
                                        FS("child", "child-1"),
                                        FS("referral_id", "REF-1"),
                                        FS("referral_date", "2024-01-15"),
                                        FS("source", "2A"),
                                        FS("contact_id", "CON-1"),
                                        FB("nfa", true),
                                        FEND};

static const field_t ASSESSMENT_STARTED[] = {FI("v", 1),
                                             FS("type", "assessment_started"),
                                             FS("id", "ev-4"),
                                             FS("la", "302"),
                                             FS("child", "child-1"),
                                             FS("assessment_id", "ASS-1"),
                                             FS("start_date", "2024-01-16"),
                                             FEND};

static const field_t ASSESSMENT_AUTHORISED[] = {FI("v", 1),
                                                FS("type", "assessment_authorised"),
                                                FS("id", "ev-5"),
                                                FS("la", "302"),
                                                FS("child", "child-1"),
                                                FS("assessment_id", "ASS-1"),
                                                FS("authorised_date", "2024-03-01"),
                                                FEND};

static const field_t S47_STARTED[] = {FI("v", 1),
                                      FS("type", "s47_started"),
                                      FS("id", "ev-6"),
                                      FS("la", "302"),
                                      FS("child", "child-1"),
                                      FS("s47_id", "S47-1"),
                                      FS("strategy_date", "2024-02-01"),
                                      FEND};

static const field_t S47_OUTCOME[] = {FI("v", 1),
                                      FS("type", "s47_outcome"),
                                      FS("id", "ev-7"),
                                      FS("la", "302"),
                                      FS("child", "child-1"),
                                      FS("s47_id", "S47-1"),
                                      FS("completed_date", "2024-02-10"),
                                      FB("icpc_required", true),
                                      FEND};

static const field_t ICPC[] = {FI("v", 1),
                               FS("type", "icpc"),
                               FS("id", "ev-8"),
                               FS("la", "302"),
                               FS("child", "child-1"),
                               FS("s47_id", "S47-1"),
                               FS("icpc_date", "2024-02-20"),
                               FB("cp_plan", false),
                               FEND};

/* ---- fixture ---- */

typedef enum { ENC_JSON = 0, ENC_MSGPACK = 1 } enc_t;
static const char *const enc_names[] = {"JSON", "MessagePack"};

typedef struct {
        mf_decoder_t *d;
        char *in; /* the current input, exactly its length */
        size_t len;
        size_t used;
        msgpack_sbuffer sb;
        mf_event_t ev;
        mf_reject_t rej;
} fixture_t;

static int group_setup(void **state) {
        (void)state;
        memset(A8, 'a', 8);
        memset(A9, 'a', 9);
        memset(A64, 'a', 64);
        memset(A65, 'a', 65);
        return 0;
}

static int setup(void **state) {
        fixture_t *f = calloc(1, sizeof(*f));
        if (!f)
                return -1;
        f->d = mf_decoder_new();
        if (!f->d)
                return -1;
        msgpack_sbuffer_init(&f->sb);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture_t *f = *state;
        mf_decoder_free(f->d);
        msgpack_sbuffer_destroy(&f->sb);
        free(f->in);
        free(f);
        return 0;
}

static void set_input(fixture_t *f, const char *p, size_t n) {
        free(f->in);
        f->in = malloc(n ? n : 1);
        assert_non_null(f->in);
        if (n)
                memcpy(f->in, p, n);
        f->len = n;
}

static mf_err_t decode_json_bytes(fixture_t *f, const char *text, size_t n) {
        set_input(f, text, n);
        memset(&f->rej, 0, sizeof(f->rej));
        return mf_event_decode_json(f->d, f->in, f->len, &f->ev, &f->rej);
}

#define DJ(f, lit) decode_json_bytes((f), (lit), sizeof(lit) - 1)

static mf_err_t decode_msgpack_bytes(fixture_t *f, const char *p, size_t n) {
        set_input(f, p, n);
        memset(&f->rej, 0, sizeof(f->rej));
        f->used = (size_t)-1;
        return mf_event_decode_msgpack(f->d, f->in, f->len, &f->used, &f->ev, &f->rej);
}

#define DM(f, lit) decode_msgpack_bytes((f), (lit), sizeof(lit) - 1)

/* Applies mods to base: a key already there is replaced (F_DEL removes it),
 * a new key is appended. */
static int build(field_t *out, const field_t *base, const field_t *mods) {
        int n = 0;
        for (const field_t *p = base; p->kind != F_END; p++)
                out[n++] = *p;
        for (const field_t *m = mods; m && m->kind != F_END; m++) {
                int i = 0;
                while (i < n && strcmp(out[i].key, m->key) != 0)
                        i++;
                if (m->kind == F_DEL) {
                        if (i == n)
                                fail_msg("no key %s to delete", m->key);
                        memmove(&out[i], &out[i + 1], sizeof(*out) * (size_t)(n - i - 1));
                        n--;
                } else if (i < n) {
                        out[i] = *m;
                } else {
                        out[n++] = *m;
                }
        }
        return n;
}

static void to_json(fixture_t *f, const field_t *fl, int n) {
        static char text[16384];
        size_t o = 0;
        text[o++] = '{';
        for (int k = 0; k < n; k++) {
                const field_t *p = &fl[k];
                int w = snprintf(text + o, sizeof(text) - o, "%s\"%s\":", k ? "," : "",
                                 p->key);
                o += (size_t)w;
                switch (p->kind) {
                        case F_STR:
                                w = snprintf(text + o, sizeof(text) - o, "\"%s\"", p->s);
                                break;
                        case F_INT:
                                w = snprintf(text + o, sizeof(text) - o, "%lld",
                                             (long long)p->i);
                                break;
                        case F_FLOAT:
                        case F_FLOAT32:
                                w = snprintf(text + o, sizeof(text) - o,
                                             p->d == floor(p->d) ? "%.1f" : "%.17g",
                                             p->d);
                                break;
                        case F_BOOL:
                                w = snprintf(text + o, sizeof(text) - o, "%s",
                                             p->i ? "true" : "false");
                                break;
                        case F_NULL:
                                w = snprintf(text + o, sizeof(text) - o, "null");
                                break;
                        default:
                                fail_msg("field kind %d has no JSON form", p->kind);
                }
                o += (size_t)w;
                assert_true(o < sizeof(text) - 2);
        }
        text[o++] = '}';
        set_input(f, text, o);
}

static void pack_str(msgpack_packer *pk, const char *s) {
        assert_int_equal(msgpack_pack_str_with_body(pk, s, strlen(s)), 0);
}

static void to_msgpack(fixture_t *f, const field_t *fl, int n) {
        msgpack_sbuffer_clear(&f->sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, (size_t)n);
        for (int k = 0; k < n; k++) {
                const field_t *p = &fl[k];
                pack_str(&pk, p->key);
                switch (p->kind) {
                        case F_STR:
                                pack_str(&pk, p->s);
                                break;
                        case F_INT:
                                msgpack_pack_int64(&pk, p->i);
                                break;
                        case F_FLOAT:
                                msgpack_pack_double(&pk, p->d);
                                break;
                        case F_FLOAT32:
                                msgpack_pack_float(&pk, (float)p->d);
                                break;
                        case F_BOOL:
                                p->i ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
                                break;
                        case F_NULL:
                                msgpack_pack_nil(&pk);
                                break;
                        case F_BIN:
                                msgpack_pack_bin_with_body(&pk, p->s, strlen(p->s));
                                break;
                        default:
                                fail_msg("field kind %d", p->kind);
                }
        }
        set_input(f, f->sb.data, f->sb.size);
}

/* Encodes base+mods and decodes it; the event and rejection land in f. */
static mf_err_t decode_rec(fixture_t *f, enc_t enc, const field_t *base,
                           const field_t *mods) {
        field_t fl[64];
        int n = build(fl, base, mods);
        memset(&f->rej, 0, sizeof(f->rej));
        if (enc == ENC_JSON) {
                to_json(f, fl, n);
                return mf_event_decode_json(f->d, f->in, f->len, &f->ev, &f->rej);
        }
        to_msgpack(f, fl, n);
        f->used = (size_t)-1;
        return mf_event_decode_msgpack(f->d, f->in, f->len, &f->used, &f->ev, &f->rej);
}

static void expect_ok(fixture_t *f, enc_t enc, const field_t *base, const field_t *mods) {
        mf_err_t rc = decode_rec(f, enc, base, mods);
        if (rc != MF_OK)
                fail_msg("%s: rejected (rc %d, %s: %s)", enc_names[enc], rc,
                         mf_reason_name(f->rej.reason), f->rej.detail);
        if (enc == ENC_MSGPACK)
                assert_int_equal(f->used, f->len);
}

/* True when detail names key as a whole word. */
static bool names_key(const char *detail, const char *key) {
        size_t kl = strlen(key);
        for (const char *p = detail; (p = strstr(p, key)) != NULL; p++) {
                char before = p == detail ? ' ' : p[-1];
                char after = p[kl];
                bool word_before = before == '_' || (before >= 'a' && before <= 'z');
                bool word_after = after == '_' || (after >= 'a' && after <= 'z');
                if (!word_before && !word_after)
                        return true;
        }
        return false;
}

static void check_reject(fixture_t *f, enc_t enc, mf_err_t rc, mf_reason_t reason,
                         const char *key) {
        if (rc != MF_ERR_INVALID || f->rej.reason != reason)
                fail_msg("%s: got rc %d reason %s (%s), expected %s", enc_names[enc], rc,
                         rc == MF_ERR_INVALID ? mf_reason_name(f->rej.reason) : "-",
                         f->rej.detail, mf_reason_name(reason));
        if (key && !names_key(f->rej.detail, key))
                fail_msg("%s: detail \"%s\" does not name key %s", enc_names[enc],
                         f->rej.detail, key);
}

/* Both encodings reject base+mods with reason, naming key (unless NULL). */
static void expect_reject(fixture_t *f, const field_t *base, const field_t *mods,
                          mf_reason_t reason, const char *key) {
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                mf_err_t rc = decode_rec(f, e, base, mods);
                check_reject(f, e, rc, reason, key);
                /* A rejected MessagePack record still spans its whole object. */
                if (e == ENC_MSGPACK)
                        assert_int_equal(f->used, f->len);
        }
}

static void expect_json_reject(fixture_t *f, const char *text, size_t n,
                               mf_reason_t reason) {
        mf_err_t rc = decode_json_bytes(f, text, n);
        check_reject(f, ENC_JSON, rc, reason, NULL);
}

#define JSON_REJECT(f, lit, reason) \
        expect_json_reject((f), (lit), sizeof(lit) - 1, (reason))

static void expect_json_ok(fixture_t *f, const char *text, size_t n) {
        mf_err_t rc = decode_json_bytes(f, text, n);
        if (rc != MF_OK)
                fail_msg("JSON: rejected (rc %d, %s: %s)", rc,
                         mf_reason_name(f->rej.reason), f->rej.detail);
}

#define JSON_OK(f, lit) expect_json_ok((f), (lit), sizeof(lit) - 1)

/* A string field: the expected bytes, and a view into the input buffer. */
static void assert_view(const fixture_t *f, mf_str_t s, const char *expect) {
        size_t n = strlen(expect);
        if (s.len != n || (n && memcmp(s.ptr, expect, n) != 0))
                fail_msg("got \"%.*s\", expected \"%s\"", (int)s.len, s.ptr ? s.ptr : "",
                         expect);
        if (n) {
                assert_true(s.ptr >= f->in);
                assert_true(s.ptr + s.len <= f->in + f->len);
        }
}

static void assert_envelope(const fixture_t *f, mf_event_type_t type, const char *id) {
        assert_int_equal(f->ev.type, type);
        assert_int_equal(f->ev.v, 1);
        assert_view(f, f->ev.id, id);
        assert_view(f, f->ev.la, "302");
        assert_view(f, f->ev.child, "child-1");
}

/* The JSON envelope of a valid referral, for syntax cases. */
#define REF_JSON                                                                  \
        "\"v\":1,\"type\":\"referral\",\"id\":\"ev-3\",\"la\":\"302\",\"child\":" \
        "\"child-1\","                                                            \
        "\"referral_id\":\"REF-1\",\"referral_date\":\"2024-01-15\""

/* ======================= names ======================= */

static void test_event_type_names_are_the_wire_names(void **state) {
        (void)state;
        assert_string_equal(mf_event_type_name(MF_EV_CONTACT), "contact");
        assert_string_equal(mf_event_type_name(MF_EV_CONTACT_DECISION),
                            "contact_decision");
        assert_string_equal(mf_event_type_name(MF_EV_REFERRAL), "referral");
        assert_string_equal(mf_event_type_name(MF_EV_ASSESSMENT_STARTED),
                            "assessment_started");
        assert_string_equal(mf_event_type_name(MF_EV_ASSESSMENT_AUTHORISED),
                            "assessment_authorised");
        assert_string_equal(mf_event_type_name(MF_EV_S47_STARTED), "s47_started");
        assert_string_equal(mf_event_type_name(MF_EV_S47_OUTCOME), "s47_outcome");
        assert_string_equal(mf_event_type_name(MF_EV_ICPC), "icpc");
}

static void test_reason_names_are_the_dead_letter_codes(void **state) {
        (void)state;
        assert_string_equal(mf_reason_name(MF_REASON_BAD_ENCODING), "bad_encoding");
        assert_string_equal(mf_reason_name(MF_REASON_NOT_A_MAP), "not_a_map");
        assert_string_equal(mf_reason_name(MF_REASON_MISSING_FIELD), "missing_field");
        assert_string_equal(mf_reason_name(MF_REASON_WRONG_TYPE), "wrong_type");
        assert_string_equal(mf_reason_name(MF_REASON_BAD_DATE), "bad_date");
        assert_string_equal(mf_reason_name(MF_REASON_BAD_INSTANT), "bad_instant");
        assert_string_equal(mf_reason_name(MF_REASON_UNKNOWN_TYPE), "unknown_type");
        assert_string_equal(mf_reason_name(MF_REASON_TOO_LONG), "too_long");
        assert_string_equal(mf_reason_name(MF_REASON_BAD_ENUM), "bad_enum");
        assert_string_equal(mf_reason_name(MF_REASON_BAD_VERSION), "bad_version");
        assert_string_equal(mf_reason_name(MF_REASON_TOO_LATE), "too_late");
}

static void test_outcome_names_are_the_wire_names(void **state) {
        (void)state;
        assert_string_equal(mf_decision_outcome_name(MF_OUTCOME_NFA), "nfa");
        assert_string_equal(mf_decision_outcome_name(MF_OUTCOME_ADVICE), "advice");
        assert_string_equal(mf_decision_outcome_name(MF_OUTCOME_EARLY_HELP),
                            "early_help");
        assert_string_equal(mf_decision_outcome_name(MF_OUTCOME_REFERRAL), "referral");
        assert_string_equal(mf_decision_outcome_name(MF_OUTCOME_OPEN_CASE), "open_case");
        assert_string_equal(mf_assessment_outcome_name(MF_AOUTCOME_CIN), "cin");
        assert_string_equal(mf_assessment_outcome_name(MF_AOUTCOME_CP), "cp");
        assert_string_equal(mf_assessment_outcome_name(MF_AOUTCOME_NFA), "nfa");
        assert_string_equal(mf_assessment_outcome_name(MF_AOUTCOME_EARLY_HELP),
                            "early_help");
        assert_string_equal(mf_assessment_outcome_name(MF_AOUTCOME_OTHER), "other");
}

/* ======================= every type, both encodings ======================= */

static void check_contact_full(const fixture_t *f) {
        assert_envelope(f, MF_EV_CONTACT, "ev-1");
        assert_view(f, f->ev.item_id, "CON-1");
        assert_int_equal(f->ev.u.contact.received_at, 1700000000000LL);
        assert_view(f, f->ev.u.contact.source, "1A");
        assert_int_equal(f->ev.u.contact.gender, MF_GENDER_F);
        assert_int_equal(f->ev.u.contact.birth_date, days(2015, 6, 30));
        assert_view(f, f->ev.u.contact.ethnicity, "WBRI");
        assert_int_equal(f->ev.u.contact.disability, MF_TRI_TRUE);
}

static void test_json_decodes_contact_with_every_field(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, CONTACT_FULL, NULL);
        check_contact_full(f);
}

static void test_msgpack_decodes_contact_with_every_field(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, CONTACT_FULL, NULL);
        check_contact_full(f);
}

static void check_contact_no_optionals(const fixture_t *f) {
        assert_envelope(f, MF_EV_CONTACT, "ev-1");
        assert_view(f, f->ev.item_id, "CON-1");
        assert_int_equal(f->ev.u.contact.received_at, 1700000000000LL);
        assert_int_equal(f->ev.u.contact.source.len, 0);
        assert_int_equal(f->ev.u.contact.gender, MF_GENDER_NONE);
        assert_int_equal(f->ev.u.contact.birth_date, MF_DATE_NONE);
        assert_int_equal(f->ev.u.contact.ethnicity.len, 0);
        assert_int_equal(f->ev.u.contact.disability, MF_TRI_NONE);
}

static void test_contact_with_optional_fields_absent(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, CONTACT, NULL);
                check_contact_no_optionals(f);
        }
}

static void test_contact_with_optional_fields_null(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, CONTACT_FULL,
                          MODS(FN("source"), FN("gender"), FN("birth_date"),
                               FN("ethnicity"), FN("disability")));
                check_contact_no_optionals(f);
        }
}

static void test_contact_gender_codes_map_to_genders(void **state) {
        fixture_t *f = *state;
        static const struct {
                const char *code;
                mf_gender_t g;
        } cases[] = {{"m", MF_GENDER_M}, {"f", MF_GENDER_F}, {"u", MF_GENDER_U}};
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++)
                for (size_t i = 0; i < MF_ARRAY_LEN(cases); i++) {
                        expect_ok(f, e, CONTACT, MODS(FS("gender", cases[i].code)));
                        assert_int_equal(f->ev.u.contact.gender, cases[i].g);
                }
}

static void test_contact_disability_false_is_tri_false(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, CONTACT, MODS(FB("disability", false)));
                assert_int_equal(f->ev.u.contact.disability, MF_TRI_FALSE);
        }
}

static void check_decision(const fixture_t *f) {
        assert_envelope(f, MF_EV_CONTACT_DECISION, "ev-2");
        assert_view(f, f->ev.item_id, "CON-1");
        assert_int_equal(f->ev.u.decision.decided_at, 1700003600000LL);
        assert_int_equal(f->ev.u.decision.outcome, MF_OUTCOME_REFERRAL);
}

static void test_json_decodes_contact_decision(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, DECISION, NULL);
        check_decision(f);
}

static void test_msgpack_decodes_contact_decision(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, DECISION, NULL);
        check_decision(f);
}

static void test_contact_decision_outcomes_map_to_enum(void **state) {
        fixture_t *f = *state;
        static const struct {
                const char *name;
                mf_decision_outcome_t o;
        } cases[] = {{"nfa", MF_OUTCOME_NFA},
                     {"advice", MF_OUTCOME_ADVICE},
                     {"early_help", MF_OUTCOME_EARLY_HELP},
                     {"referral", MF_OUTCOME_REFERRAL},
                     {"open_case", MF_OUTCOME_OPEN_CASE}};
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++)
                for (size_t i = 0; i < MF_ARRAY_LEN(cases); i++) {
                        expect_ok(f, e, DECISION, MODS(FS("outcome", cases[i].name)));
                        assert_int_equal(f->ev.u.decision.outcome, cases[i].o);
                }
}

static void check_referral_full(const fixture_t *f) {
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
        assert_view(f, f->ev.item_id, "REF-1");
        assert_int_equal(f->ev.u.referral.referral_date, days(2024, 1, 15));
        assert_view(f, f->ev.u.referral.source, "2A");
        assert_view(f, f->ev.u.referral.contact_id, "CON-1");
        assert_true(f->ev.u.referral.nfa);
}

static void test_json_decodes_referral_with_every_field(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, REFERRAL_FULL, NULL);
        check_referral_full(f);
}

static void test_msgpack_decodes_referral_with_every_field(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, REFERRAL_FULL, NULL);
        check_referral_full(f);
}

static void test_referral_with_optional_fields_absent_has_nfa_false(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, REFERRAL, NULL);
                assert_envelope(f, MF_EV_REFERRAL, "ev-3");
                assert_view(f, f->ev.item_id, "REF-1");
                assert_int_equal(f->ev.u.referral.referral_date, days(2024, 1, 15));
                assert_int_equal(f->ev.u.referral.source.len, 0);
                assert_int_equal(f->ev.u.referral.contact_id.len, 0);
                assert_false(f->ev.u.referral.nfa);
        }
}

static void test_referral_with_optional_fields_null(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, REFERRAL_FULL,
                          MODS(FN("source"), FN("contact_id"), FN("nfa")));
                assert_int_equal(f->ev.u.referral.source.len, 0);
                assert_int_equal(f->ev.u.referral.contact_id.len, 0);
                assert_false(f->ev.u.referral.nfa);
        }
}

static void check_assessment_started(const fixture_t *f, const char *rid) {
        assert_envelope(f, MF_EV_ASSESSMENT_STARTED, "ev-4");
        assert_view(f, f->ev.item_id, "ASS-1");
        assert_int_equal(f->ev.u.assessment_started.start_date, days(2024, 1, 16));
        assert_view(f, f->ev.u.assessment_started.referral_id, rid);
}

static void test_json_decodes_assessment_started(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, ASSESSMENT_STARTED, MODS(FS("referral_id", "REF-1")));
        check_assessment_started(f, "REF-1");
}

static void test_msgpack_decodes_assessment_started(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, ASSESSMENT_STARTED, MODS(FS("referral_id", "REF-1")));
        check_assessment_started(f, "REF-1");
}

static void test_assessment_started_with_referral_id_absent_or_null(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, ASSESSMENT_STARTED, NULL);
                check_assessment_started(f, "");
                expect_ok(f, e, ASSESSMENT_STARTED, MODS(FN("referral_id")));
                check_assessment_started(f, "");
        }
}

static void check_assessment_authorised(const fixture_t *f, mf_tri_t seen,
                                        mf_assessment_outcome_t o) {
        assert_envelope(f, MF_EV_ASSESSMENT_AUTHORISED, "ev-5");
        assert_view(f, f->ev.item_id, "ASS-1");
        assert_int_equal(f->ev.u.assessment_authorised.authorised_date, days(2024, 3, 1));
        assert_int_equal(f->ev.u.assessment_authorised.child_seen, seen);
        assert_int_equal(f->ev.u.assessment_authorised.outcome, o);
}

static void test_json_decodes_assessment_authorised(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, ASSESSMENT_AUTHORISED,
                  MODS(FB("child_seen", true), FS("outcome", "cp")));
        check_assessment_authorised(f, MF_TRI_TRUE, MF_AOUTCOME_CP);
}

static void test_msgpack_decodes_assessment_authorised(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, ASSESSMENT_AUTHORISED,
                  MODS(FB("child_seen", false), FS("outcome", "early_help")));
        check_assessment_authorised(f, MF_TRI_FALSE, MF_AOUTCOME_EARLY_HELP);
}

static void test_assessment_authorised_with_optional_fields_absent_or_null(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, ASSESSMENT_AUTHORISED, NULL);
                check_assessment_authorised(f, MF_TRI_NONE, MF_AOUTCOME_NONE);
                expect_ok(f, e, ASSESSMENT_AUTHORISED,
                          MODS(FN("child_seen"), FN("outcome")));
                check_assessment_authorised(f, MF_TRI_NONE, MF_AOUTCOME_NONE);
        }
}

static void test_assessment_outcomes_map_to_enum(void **state) {
        fixture_t *f = *state;
        static const struct {
                const char *name;
                mf_assessment_outcome_t o;
        } cases[] = {{"cin", MF_AOUTCOME_CIN},
                     {"cp", MF_AOUTCOME_CP},
                     {"nfa", MF_AOUTCOME_NFA},
                     {"early_help", MF_AOUTCOME_EARLY_HELP},
                     {"other", MF_AOUTCOME_OTHER}};
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++)
                for (size_t i = 0; i < MF_ARRAY_LEN(cases); i++) {
                        expect_ok(f, e, ASSESSMENT_AUTHORISED,
                                  MODS(FS("outcome", cases[i].name)));
                        assert_int_equal(f->ev.u.assessment_authorised.outcome,
                                         cases[i].o);
                }
}

static void check_s47_started(const fixture_t *f, const char *rid) {
        assert_envelope(f, MF_EV_S47_STARTED, "ev-6");
        assert_view(f, f->ev.item_id, "S47-1");
        assert_int_equal(f->ev.u.s47_started.strategy_date, days(2024, 2, 1));
        assert_view(f, f->ev.u.s47_started.referral_id, rid);
}

static void test_json_decodes_s47_started(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, S47_STARTED, MODS(FS("referral_id", "REF-9")));
        check_s47_started(f, "REF-9");
}

static void test_msgpack_decodes_s47_started(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, S47_STARTED, MODS(FS("referral_id", "REF-9")));
        check_s47_started(f, "REF-9");
}

static void test_s47_started_with_referral_id_absent_or_null(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, S47_STARTED, NULL);
                check_s47_started(f, "");
                expect_ok(f, e, S47_STARTED, MODS(FN("referral_id")));
                check_s47_started(f, "");
        }
}

static void check_s47_outcome(const fixture_t *f, bool icpc_required) {
        assert_envelope(f, MF_EV_S47_OUTCOME, "ev-7");
        assert_view(f, f->ev.item_id, "S47-1");
        assert_int_equal(f->ev.u.s47_outcome.completed_date, days(2024, 2, 10));
        assert_int_equal(f->ev.u.s47_outcome.icpc_required, icpc_required);
}

static void test_json_decodes_s47_outcome(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, S47_OUTCOME, NULL);
        check_s47_outcome(f, true);
        expect_ok(f, ENC_JSON, S47_OUTCOME, MODS(FB("icpc_required", false)));
        check_s47_outcome(f, false);
}

static void test_msgpack_decodes_s47_outcome(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, S47_OUTCOME, NULL);
        check_s47_outcome(f, true);
        expect_ok(f, ENC_MSGPACK, S47_OUTCOME, MODS(FB("icpc_required", false)));
        check_s47_outcome(f, false);
}

static void check_icpc(const fixture_t *f, bool cp_plan) {
        assert_envelope(f, MF_EV_ICPC, "ev-8");
        assert_view(f, f->ev.item_id, "S47-1");
        assert_int_equal(f->ev.u.icpc.icpc_date, days(2024, 2, 20));
        assert_int_equal(f->ev.u.icpc.cp_plan, cp_plan);
}

static void test_json_decodes_icpc(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, ICPC, NULL);
        check_icpc(f, false);
        expect_ok(f, ENC_JSON, ICPC, MODS(FB("cp_plan", true)));
        check_icpc(f, true);
}

static void test_msgpack_decodes_icpc(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, ICPC, NULL);
        check_icpc(f, false);
        expect_ok(f, ENC_MSGPACK, ICPC, MODS(FB("cp_plan", true)));
        check_icpc(f, true);
}

/* ======================= required keys ======================= */

/* Each required key of a type, removed in turn: missing_field naming it. */
static void check_required(fixture_t *f, const field_t *base, const char *const *keys,
                           size_t n) {
        for (size_t i = 0; i < n; i++)
                expect_reject(f, base, MODS(FDEL(keys[i])), MF_REASON_MISSING_FIELD,
                              keys[i]);
}

static void test_missing_v_is_missing_field(void **state) {
        expect_reject(*state, REFERRAL, MODS(FDEL("v")), MF_REASON_MISSING_FIELD, "v");
}

static void test_missing_type_is_missing_field(void **state) {
        expect_reject(*state, REFERRAL, MODS(FDEL("type")), MF_REASON_MISSING_FIELD,
                      "type");
}

static void test_missing_id_is_missing_field(void **state) {
        expect_reject(*state, REFERRAL, MODS(FDEL("id")), MF_REASON_MISSING_FIELD, "id");
}

static void test_missing_la_is_missing_field(void **state) {
        expect_reject(*state, REFERRAL, MODS(FDEL("la")), MF_REASON_MISSING_FIELD, "la");
}

static void test_missing_child_is_missing_field(void **state) {
        expect_reject(*state, REFERRAL, MODS(FDEL("child")), MF_REASON_MISSING_FIELD,
                      "child");
}

static void test_empty_string_id_is_missing_field(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("id", "")), MF_REASON_MISSING_FIELD,
                      "id");
}

static void test_empty_string_la_and_child_are_missing_field(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("la", "")), MF_REASON_MISSING_FIELD,
                      "la");
        expect_reject(*state, REFERRAL, MODS(FS("child", "")), MF_REASON_MISSING_FIELD,
                      "child");
}

static void test_empty_string_item_id_is_missing_field(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("referral_id", "")),
                      MF_REASON_MISSING_FIELD, "referral_id");
}

static void test_empty_object_is_missing_field(void **state) {
        fixture_t *f = *state;
        JSON_REJECT(f, "{}", MF_REASON_MISSING_FIELD);
        check_reject(f, ENC_MSGPACK, DM(f, "\x80"), MF_REASON_MISSING_FIELD, "v");
}

static void test_contact_required_keys_are_missing_field_when_absent(void **state) {
        static const char *const keys[] = {"contact_id", "received_at"};
        check_required(*state, CONTACT, keys, MF_ARRAY_LEN(keys));
}

static void
test_contact_decision_required_keys_are_missing_field_when_absent(void **state) {
        static const char *const keys[] = {"contact_id", "decided_at", "outcome"};
        check_required(*state, DECISION, keys, MF_ARRAY_LEN(keys));
}

static void test_referral_required_keys_are_missing_field_when_absent(void **state) {
        static const char *const keys[] = {"referral_id", "referral_date"};
        check_required(*state, REFERRAL, keys, MF_ARRAY_LEN(keys));
}

static void
test_assessment_started_required_keys_are_missing_field_when_absent(void **state) {
        static const char *const keys[] = {"assessment_id", "start_date"};
        check_required(*state, ASSESSMENT_STARTED, keys, MF_ARRAY_LEN(keys));
}

static void
test_assessment_authorised_required_keys_are_missing_field_when_absent(void **state) {
        static const char *const keys[] = {"assessment_id", "authorised_date"};
        check_required(*state, ASSESSMENT_AUTHORISED, keys, MF_ARRAY_LEN(keys));
}

static void test_s47_started_required_keys_are_missing_field_when_absent(void **state) {
        static const char *const keys[] = {"s47_id", "strategy_date"};
        check_required(*state, S47_STARTED, keys, MF_ARRAY_LEN(keys));
}

static void test_s47_outcome_required_keys_are_missing_field_when_absent(void **state) {
        static const char *const keys[] = {"s47_id", "completed_date", "icpc_required"};
        check_required(*state, S47_OUTCOME, keys, MF_ARRAY_LEN(keys));
}

static void test_icpc_required_keys_are_missing_field_when_absent(void **state) {
        static const char *const keys[] = {"s47_id", "icpc_date", "cp_plan"};
        check_required(*state, ICPC, keys, MF_ARRAY_LEN(keys));
}

/* ======================= precedence ======================= */

static void test_missing_type_and_child_reports_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FDEL("type"), FDEL("child")),
                      MF_REASON_MISSING_FIELD, "type");
}

static void test_bad_version_is_reported_before_a_missing_id(void **state) {
        expect_reject(*state, REFERRAL, MODS(FI("v", 0), FDEL("id")),
                      MF_REASON_BAD_VERSION, "v");
}

static void test_envelope_is_checked_before_the_type_keys(void **state) {
        expect_reject(*state, REFERRAL, MODS(FDEL("child"), FDEL("referral_id")),
                      MF_REASON_MISSING_FIELD, "child");
}

static void test_type_keys_are_checked_in_contract_order(void **state) {
        /* contact_id comes before received_at in EVENTS.md. */
        expect_reject(*state, CONTACT, MODS(FDEL("received_at"), FDEL("contact_id")),
                      MF_REASON_MISSING_FIELD, "contact_id");
}

/* ======================= wrong_type ======================= */

static void test_string_instant_is_wrong_type(void **state) {
        expect_reject(*state, CONTACT, MODS(FS("received_at", "1700000000000")),
                      MF_REASON_WRONG_TYPE, "received_at");
}

static void test_number_id_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FI("id", 5)), MF_REASON_WRONG_TYPE, "id");
}

static void test_null_required_string_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FN("child")), MF_REASON_WRONG_TYPE, "child");
}

static void test_null_v_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FN("v")), MF_REASON_WRONG_TYPE, "v");
}

static void test_null_type_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FN("type")), MF_REASON_WRONG_TYPE, "type");
}

static void test_null_required_instant_is_wrong_type(void **state) {
        expect_reject(*state, DECISION, MODS(FN("decided_at")), MF_REASON_WRONG_TYPE,
                      "decided_at");
}

static void test_null_required_date_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FN("referral_date")), MF_REASON_WRONG_TYPE,
                      "referral_date");
}

static void test_null_required_bool_is_wrong_type(void **state) {
        expect_reject(*state, S47_OUTCOME, MODS(FN("icpc_required")),
                      MF_REASON_WRONG_TYPE, "icpc_required");
}

static void test_string_bool_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("nfa", "true")), MF_REASON_WRONG_TYPE,
                      "nfa");
}

static void test_number_bool_is_wrong_type(void **state) {
        expect_reject(*state, ICPC, MODS(FI("cp_plan", 1)), MF_REASON_WRONG_TYPE,
                      "cp_plan");
}

static void test_fractional_v_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FD("v", 1.5)), MF_REASON_WRONG_TYPE, "v");
}

static void test_string_v_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("v", "1")), MF_REASON_WRONG_TYPE, "v");
}

static void test_fractional_instant_is_wrong_type(void **state) {
        expect_reject(*state, CONTACT, MODS(FD("received_at", 1700000000000.5)),
                      MF_REASON_WRONG_TYPE, "received_at");
}

static void test_number_date_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FI("referral_date", 20240115)),
                      MF_REASON_WRONG_TYPE, "referral_date");
}

static void test_number_type_is_wrong_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FI("type", 2)), MF_REASON_WRONG_TYPE,
                      "type");
}

static void test_number_enum_is_wrong_type(void **state) {
        expect_reject(*state, DECISION, MODS(FI("outcome", 0)), MF_REASON_WRONG_TYPE,
                      "outcome");
}

static void test_json_object_for_a_string_key_is_wrong_type(void **state) {
        fixture_t *f = *state;
        JSON_REJECT(f, "{" REF_JSON ",\"la\":{\"code\":\"302\"}}", MF_REASON_WRONG_TYPE);
        assert_true(names_key(f->rej.detail, "la"));
        JSON_REJECT(f, "{" REF_JSON ",\"child\":[\"c\"]}", MF_REASON_WRONG_TYPE);
        assert_true(names_key(f->rej.detail, "child"));
}

static void test_msgpack_bin_for_a_string_key_is_wrong_type(void **state) {
        fixture_t *f = *state;
        mf_err_t rc = decode_rec(f, ENC_MSGPACK, REFERRAL, MODS(FBIN("id", "ev-3")));
        check_reject(f, ENC_MSGPACK, rc, MF_REASON_WRONG_TYPE, "id");
}

static void test_msgpack_string_that_is_not_utf8_is_wrong_type(void **state) {
        fixture_t *f = *state;
        mf_err_t rc = decode_rec(f, ENC_MSGPACK, REFERRAL, MODS(FS("child", "c\xff")));
        check_reject(f, ENC_MSGPACK, rc, MF_REASON_WRONG_TYPE, "child");
}

/* ======================= bad_date ======================= */

static void test_feb_29_in_a_common_year_is_bad_date(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("referral_date", "2023-02-29")),
                      MF_REASON_BAD_DATE, "referral_date");
}

static void test_month_13_is_bad_date(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("referral_date", "2023-13-01")),
                      MF_REASON_BAD_DATE, "referral_date");
}

static void test_unpadded_month_is_bad_date(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("referral_date", "2023-1-01")),
                      MF_REASON_BAD_DATE, "referral_date");
}

static void test_year_2100_is_bad_date(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("referral_date", "2100-01-01")),
                      MF_REASON_BAD_DATE, "referral_date");
}

static void test_year_1899_is_bad_date(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("referral_date", "1899-12-31")),
                      MF_REASON_BAD_DATE, "referral_date");
}

static void test_april_31_is_bad_date(void **state) {
        expect_reject(*state, S47_STARTED, MODS(FS("strategy_date", "2024-04-31")),
                      MF_REASON_BAD_DATE, "strategy_date");
}

static void test_date_with_time_part_is_bad_date(void **state) {
        expect_reject(*state, ICPC, MODS(FS("icpc_date", "2024-02-20T10:00:00Z")),
                      MF_REASON_BAD_DATE, "icpc_date");
}

static void test_bad_optional_birth_date_is_bad_date(void **state) {
        expect_reject(*state, CONTACT, MODS(FS("birth_date", "2015-02-30")),
                      MF_REASON_BAD_DATE, "birth_date");
}

static void test_first_and_last_supported_dates_are_accepted(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, REFERRAL, MODS(FS("referral_date", "1900-01-01")));
                assert_int_equal(f->ev.u.referral.referral_date, days(1900, 1, 1));
                expect_ok(f, e, REFERRAL, MODS(FS("referral_date", "2099-12-31")));
                assert_int_equal(f->ev.u.referral.referral_date, days(2099, 12, 31));
        }
}

static void test_leap_day_2024_is_accepted(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, REFERRAL, MODS(FS("referral_date", "2024-02-29")));
                assert_int_equal(f->ev.u.referral.referral_date, days(2024, 2, 29));
        }
}

static void test_leap_day_2000_is_accepted(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, ASSESSMENT_STARTED, MODS(FS("start_date", "2000-02-29")));
                assert_int_equal(f->ev.u.assessment_started.start_date,
                                 days(2000, 2, 29));
        }
}

/* ======================= bad_instant ======================= */

static void test_negative_instant_is_bad_instant(void **state) {
        expect_reject(*state, CONTACT, MODS(FI("received_at", -1)), MF_REASON_BAD_INSTANT,
                      "received_at");
}

static void test_instant_in_year_2100_is_bad_instant(void **state) {
        expect_reject(*state, DECISION, MODS(FI("decided_at", 4102444800000LL)),
                      MF_REASON_BAD_INSTANT, "decided_at");
}

static void test_json_instant_beyond_int64_is_bad_instant(void **state) {
        fixture_t *f = *state;
        JSON_REJECT(
            f,
            "{\"v\":1,\"type\":\"contact\",\"id\":\"e\",\"la\":\"302\",\"child\":\"c\","
            "\"contact_id\":\"C\",\"received_at\":99999999999999999999}",
            MF_REASON_BAD_INSTANT);
}

static void test_msgpack_instant_beyond_int64_is_bad_instant(void **state) {
        fixture_t *f = *state;
        /* received_at as uint64 0xffffffffffffffff */
        field_t fl[64];
        int n = build(fl, CONTACT, MODS(FDEL("received_at")));
        msgpack_sbuffer_clear(&f->sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, (size_t)n + 1);
        for (int k = 0; k < n; k++) {
                pack_str(&pk, fl[k].key);
                if (fl[k].kind == F_STR)
                        pack_str(&pk, fl[k].s);
                else
                        msgpack_pack_int64(&pk, fl[k].i);
        }
        pack_str(&pk, "received_at");
        msgpack_pack_uint64(&pk, UINT64_MAX);
        mf_err_t rc = decode_msgpack_bytes(f, f->sb.data, f->sb.size);
        check_reject(f, ENC_MSGPACK, rc, MF_REASON_BAD_INSTANT, "received_at");
}

static void test_instant_0_and_last_instant_of_2099_are_accepted(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, CONTACT, MODS(FI("received_at", 0)));
                assert_int_equal(f->ev.u.contact.received_at, 0);
                expect_ok(f, e, CONTACT, MODS(FI("received_at", 4102444799999LL)));
                assert_int_equal(f->ev.u.contact.received_at, 4102444799999LL);
        }
}

static void test_integral_float_instant_is_accepted(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, CONTACT, MODS(FD("received_at", 1700000000000.0)));
                assert_int_equal(f->ev.u.contact.received_at, 1700000000000LL);
        }
}

/* ======================= unknown_type, too_long, bad_enum, bad_version ==== */

static void test_unknown_type_name_is_unknown_type(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("type", "referal")),
                      MF_REASON_UNKNOWN_TYPE, "type");
}

static void test_type_name_is_case_sensitive(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("type", "Referral")),
                      MF_REASON_UNKNOWN_TYPE, "type");
}

static void test_type_name_with_a_suffix_is_unknown_type(void **state) {
        expect_reject(*state, ICPC, MODS(FS("type", "icpc2")), MF_REASON_UNKNOWN_TYPE,
                      "type");
}

static void test_65_byte_id_is_too_long(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("id", A65)), MF_REASON_TOO_LONG, "id");
}

static void test_9_byte_la_is_too_long(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("la", A9)), MF_REASON_TOO_LONG, "la");
}

static void test_9_byte_source_is_too_long(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("source", A9)), MF_REASON_TOO_LONG,
                      "source");
}

static void test_65_byte_child_is_too_long(void **state) {
        expect_reject(*state, REFERRAL, MODS(FS("child", A65)), MF_REASON_TOO_LONG,
                      "child");
}

static void test_65_byte_item_id_is_too_long(void **state) {
        expect_reject(*state, S47_STARTED, MODS(FS("s47_id", A65)), MF_REASON_TOO_LONG,
                      "s47_id");
}

static void test_9_byte_ethnicity_is_too_long(void **state) {
        expect_reject(*state, CONTACT, MODS(FS("ethnicity", A9)), MF_REASON_TOO_LONG,
                      "ethnicity");
}

static void test_longest_strings_are_accepted(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, REFERRAL,
                          MODS(FS("id", A64), FS("la", A8), FS("child", A64),
                               FS("referral_id", A64), FS("source", A8),
                               FS("contact_id", A64)));
                assert_view(f, f->ev.id, A64);
                assert_view(f, f->ev.la, A8);
                assert_view(f, f->ev.child, A64);
                assert_view(f, f->ev.item_id, A64);
                assert_view(f, f->ev.u.referral.source, A8);
                assert_view(f, f->ev.u.referral.contact_id, A64);
        }
}

static void test_json_length_limit_applies_to_unescaped_bytes(void **state) {
        fixture_t *f = *state;
        /* 8 source bytes written as 13 JSON characters: accepted. */
        JSON_OK(f, "{" REF_JSON ",\"source\":\"1\\u0041\\\"\\\\xyz\"}");
        assert_view(f, f->ev.u.referral.source, "1A\"\\xyz");
        /* 7 characters that unescape to 9 bytes (3 x 3-byte UTF-8): too long. */
        JSON_REJECT(f, "{" REF_JSON ",\"source\":\"\\u20ac\\u20ac\\u20ac\"}",
                    MF_REASON_TOO_LONG);
}

static void test_gender_outside_the_contract_is_bad_enum(void **state) {
        expect_reject(*state, CONTACT, MODS(FS("gender", "x")), MF_REASON_BAD_ENUM,
                      "gender");
}

static void test_gender_in_upper_case_is_bad_enum(void **state) {
        expect_reject(*state, CONTACT, MODS(FS("gender", "M")), MF_REASON_BAD_ENUM,
                      "gender");
}

static void test_decision_outcome_maybe_is_bad_enum(void **state) {
        expect_reject(*state, DECISION, MODS(FS("outcome", "maybe")), MF_REASON_BAD_ENUM,
                      "outcome");
}

static void test_assessment_outcome_unknown_is_bad_enum(void **state) {
        expect_reject(*state, ASSESSMENT_AUTHORISED, MODS(FS("outcome", "unknown")),
                      MF_REASON_BAD_ENUM, "outcome");
}

static void test_decision_outcome_from_the_assessment_list_is_bad_enum(void **state) {
        expect_reject(*state, DECISION, MODS(FS("outcome", "cin")), MF_REASON_BAD_ENUM,
                      "outcome");
}

static void test_v_0_is_bad_version(void **state) {
        expect_reject(*state, REFERRAL, MODS(FI("v", 0)), MF_REASON_BAD_VERSION, "v");
}

static void test_negative_v_is_bad_version(void **state) {
        expect_reject(*state, REFERRAL, MODS(FI("v", -1)), MF_REASON_BAD_VERSION, "v");
}

static void test_v_1_0_is_accepted(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, "{\"v\":1.0,\"type\":\"referral\",\"id\":\"ev-3\",\"la\":\"302\","
                   "\"child\":\"child-1\",\"referral_id\":\"REF-1\","
                   "\"referral_date\":\"2024-01-15\"}");
        assert_int_equal(f->ev.v, 1);
}

static void test_msgpack_float_v_1_0_is_accepted(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, REFERRAL, MODS(FD("v", 1.0)));
        assert_int_equal(f->ev.v, 1);
        expect_ok(f, ENC_MSGPACK, REFERRAL, MODS(FD32("v", 1.0)));
        assert_int_equal(f->ev.v, 1);
}

static void test_json_v_written_with_many_zero_decimals_is_accepted(void **state) {
        fixture_t *f = *state;
        /* Still the integer 1 (JSON Schema "integer"), only written long. */
        JSON_OK(
            f,
            "{\"v\":1.0000000000000000000000000000000000000000000000000000000000000000,"
            "\"type\":\"referral\",\"id\":\"ev-3\",\"la\":\"302\",\"child\":\"child-1\","
            "\"referral_id\":\"REF-1\",\"referral_date\":\"2024-01-15\"}");
        assert_int_equal(f->ev.v, 1);
}

static void test_later_version_is_accepted(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, REFERRAL, MODS(FI("v", 2)));
                assert_int_equal(f->ev.v, 2);
        }
}

/* ======================= forward compatibility ======================= */

static void test_unknown_scalar_keys_are_ignored(void **state) {
        fixture_t *f = *state;
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, REFERRAL,
                          MODS(FS("extra", "x"), FI("count", 7), FB("flag", true),
                               FN("nothing"), FD("ratio", 0.25)));
                assert_envelope(f, MF_EV_REFERRAL, "ev-3");
                assert_view(f, f->ev.item_id, "REF-1");
        }
}

static void test_json_unknown_nested_objects_and_arrays_are_ignored(void **state) {
        fixture_t *f = *state;
        JSON_OK(
            f,
            "{\"v\":1,\"meta\":{\"a\":[1,{\"b\":\"c\"},[[]]],\"d\":null,\"e\":{}},"
            "\"type\":\"referral\",\"tags\":[\"x\",\"y\"],\"id\":\"ev-3\",\"la\":\"302\","
            "\"child\":\"child-1\",\"empty\":[],\"referral_id\":\"REF-1\","
            "\"referral_date\":\"2024-01-15\",\"last\":{\"z\":[true,false]}}");
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
        assert_view(f, f->ev.item_id, "REF-1");
        assert_int_equal(f->ev.u.referral.referral_date, days(2024, 1, 15));
}

static void test_json_known_key_names_inside_nested_objects_are_not_used(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, "{\"meta\":{\"id\":\"nested\",\"child\":\"other\",\"v\":0},"
                   "\"v\":1,\"type\":\"referral\",\"id\":\"ev-3\",\"la\":\"302\","
                   "\"child\":\"child-1\",\"referral_id\":\"REF-1\","
                   "\"referral_date\":\"2024-01-15\",\"after\":{\"id\":\"late\"}}");
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
}

static void test_json_record_with_many_unknown_keys_is_decoded(void **state) {
        fixture_t *f = *state;
        /* More tokens than the decoder starts with. */
        static char text[32768];
        size_t o = (size_t)snprintf(text, sizeof(text), "{");
        for (int i = 0; i < 700; i++)
                o += (size_t)snprintf(text + o, sizeof(text) - o, "\"x%d\":[%d,\"s\"],",
                                      i, i);
        o += (size_t)snprintf(text + o, sizeof(text) - o, "%s}", REF_JSON);
        expect_json_ok(f, text, o);
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
        /* And a small record still decodes after the growth. */
        expect_ok(f, ENC_JSON, ICPC, NULL);
        check_icpc(f, false);
}

static void test_msgpack_unknown_nested_maps_and_arrays_are_ignored(void **state) {
        fixture_t *f = *state;
        field_t fl[64];
        int n = build(fl, REFERRAL, NULL);
        msgpack_sbuffer_clear(&f->sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, (size_t)n + 2);
        pack_str(&pk, "meta");
        msgpack_pack_map(&pk, 2);
        pack_str(&pk, "id");
        pack_str(&pk, "nested");
        pack_str(&pk, "list");
        msgpack_pack_array(&pk, 2);
        msgpack_pack_int(&pk, 1);
        msgpack_pack_array(&pk, 0);
        for (int k = 0; k < n; k++) {
                pack_str(&pk, fl[k].key);
                if (fl[k].kind == F_STR)
                        pack_str(&pk, fl[k].s);
                else
                        msgpack_pack_int64(&pk, fl[k].i);
        }
        pack_str(&pk, "bin");
        msgpack_pack_bin_with_body(&pk, "\x00\x01", 2);
        assert_int_equal(decode_msgpack_bytes(f, f->sb.data, f->sb.size), MF_OK);
        assert_int_equal(f->used, f->len);
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
}

static void test_msgpack_non_string_keys_are_ignored(void **state) {
        fixture_t *f = *state;
        field_t fl[64];
        int n = build(fl, REFERRAL, NULL);
        msgpack_sbuffer_clear(&f->sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, (size_t)n + 2);
        msgpack_pack_int(&pk, 7);
        pack_str(&pk, "seven");
        msgpack_pack_bin_with_body(&pk, "id", 2); /* a bin key, not the string "id" */
        pack_str(&pk, "not-the-id");
        for (int k = 0; k < n; k++) {
                pack_str(&pk, fl[k].key);
                if (fl[k].kind == F_STR)
                        pack_str(&pk, fl[k].s);
                else
                        msgpack_pack_int64(&pk, fl[k].i);
        }
        assert_int_equal(decode_msgpack_bytes(f, f->sb.data, f->sb.size), MF_OK);
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
}

static void test_msgpack_deeply_nested_unknown_value_is_not_out_of_memory(void **state) {
        fixture_t *f = *state;
        /* 40 nested arrays under an unknown key: valid MessagePack, and an
         * unknown key. It may be accepted (unknown keys are ignored) or
         * rejected as bad_encoding, but it is not an out-of-memory error,
         * which would stop the daemon instead of dead-lettering a record. */
        field_t fl[64];
        int n = build(fl, REFERRAL, NULL);
        msgpack_sbuffer_clear(&f->sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, (size_t)n + 1);
        for (int k = 0; k < n; k++) {
                pack_str(&pk, fl[k].key);
                if (fl[k].kind == F_STR)
                        pack_str(&pk, fl[k].s);
                else
                        msgpack_pack_int64(&pk, fl[k].i);
        }
        pack_str(&pk, "deep");
        for (int i = 0; i < 40; i++)
                msgpack_pack_array(&pk, 1);
        msgpack_pack_int(&pk, 1);
        mf_err_t rc = decode_msgpack_bytes(f, f->sb.data, f->sb.size);
        if (rc == MF_ERR_INVALID)
                check_reject(f, ENC_MSGPACK, rc, MF_REASON_BAD_ENCODING, NULL);
        else if (rc != MF_OK)
                fail_msg("rc %d (%s), expected MF_OK or bad_encoding", rc,
                         rc == MF_ERR_NOMEM ? "MF_ERR_NOMEM" : "?");
}

/* Nesting that msgpack-c can parse (its stack holds 32 levels, the record's
 * own map included) is ignored under an unknown key, in both encodings. */
static void test_unknown_value_nested_30_deep_is_ignored(void **state) {
        fixture_t *f = *state;
        static char text[4096];
        size_t o = (size_t)snprintf(text, sizeof(text), "{%s,\"deep\":", REF_JSON);
        for (int i = 0; i < 30; i++) {
                if (i % 2) {
                        text[o++] = '[';
                } else {
                        memcpy(text + o, "{\"k\":", 5);
                        o += 5;
                }
        }
        text[o++] = '1';
        for (int i = 29; i >= 0; i--)
                text[o++] = i % 2 ? ']' : '}';
        text[o++] = '}';
        expect_json_ok(f, text, o);
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");

        field_t fl[64];
        int n = build(fl, REFERRAL, NULL);
        msgpack_sbuffer_clear(&f->sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, (size_t)n + 1);
        for (int k = 0; k < n; k++) {
                pack_str(&pk, fl[k].key);
                if (fl[k].kind == F_STR)
                        pack_str(&pk, fl[k].s);
                else
                        msgpack_pack_int64(&pk, fl[k].i);
        }
        pack_str(&pk, "deep");
        for (int i = 0; i < 30; i++) {
                if (i % 2) {
                        msgpack_pack_array(&pk, 1);
                } else {
                        msgpack_pack_map(&pk, 1);
                        pack_str(&pk, "k");
                }
        }
        msgpack_pack_int(&pk, 1);
        assert_int_equal(decode_msgpack_bytes(f, f->sb.data, f->sb.size), MF_OK);
        assert_int_equal(f->used, f->len);
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
}

static void test_json_brackets_inside_strings_are_not_nesting(void **state) {
        fixture_t *f = *state;
        /* 40 brackets in strings, after an escaped quote and after an escaped
         * backslash that ends a string. */
        JSON_OK(f, "{" REF_JSON ",\"a\":\"x\\\"[[[[[[[[[[[[[[[[[[[[\",\"b\":\"y\\\\\","
                   "\"c\":\"{{{{{{{{{{{{{{{{{{{{\"}");
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
}

/* Both encodings decide a record the same way (mf_event.c's promise), also
 * around the nesting that msgpack-c can parse. */
static void test_json_and_msgpack_agree_on_deep_nesting(void **state) {
        fixture_t *f = *state;
        field_t fl[64];
        int n = build(fl, REFERRAL, NULL);
        static char text[4096];
        for (int levels = 28; levels <= 36; levels++) {
                /* levels containers in all: the record's map and levels - 1
                 * arrays under "deep". */
                size_t o =
                    (size_t)snprintf(text, sizeof(text), "{%s,\"deep\":", REF_JSON);
                memset(text + o, '[', (size_t)levels - 1);
                o += (size_t)levels - 1;
                text[o++] = '0';
                memset(text + o, ']', (size_t)levels - 1);
                o += (size_t)levels - 1;
                text[o++] = '}';
                mf_err_t rj = decode_json_bytes(f, text, o);
                mf_reason_t why_j = f->rej.reason;

                msgpack_sbuffer_clear(&f->sb);
                msgpack_packer pk;
                msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
                msgpack_pack_map(&pk, (size_t)n + 1);
                for (int k = 0; k < n; k++) {
                        pack_str(&pk, fl[k].key);
                        if (fl[k].kind == F_STR)
                                pack_str(&pk, fl[k].s);
                        else
                                msgpack_pack_int64(&pk, fl[k].i);
                }
                pack_str(&pk, "deep");
                for (int a = 1; a < levels; a++)
                        msgpack_pack_array(&pk, 1);
                msgpack_pack_int(&pk, 0);
                mf_err_t rm = decode_msgpack_bytes(f, f->sb.data, f->sb.size);
                mf_reason_t why_m = f->rej.reason;
                if (rj != rm || (rj == MF_ERR_INVALID && why_j != why_m))
                        fail_msg("%d levels: JSON rc %d (%s), MessagePack rc %d (%s)",
                                 levels, rj, mf_reason_name(why_j), rm,
                                 mf_reason_name(why_m));
                assert_true(rj == MF_OK ||
                            (rj == MF_ERR_INVALID && why_j == MF_REASON_BAD_ENCODING));
        }
}

/* One record of 100 KB must not stall the consumer: the decoder's work is
 * linear in the record, whatever its nesting. 50,000 levels take
 * milliseconds in linear time; a quadratic walk takes seconds. Accepting the
 * record (unknown key) and rejecting it as bad_encoding (a depth limit) are
 * both fine. */
static void test_json_50000_deep_nesting_is_rejected_as_bad_encoding(void **state) {
        fixture_t *f = *state;
        enum { DEPTH = 50000 };
        static char text[2 * DEPTH + 256];
        size_t o = (size_t)snprintf(text, sizeof(text), "{%s,\"deep\":", REF_JSON);
        memset(text + o, '[', DEPTH);
        o += DEPTH;
        memset(text + o, ']', DEPTH);
        o += DEPTH;
        text[o++] = '}';
        set_input(f, text, o);
        mf_err_t rc = mf_event_decode_json(f->d, f->in, f->len, &f->ev, &f->rej);
        check_reject(f, ENC_JSON, rc, MF_REASON_BAD_ENCODING, NULL);
}

static void test_duplicate_key_last_value_wins(void **state) {
        fixture_t *f = *state;
        static const field_t dup[] = {FI("v", 1),
                                      FS("type", "referral"),
                                      FS("id", "ev-3"),
                                      FS("la", "302"),
                                      FS("child", "first"),
                                      FS("referral_id", "REF-1"),
                                      FS("referral_date", "2024-01-15"),
                                      FS("child", "child-1"),
                                      FS("referral_date", "2024-02-29"),
                                      FEND};
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                expect_ok(f, e, dup, NULL);
                assert_envelope(f, MF_EV_REFERRAL, "ev-3");
                assert_int_equal(f->ev.u.referral.referral_date, days(2024, 2, 29));
        }
}

static void test_duplicate_key_with_bad_last_value_is_rejected(void **state) {
        static const field_t dup[] = {FI("v", 1),
                                      FS("type", "referral"),
                                      FS("id", "ev-3"),
                                      FS("la", "302"),
                                      FS("child", "child-1"),
                                      FS("referral_id", "REF-1"),
                                      FS("referral_date", "2024-01-15"),
                                      FS("referral_date", "2023-02-29"),
                                      FEND};
        expect_reject(*state, dup, NULL, MF_REASON_BAD_DATE, "referral_date");
}

/* ======================= JSON strings ======================= */

static void test_json_undoes_quote_and_backslash_escapes(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, "{" REF_JSON ",\"child\":\"a\\\"b\\\\c\"}");
        assert_view(f, f->ev.child, "a\"b\\c");
}

static void test_json_undoes_control_and_slash_escapes(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, "{" REF_JSON ",\"child\":\"\\n\\t\\r\\b\\f\\/\"}");
        assert_view(f, f->ev.child, "\n\t\r\b\f/");
}

static void test_json_undoes_u00e9_into_two_utf8_bytes(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, "{" REF_JSON ",\"child\":\"Ren\\u00e9e\"}");
        assert_view(f, f->ev.child,
                    "Ren\xc3\xa9"
                    "e");
}

static void test_json_unicode_escape_hex_is_case_insensitive(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, "{" REF_JSON ",\"child\":\"\\u00E9\\u20AC\"}");
        assert_view(f, f->ev.child, "\xc3\xa9\xe2\x82\xac");
}

static void test_json_undoes_u20ac_into_three_utf8_bytes(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, "{" REF_JSON ",\"child\":\"\\u20ac\"}");
        assert_view(f, f->ev.child, "\xe2\x82\xac");
}

static void test_json_undoes_surrogate_pair_into_four_utf8_bytes(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, "{" REF_JSON ",\"child\":\"x\\ud83d\\ude00y\"}");
        assert_view(f, f->ev.child, "x\xf0\x9f\x98\x80y");
}

static void test_json_raw_utf8_passes_through(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, "{" REF_JSON ",\"child\":\"Zo\xc3\xab \xf0\x9f\x98\x80\"}");
        assert_view(f, f->ev.child, "Zo\xc3\xab \xf0\x9f\x98\x80");
}

static void test_json_escaped_key_names_a_known_key(void **state) {
        fixture_t *f = *state;
        /* "chi\u006cd" is the key "child". */
        JSON_OK(f, "{\"v\":1,\"type\":\"referral\",\"id\":\"ev-3\",\"la\":\"302\","
                   "\"chi\\u006cd\":\"child-1\",\"referral_id\":\"REF-1\","
                   "\"referral_date\":\"2024-01-15\"}");
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
}

static void test_json_lone_high_surrogate_is_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"child\":\"a\\ud83d\"}",
                    MF_REASON_BAD_ENCODING);
}

static void test_json_lone_low_surrogate_is_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"child\":\"a\\ude00b\"}",
                    MF_REASON_BAD_ENCODING);
}

static void
test_json_high_surrogate_followed_by_non_surrogate_is_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"child\":\"\\ud83d\\u0041\"}",
                    MF_REASON_BAD_ENCODING);
}

static void test_json_reversed_surrogate_pair_is_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"child\":\"\\ude00\\ud83d\"}",
                    MF_REASON_BAD_ENCODING);
}

static void test_json_unknown_escape_is_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"child\":\"a\\xb\"}", MF_REASON_BAD_ENCODING);
}

static void test_json_short_unicode_escape_is_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"child\":\"\\u12\"}", MF_REASON_BAD_ENCODING);
}

static void test_json_raw_control_char_in_a_string_is_bad_encoding(void **state) {
        JSON_REJECT(*state,
                    "{" REF_JSON ",\"child\":\"a\x01"
                    "b\"}",
                    MF_REASON_BAD_ENCODING);
}

static void test_json_raw_newline_in_a_string_is_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"note\":\"line\nbreak\"}",
                    MF_REASON_BAD_ENCODING);
}

/* ======================= JSON syntax: bad_encoding ======================= */

static void test_json_rejects_missing_value_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{\"a\":}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON ",\"a\":}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_missing_colon_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{\"a\" 1}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON ",\"a\" 1}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_missing_comma_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"a\":1 \"b\":2}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_trailing_comma_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{\"a\":1,}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON ",}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_leading_comma_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{," REF_JSON "}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_double_comma_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",,\"a\":1}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_number_key_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{1:2}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_unterminated_string_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{\"v\":1,\"type\":\"referral", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_unterminated_object_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON, MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_misspelt_literal_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"nfa\":tru}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "tru", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_malformed_numbers_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"x\":01}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON ",\"x\":1.}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON ",\"x\":-}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON ",\"x\":1e}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON ",\"x\":+1}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_trailing_bytes_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON "} {}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON "}x", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON "}1", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON "}}", MF_REASON_BAD_ENCODING);
}

static void
test_json_rejects_nul_then_bytes_after_the_object_as_bad_encoding(void **state) {
        /* The record is the whole buffer: a NUL is not whitespace. */
        JSON_REJECT(*state, "{" REF_JSON "}\0{\"more\":1}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_empty_input_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, " \n\t", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_nested_member_without_value_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"meta\":{\"a\"}}", MF_REASON_BAD_ENCODING);
}

static void
test_json_rejects_trailing_comma_in_nested_object_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"meta\":{\"a\":1,}}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_nested_array_without_commas_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"tags\":[1 2]}", MF_REASON_BAD_ENCODING);
}

static void
test_json_rejects_trailing_comma_in_nested_array_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"tags\":[1,]}", MF_REASON_BAD_ENCODING);
        JSON_REJECT(*state, "{" REF_JSON ",\"tags\":[,1]}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_colon_inside_an_array_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"tags\":[\"a\":1]}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_comma_in_place_of_colon_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"x\",1}", MF_REASON_BAD_ENCODING);
}

static void test_json_rejects_double_colon_as_bad_encoding(void **state) {
        JSON_REJECT(*state, "{" REF_JSON ",\"x\"::1}", MF_REASON_BAD_ENCODING);
}

static void test_json_accepts_surrounding_whitespace(void **state) {
        fixture_t *f = *state;
        JSON_OK(f, " \t{" REF_JSON "}\r\n ");
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
}

static void test_json_accepts_whitespace_between_tokens(void **state) {
        fixture_t *f = *state;
        JSON_OK(f,
                "{ \"v\" : 1 ,\n\"type\"\t:\"referral\" , \"id\":\"ev-3\",\"la\":\"302\","
                "\"child\" :\"child-1\",\"referral_id\":\"REF-1\","
                "\"referral_date\":\"2024-01-15\" }");
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
}

/* ======================= not_a_map ======================= */

static void test_json_array_is_not_a_map(void **state) {
        JSON_REJECT(*state, "[{" REF_JSON "}]", MF_REASON_NOT_A_MAP);
}

static void test_json_string_is_not_a_map(void **state) {
        JSON_REJECT(*state, "\"referral\"", MF_REASON_NOT_A_MAP);
}

static void test_json_number_is_not_a_map(void **state) {
        JSON_REJECT(*state, "42", MF_REASON_NOT_A_MAP);
}

static void test_json_literal_is_not_a_map(void **state) {
        JSON_REJECT(*state, "null", MF_REASON_NOT_A_MAP);
        JSON_REJECT(*state, "true", MF_REASON_NOT_A_MAP);
}

static void test_msgpack_array_is_not_a_map(void **state) {
        fixture_t *f = *state;
        mf_err_t rc = DM(f, "\x92\x01\xa1x"); /* [1, "x"] */
        check_reject(f, ENC_MSGPACK, rc, MF_REASON_NOT_A_MAP, NULL);
        assert_int_equal(f->used, 4);
}

static void test_msgpack_scalars_are_not_a_map(void **state) {
        fixture_t *f = *state;
        check_reject(f, ENC_MSGPACK, DM(f, "\x2a"), MF_REASON_NOT_A_MAP, NULL);
        check_reject(f, ENC_MSGPACK,
                     DM(f, "\xa3"
                           "abc"),
                     MF_REASON_NOT_A_MAP, NULL);
        check_reject(f, ENC_MSGPACK, DM(f, "\xc0"), MF_REASON_NOT_A_MAP, NULL);
}

/* ======================= MessagePack bytes and streams ======================= */

static void test_msgpack_never_used_byte_is_bad_encoding(void **state) {
        fixture_t *f = *state;
        mf_err_t rc = DM(f, "\xc1\x80\x80");
        check_reject(f, ENC_MSGPACK, rc, MF_REASON_BAD_ENCODING, NULL);
        /* Not MessagePack: the stream cannot resynchronise, all is used. */
        assert_int_equal(f->used, 3);
}

static void test_msgpack_empty_buffer_is_range(void **state) {
        fixture_t *f = *state;
        assert_int_equal(decode_msgpack_bytes(f, "", 0), MF_ERR_RANGE);
}

static void test_msgpack_truncated_object_is_range(void **state) {
        fixture_t *f = *state;
        field_t fl[64];
        int n = build(fl, CONTACT_FULL, NULL);
        to_msgpack(f, fl, n);
        size_t len = f->sb.size;
        /* Every proper prefix is the beginning of an object. */
        for (size_t cut = 1; cut < len; cut++) {
                mf_err_t rc = decode_msgpack_bytes(f, f->sb.data, cut);
                if (rc != MF_ERR_RANGE)
                        fail_msg("prefix of %zu/%zu bytes: rc %d, expected MF_ERR_RANGE",
                                 cut, len, rc);
        }
        assert_int_equal(decode_msgpack_bytes(f, f->sb.data, len), MF_OK);
}

/* Two records packed back to back, as in a file. */
static size_t pack_two(fixture_t *f, const field_t *a, const field_t *b, size_t *len_a) {
        field_t fl[64];
        msgpack_sbuffer_clear(&f->sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
        const field_t *recs[2] = {a, b};
        for (int r = 0; r < 2; r++) {
                int n = build(fl, recs[r], NULL);
                msgpack_pack_map(&pk, (size_t)n);
                for (int k = 0; k < n; k++) {
                        pack_str(&pk, fl[k].key);
                        switch (fl[k].kind) {
                                case F_STR:
                                        pack_str(&pk, fl[k].s);
                                        break;
                                case F_INT:
                                        msgpack_pack_int64(&pk, fl[k].i);
                                        break;
                                case F_BOOL:
                                        fl[k].i ? msgpack_pack_true(&pk)
                                                : msgpack_pack_false(&pk);
                                        break;
                                default:
                                        fail_msg("kind %d", fl[k].kind);
                        }
                }
                if (r == 0)
                        *len_a = f->sb.size;
        }
        return f->sb.size;
}

static void test_msgpack_two_objects_back_to_back_decode_in_turn(void **state) {
        fixture_t *f = *state;
        size_t la;
        size_t total = pack_two(f, REFERRAL, ICPC, &la);
        set_input(f, f->sb.data, total);
        size_t used = 0;
        assert_int_equal(
            mf_event_decode_msgpack(f->d, f->in, f->len, &used, &f->ev, &f->rej), MF_OK);
        assert_int_equal(used, la);
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
        size_t used2 = 0;
        assert_int_equal(mf_event_decode_msgpack(f->d, f->in + used, f->len - used,
                                                 &used2, &f->ev, &f->rej),
                         MF_OK);
        assert_int_equal(used2, total - la);
        assert_envelope(f, MF_EV_ICPC, "ev-8");
        assert_true(f->ev.u.icpc.icpc_date == days(2024, 2, 20));
}

static void test_msgpack_second_object_cut_short_is_range(void **state) {
        fixture_t *f = *state;
        size_t la;
        size_t total = pack_two(f, REFERRAL, ICPC, &la);
        set_input(f, f->sb.data, total - 1);
        size_t used = 0;
        assert_int_equal(
            mf_event_decode_msgpack(f->d, f->in, f->len, &used, &f->ev, &f->rej), MF_OK);
        assert_int_equal(used, la);
        size_t used2 = 0;
        assert_int_equal(mf_event_decode_msgpack(f->d, f->in + used, f->len - used,
                                                 &used2, &f->ev, &f->rej),
                         MF_ERR_RANGE);
}

static void test_msgpack_rejected_record_spans_only_its_object(void **state) {
        fixture_t *f = *state;
        /* The first record lacks an id; the stream goes on with the second. */
        static const field_t no_id[] = {FI("v", 1),
                                        FS("type", "referral"),
                                        FS("la", "302"),
                                        FS("child", "c"),
                                        FS("referral_id", "R"),
                                        FS("referral_date", "2024-01-15"),
                                        FEND};
        size_t la;
        size_t total = pack_two(f, no_id, REFERRAL, &la);
        set_input(f, f->sb.data, total);
        size_t used = 0;
        mf_err_t rc =
            mf_event_decode_msgpack(f->d, f->in, f->len, &used, &f->ev, &f->rej);
        check_reject(f, ENC_MSGPACK, rc, MF_REASON_MISSING_FIELD, "id");
        assert_int_equal(used, la);
        size_t used2 = 0;
        assert_int_equal(mf_event_decode_msgpack(f->d, f->in + used, f->len - used,
                                                 &used2, &f->ev, &f->rej),
                         MF_OK);
        assert_int_equal(used2, total - la);
        assert_envelope(f, MF_EV_REFERRAL, "ev-3");
}

/* A record nested deeper than msgpack-c parses is still MessagePack: its
 * bytes end where the object ends, and the next record of a file follows. */
static void
test_msgpack_too_deep_record_in_a_stream_takes_the_rest_of_the_buffer(void **state) {
        fixture_t *f = *state;
        field_t fl[64];
        int n = build(fl, REFERRAL, NULL);
        msgpack_sbuffer_clear(&f->sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, (size_t)n + 1);
        for (int k = 0; k < n; k++) {
                pack_str(&pk, fl[k].key);
                if (fl[k].kind == F_STR)
                        pack_str(&pk, fl[k].s);
                else
                        msgpack_pack_int64(&pk, fl[k].i);
        }
        pack_str(&pk, "deep");
        for (int i = 0; i < 40; i++)
                msgpack_pack_array(&pk, 1);
        msgpack_pack_int(&pk, 1);
        size_t first = f->sb.size;
        msgpack_pack_map(&pk, (size_t)n);
        for (int k = 0; k < n; k++) {
                pack_str(&pk, fl[k].key);
                if (fl[k].kind == F_STR)
                        pack_str(&pk, fl[k].s);
                else
                        msgpack_pack_int64(&pk, fl[k].i);
        }
        set_input(f, f->sb.data, f->sb.size);
        size_t used = 0;
        mf_err_t rc =
            mf_event_decode_msgpack(f->d, f->in, f->len, &used, &f->ev, &f->rej);
        /* msgpack-c stops at 32 levels without saying where the object ends,
         * so, like garbage, the record takes the rest of the stream. */
        assert_int_equal(rc, MF_ERR_INVALID);
        assert_int_equal(f->rej.reason, MF_REASON_BAD_ENCODING);
        assert_true(first < f->len);
        assert_int_equal(used, f->len);
}

static void
test_msgpack_garbage_after_an_object_uses_the_rest_of_the_buffer(void **state) {
        fixture_t *f = *state;
        field_t fl[64];
        int n = build(fl, REFERRAL, NULL);
        to_msgpack(f, fl, n);
        size_t la = f->sb.size;
        msgpack_sbuffer_write(&f->sb, "\xc1\x01\x02", 3);
        set_input(f, f->sb.data, f->sb.size);
        size_t used = 0;
        assert_int_equal(
            mf_event_decode_msgpack(f->d, f->in, f->len, &used, &f->ev, &f->rej), MF_OK);
        assert_int_equal(used, la);
        size_t used2 = 0;
        mf_err_t rc = mf_event_decode_msgpack(f->d, f->in + used, f->len - used, &used2,
                                              &f->ev, &f->rej);
        check_reject(f, ENC_MSGPACK, rc, MF_REASON_BAD_ENCODING, NULL);
        assert_int_equal(used2, 3);
}

static void test_decoder_reused_over_10000_records_stays_right(void **state) {
        fixture_t *f = *state;
        char id[32], child[32], rid[32];
        for (int i = 0; i < 10000; i++) {
                snprintf(id, sizeof(id), "ev-%d", i);
                snprintf(child, sizeof(child), "child-%d", i % 97);
                snprintf(rid, sizeof(rid), "REF-%d", i);
                enc_t e = (enc_t)(i % 2);
                if (i % 7 == 3) {
                        /* A rejected record between good ones. */
                        mf_err_t rc = decode_rec(f, e, REFERRAL,
                                                 MODS(FS("id", id), FS("gender", "x"),
                                                      FS("referral_date", "2023-02-29")));
                        check_reject(f, e, rc, MF_REASON_BAD_DATE, "referral_date");
                        continue;
                }
                if (i % 3 == 0) {
                        expect_ok(f, e, CONTACT_FULL,
                                  MODS(FS("id", id), FS("child", child),
                                       FS("contact_id", rid),
                                       FI("received_at", 1700000000000LL + i)));
                        assert_int_equal(f->ev.type, MF_EV_CONTACT);
                        assert_int_equal(f->ev.u.contact.received_at,
                                         1700000000000LL + i);
                        assert_view(f, f->ev.u.contact.ethnicity, "WBRI");
                } else {
                        expect_ok(f, e, REFERRAL,
                                  MODS(FS("id", id), FS("child", child),
                                       FS("referral_id", rid)));
                        assert_int_equal(f->ev.type, MF_EV_REFERRAL);
                        assert_int_equal(f->ev.u.referral.source.len, 0);
                        assert_false(f->ev.u.referral.nfa);
                }
                assert_view(f, f->ev.id, id);
                assert_view(f, f->ev.child, child);
                assert_view(f, f->ev.item_id, rid);
        }
}

/* ======================= rejections say no values ======================= */

static void test_reject_detail_never_contains_the_value(void **state) {
        fixture_t *f = *state;
        static char secret[80];
        memset(secret, 0, sizeof(secret));
        memcpy(secret, "SECRETNAME", 10);
        memset(secret + 10, 'Q', 60);
        for (enc_t e = ENC_JSON; e <= ENC_MSGPACK; e++) {
                mf_err_t rc = decode_rec(f, e, REFERRAL, MODS(FS("child", secret)));
                check_reject(f, e, rc, MF_REASON_TOO_LONG, "child");
                assert_null(strstr(f->rej.detail, "SECRET"));
                rc = decode_rec(f, e, CONTACT, MODS(FS("gender", "SECRETNAME")));
                check_reject(f, e, rc, MF_REASON_BAD_ENUM, "gender");
                assert_null(strstr(f->rej.detail, "SECRET"));
                rc = decode_rec(f, e, REFERRAL, MODS(FS("type", "SECRETNAME")));
                check_reject(f, e, rc, MF_REASON_UNKNOWN_TYPE, "type");
                assert_null(strstr(f->rej.detail, "SECRET"));
        }
}

/* ======================= event time and date ======================= */

static void test_contact_at_2330_utc_on_31_march_2024_is_dated_1_april(void **state) {
        fixture_t *f = *state;
        mf_instant_t t = utc(2024, 3, 31, 23, 30); /* 00:30 BST on 1 April */
        expect_ok(f, ENC_JSON, CONTACT, MODS(FI("received_at", t)));
        assert_int_equal(mf_event_date(&f->ev), days(2024, 4, 1));
        assert_int_equal(mf_event_time(&f->ev), t);
}

static void test_contact_before_the_clocks_change_keeps_its_utc_date(void **state) {
        fixture_t *f = *state;
        mf_instant_t t = utc(2024, 3, 31, 0, 30); /* 00:30 GMT, still winter */
        expect_ok(f, ENC_MSGPACK, CONTACT, MODS(FI("received_at", t)));
        assert_int_equal(mf_event_date(&f->ev), days(2024, 3, 31));
}

static void test_decision_late_on_a_summer_evening_is_dated_next_day(void **state) {
        fixture_t *f = *state;
        mf_instant_t t = utc(2024, 7, 10, 23, 15); /* 00:15 BST on 11 July */
        expect_ok(f, ENC_JSON, DECISION, MODS(FI("decided_at", t)));
        assert_int_equal(mf_event_date(&f->ev), days(2024, 7, 11));
        assert_int_equal(mf_event_time(&f->ev), t);
}

static void test_decision_late_on_a_winter_evening_keeps_its_utc_date(void **state) {
        fixture_t *f = *state;
        mf_instant_t t = utc(2024, 1, 15, 23, 59) + 59999; /* 23:59:59.999 GMT */
        expect_ok(f, ENC_JSON, DECISION, MODS(FI("decided_at", t)));
        assert_int_equal(mf_event_date(&f->ev), days(2024, 1, 15));
}

static void test_date_only_event_in_winter_starts_at_utc_midnight(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, REFERRAL, NULL); /* 2024-01-15 */
        assert_int_equal(mf_event_date(&f->ev), days(2024, 1, 15));
        assert_int_equal(mf_event_time(&f->ev), utc(2024, 1, 15, 0, 0));
}

static void
test_date_only_event_in_summer_starts_at_2300_utc_the_day_before(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_JSON, REFERRAL, MODS(FS("referral_date", "2024-07-01")));
        assert_int_equal(mf_event_date(&f->ev), days(2024, 7, 1));
        assert_int_equal(mf_event_time(&f->ev), utc(2024, 6, 30, 23, 0));
}

static void test_event_date_of_each_date_only_type_is_its_own_date(void **state) {
        fixture_t *f = *state;
        expect_ok(f, ENC_MSGPACK, ASSESSMENT_STARTED, NULL);
        assert_int_equal(mf_event_date(&f->ev), days(2024, 1, 16));
        expect_ok(f, ENC_MSGPACK, ASSESSMENT_AUTHORISED, NULL);
        assert_int_equal(mf_event_date(&f->ev), days(2024, 3, 1));
        expect_ok(f, ENC_MSGPACK, S47_STARTED, NULL);
        assert_int_equal(mf_event_date(&f->ev), days(2024, 2, 1));
        expect_ok(f, ENC_MSGPACK, S47_OUTCOME, NULL);
        assert_int_equal(mf_event_date(&f->ev), days(2024, 2, 10));
        expect_ok(f, ENC_MSGPACK, ICPC, NULL);
        assert_int_equal(mf_event_date(&f->ev), days(2024, 2, 20));
        assert_int_equal(mf_event_time(&f->ev), utc(2024, 2, 20, 0, 0));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
            T(test_event_type_names_are_the_wire_names),
            T(test_reason_names_are_the_dead_letter_codes),
            T(test_outcome_names_are_the_wire_names),
            /* every type */
            T(test_json_decodes_contact_with_every_field),
            T(test_msgpack_decodes_contact_with_every_field),
            T(test_contact_with_optional_fields_absent),
            T(test_contact_with_optional_fields_null),
            T(test_contact_gender_codes_map_to_genders),
            T(test_contact_disability_false_is_tri_false),
            T(test_json_decodes_contact_decision),
            T(test_msgpack_decodes_contact_decision),
            T(test_contact_decision_outcomes_map_to_enum),
            T(test_json_decodes_referral_with_every_field),
            T(test_msgpack_decodes_referral_with_every_field),
            T(test_referral_with_optional_fields_absent_has_nfa_false),
            T(test_referral_with_optional_fields_null),
            T(test_json_decodes_assessment_started),
            T(test_msgpack_decodes_assessment_started),
            T(test_assessment_started_with_referral_id_absent_or_null),
            T(test_json_decodes_assessment_authorised),
            T(test_msgpack_decodes_assessment_authorised),
            T(test_assessment_authorised_with_optional_fields_absent_or_null),
            T(test_assessment_outcomes_map_to_enum),
            T(test_json_decodes_s47_started),
            T(test_msgpack_decodes_s47_started),
            T(test_s47_started_with_referral_id_absent_or_null),
            T(test_json_decodes_s47_outcome),
            T(test_msgpack_decodes_s47_outcome),
            T(test_json_decodes_icpc),
            T(test_msgpack_decodes_icpc),
            /* missing_field */
            T(test_missing_v_is_missing_field),
            T(test_missing_type_is_missing_field),
            T(test_missing_id_is_missing_field),
            T(test_missing_la_is_missing_field),
            T(test_missing_child_is_missing_field),
            T(test_empty_string_id_is_missing_field),
            T(test_empty_string_la_and_child_are_missing_field),
            T(test_empty_string_item_id_is_missing_field),
            T(test_empty_object_is_missing_field),
            T(test_contact_required_keys_are_missing_field_when_absent),
            T(test_contact_decision_required_keys_are_missing_field_when_absent),
            T(test_referral_required_keys_are_missing_field_when_absent),
            T(test_assessment_started_required_keys_are_missing_field_when_absent),
            T(test_assessment_authorised_required_keys_are_missing_field_when_absent),
            T(test_s47_started_required_keys_are_missing_field_when_absent),
            T(test_s47_outcome_required_keys_are_missing_field_when_absent),
            T(test_icpc_required_keys_are_missing_field_when_absent),
            /* precedence */
            T(test_missing_type_and_child_reports_type),
            T(test_bad_version_is_reported_before_a_missing_id),
            T(test_envelope_is_checked_before_the_type_keys),
            T(test_type_keys_are_checked_in_contract_order),
            /* wrong_type */
            T(test_string_instant_is_wrong_type),
            T(test_number_id_is_wrong_type),
            T(test_null_required_string_is_wrong_type),
            T(test_null_v_is_wrong_type),
            T(test_null_type_is_wrong_type),
            T(test_null_required_instant_is_wrong_type),
            T(test_null_required_date_is_wrong_type),
            T(test_null_required_bool_is_wrong_type),
            T(test_string_bool_is_wrong_type),
            T(test_number_bool_is_wrong_type),
            T(test_fractional_v_is_wrong_type),
            T(test_string_v_is_wrong_type),
            T(test_fractional_instant_is_wrong_type),
            T(test_number_date_is_wrong_type),
            T(test_number_type_is_wrong_type),
            T(test_number_enum_is_wrong_type),
            T(test_json_object_for_a_string_key_is_wrong_type),
            T(test_msgpack_bin_for_a_string_key_is_wrong_type),
            T(test_msgpack_string_that_is_not_utf8_is_wrong_type),
            /* bad_date */
            T(test_feb_29_in_a_common_year_is_bad_date),
            T(test_month_13_is_bad_date),
            T(test_unpadded_month_is_bad_date),
            T(test_year_2100_is_bad_date),
            T(test_year_1899_is_bad_date),
            T(test_april_31_is_bad_date),
            T(test_date_with_time_part_is_bad_date),
            T(test_bad_optional_birth_date_is_bad_date),
            T(test_first_and_last_supported_dates_are_accepted),
            T(test_leap_day_2024_is_accepted),
            T(test_leap_day_2000_is_accepted),
            /* bad_instant */
            T(test_negative_instant_is_bad_instant),
            T(test_instant_in_year_2100_is_bad_instant),
            T(test_json_instant_beyond_int64_is_bad_instant),
            T(test_msgpack_instant_beyond_int64_is_bad_instant),
            T(test_instant_0_and_last_instant_of_2099_are_accepted),
            T(test_integral_float_instant_is_accepted),
            /* unknown_type, too_long, bad_enum, bad_version */
            T(test_unknown_type_name_is_unknown_type),
            T(test_type_name_is_case_sensitive),
            T(test_type_name_with_a_suffix_is_unknown_type),
            T(test_65_byte_id_is_too_long),
            T(test_9_byte_la_is_too_long),
            T(test_9_byte_source_is_too_long),
            T(test_65_byte_child_is_too_long),
            T(test_65_byte_item_id_is_too_long),
            T(test_9_byte_ethnicity_is_too_long),
            T(test_longest_strings_are_accepted),
            T(test_json_length_limit_applies_to_unescaped_bytes),
            T(test_gender_outside_the_contract_is_bad_enum),
            T(test_gender_in_upper_case_is_bad_enum),
            T(test_decision_outcome_maybe_is_bad_enum),
            T(test_assessment_outcome_unknown_is_bad_enum),
            T(test_decision_outcome_from_the_assessment_list_is_bad_enum),
            T(test_v_0_is_bad_version),
            T(test_negative_v_is_bad_version),
            T(test_v_1_0_is_accepted),
            T(test_msgpack_float_v_1_0_is_accepted),
            T(test_json_v_written_with_many_zero_decimals_is_accepted),
            T(test_later_version_is_accepted),
            /* forward compatibility */
            T(test_unknown_scalar_keys_are_ignored),
            T(test_json_unknown_nested_objects_and_arrays_are_ignored),
            T(test_json_known_key_names_inside_nested_objects_are_not_used),
            T(test_json_record_with_many_unknown_keys_is_decoded),
            T(test_msgpack_unknown_nested_maps_and_arrays_are_ignored),
            T(test_msgpack_non_string_keys_are_ignored),
            T(test_msgpack_deeply_nested_unknown_value_is_not_out_of_memory),
            T(test_unknown_value_nested_30_deep_is_ignored),
            T(test_json_brackets_inside_strings_are_not_nesting),
            T(test_json_and_msgpack_agree_on_deep_nesting),
            T(test_json_50000_deep_nesting_is_rejected_as_bad_encoding),
            T(test_duplicate_key_last_value_wins),
            T(test_duplicate_key_with_bad_last_value_is_rejected),
            /* JSON strings */
            T(test_json_undoes_quote_and_backslash_escapes),
            T(test_json_undoes_control_and_slash_escapes),
            T(test_json_undoes_u00e9_into_two_utf8_bytes),
            T(test_json_unicode_escape_hex_is_case_insensitive),
            T(test_json_undoes_u20ac_into_three_utf8_bytes),
            T(test_json_undoes_surrogate_pair_into_four_utf8_bytes),
            T(test_json_raw_utf8_passes_through),
            T(test_json_escaped_key_names_a_known_key),
            T(test_json_lone_high_surrogate_is_bad_encoding),
            T(test_json_lone_low_surrogate_is_bad_encoding),
            T(test_json_high_surrogate_followed_by_non_surrogate_is_bad_encoding),
            T(test_json_reversed_surrogate_pair_is_bad_encoding),
            T(test_json_unknown_escape_is_bad_encoding),
            T(test_json_short_unicode_escape_is_bad_encoding),
            T(test_json_raw_control_char_in_a_string_is_bad_encoding),
            T(test_json_raw_newline_in_a_string_is_bad_encoding),
            /* JSON syntax */
            T(test_json_rejects_missing_value_as_bad_encoding),
            T(test_json_rejects_missing_colon_as_bad_encoding),
            T(test_json_rejects_missing_comma_as_bad_encoding),
            T(test_json_rejects_trailing_comma_as_bad_encoding),
            T(test_json_rejects_leading_comma_as_bad_encoding),
            T(test_json_rejects_double_comma_as_bad_encoding),
            T(test_json_rejects_number_key_as_bad_encoding),
            T(test_json_rejects_unterminated_string_as_bad_encoding),
            T(test_json_rejects_unterminated_object_as_bad_encoding),
            T(test_json_rejects_misspelt_literal_as_bad_encoding),
            T(test_json_rejects_malformed_numbers_as_bad_encoding),
            T(test_json_rejects_trailing_bytes_as_bad_encoding),
            T(test_json_rejects_nul_then_bytes_after_the_object_as_bad_encoding),
            T(test_json_rejects_empty_input_as_bad_encoding),
            T(test_json_rejects_nested_member_without_value_as_bad_encoding),
            T(test_json_rejects_trailing_comma_in_nested_object_as_bad_encoding),
            T(test_json_rejects_nested_array_without_commas_as_bad_encoding),
            T(test_json_rejects_trailing_comma_in_nested_array_as_bad_encoding),
            T(test_json_rejects_colon_inside_an_array_as_bad_encoding),
            T(test_json_rejects_comma_in_place_of_colon_as_bad_encoding),
            T(test_json_rejects_double_colon_as_bad_encoding),
            T(test_json_accepts_surrounding_whitespace),
            T(test_json_accepts_whitespace_between_tokens),
            /* not_a_map */
            T(test_json_array_is_not_a_map),
            T(test_json_string_is_not_a_map),
            T(test_json_number_is_not_a_map),
            T(test_json_literal_is_not_a_map),
            T(test_msgpack_array_is_not_a_map),
            T(test_msgpack_scalars_are_not_a_map),
            /* MessagePack bytes and streams */
            T(test_msgpack_never_used_byte_is_bad_encoding),
            T(test_msgpack_empty_buffer_is_range),
            T(test_msgpack_truncated_object_is_range),
            T(test_msgpack_two_objects_back_to_back_decode_in_turn),
            T(test_msgpack_second_object_cut_short_is_range),
            T(test_msgpack_rejected_record_spans_only_its_object),
            T(test_msgpack_too_deep_record_in_a_stream_takes_the_rest_of_the_buffer),
            T(test_msgpack_garbage_after_an_object_uses_the_rest_of_the_buffer),
            T(test_decoder_reused_over_10000_records_stays_right),
            T(test_reject_detail_never_contains_the_value),
            /* event time and date */
            T(test_contact_at_2330_utc_on_31_march_2024_is_dated_1_april),
            T(test_contact_before_the_clocks_change_keeps_its_utc_date),
            T(test_decision_late_on_a_summer_evening_is_dated_next_day),
            T(test_decision_late_on_a_winter_evening_keeps_its_utc_date),
            T(test_date_only_event_in_winter_starts_at_utc_midnight),
            T(test_date_only_event_in_summer_starts_at_2300_utc_the_day_before),
            T(test_event_date_of_each_date_only_type_is_its_own_date),
        };
        return cmocka_run_group_tests(tests, group_setup, NULL);
}
