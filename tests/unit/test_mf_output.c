/* mf_output: output records (EVENTS.md "Outputs") in JSON and MessagePack,
 * and their Kafka keys. Expected bytes are written out by hand. */
#include "mf_test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include <msgpack.h>
#define JSMN_STRICT
#define JSMN_STATIC
#include <jsmn.h>

#include "mf_output.h"
#include "mf_store.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so that expectations do not come from mf_time. */
static mf_date_t days(int y, int m, int d) {
        y -= m <= 2;
        int era = (y >= 0 ? y : y - 399) / 400;
        int yoe = y - era * 400;
        int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

typedef struct {
        mf_buf_t buf;
        msgpack_zone zone;
        mf_store_t *store;
} fixture_t;

static int setup(void **state) {
        fixture_t *f = calloc(1, sizeof(*f));
        if (!f)
                return -1;
        mf_buf_init(&f->buf);
        msgpack_zone_init(&f->zone, 4096);
        f->store = mf_store_new(MF_STR_LIT("302"));
        if (!f->store)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        fixture_t *f = *state;
        mf_buf_destroy(&f->buf);
        msgpack_zone_destroy(&f->zone);
        mf_store_free(f->store);
        free(f);
        return 0;
}

#define ASSERT_BUF_LIT(b, lit)                                                       \
        do {                                                                         \
                static const char expect_[] = lit;                                   \
                if ((b)->len != sizeof(expect_) - 1 ||                               \
                    memcmp((b)->data, expect_, sizeof(expect_) - 1) != 0)            \
                        fail_msg("got    %.*s\nexpect %s", (int)(b)->len, (b)->data, \
                                 expect_);                                           \
        } while (0)

/* ---- records ---- */

/* A first referral: every optional field empty. */
static mf_referral_out_t plain_referral(void) {
        mf_referral_out_t r;
        memset(&r, 0, sizeof(r));
        r.la = MF_STR_LIT("302");
        r.referral_id = MF_STR_LIT("R1");
        r.child = MF_STR_LIT("C1");
        r.referral_date = days(2024, 1, 15);
        r.source = MF_STR_NULL;
        r.contact_id = MF_STR_NULL;
        r.nfa = false;
        r.previous_referrals_12m = 0;
        r.previous_referral_date = MF_DATE_NONE;
        r.revision = 0;
        return r;
}

/* A corrected re-referral: every field set. */
static mf_referral_out_t full_referral(void) {
        mf_referral_out_t r = plain_referral();
        r.la = MF_STR_LIT("9999");
        r.referral_id = MF_STR_LIT("REF-77");
        r.child = MF_STR_LIT("child-12");
        r.referral_date = days(2024, 2, 29);
        r.source = MF_STR_LIT("1A");
        r.contact_id = MF_STR_LIT("CON-5");
        r.nfa = true;
        r.previous_referrals_12m = 2;
        r.previous_referral_date = days(2023, 3, 1);
        r.revision = 3;
        return r;
}

static mf_deadletter_out_t deadletter(void) {
        mf_deadletter_out_t d;
        memset(&d, 0, sizeof(d));
        d.la = MF_STR_LIT("302");
        d.reason = MF_REASON_MISSING_FIELD;
        d.detail = "key 'id' is missing";
        d.topic = MF_STR_LIT("mashflow.events");
        d.partition = 3;
        d.offset = 12345;
        d.payload = MF_STR_LIT("hi\n");
        return d;
}

static mf_output_t referral_output(const mf_referral_out_t *r) {
        mf_output_t o = {.kind = MF_OUT_REFERRAL};
        o.u.referral = r;
        return o;
}

static mf_output_t deadletter_output(const mf_deadletter_out_t *d) {
        mf_output_t o = {.kind = MF_OUT_DEADLETTER};
        o.u.deadletter = d;
        return o;
}

static mf_output_t indicators_output(const mf_indicators_out_t *io) {
        mf_output_t o = {.kind = MF_OUT_INDICATORS};
        o.u.indicators = io;
        return o;
}

/* Figures for an authority, set by hand. */
static void hand_indicators(mf_indicators_t *ind) {
        memset(ind, 0, sizeof(*ind));
        strcpy(ind->la, "302");
        ind->as_of = days(2023, 11, 7);
        ind->population = 100000;
        ind->contacts_6m = 500;
        ind->children_multiple_contacts_6m = 17;
        ind->referrals_6m = 3;
        ind->contact_decisions_in_time_6m = (mf_ratio_t){1, 3};
        ind->contact_to_referral_6m = (mf_ratio_t){0, 0};
        ind->rereferral_6m = (mf_ratio_t){183, 1408};
        ind->rereferral_children_6m = (mf_ratio_t){2, 3};
        ind->assessments_in_time_6m = (mf_ratio_t){4, 4};
        ind->assessment_wd_sum = 10; /* over 4 assessments: mean 2.5 */
        ind->icpc_in_time_6m = (mf_ratio_t){0, 7};
        ind->children_by_previous_referrals_6m[0] = 1201;
        ind->children_by_previous_referrals_6m[1] = 167;
        ind->children_by_previous_referrals_6m[4] = 2;
        ind->assessment_duration_bands_6m[MF_BAND_41_45] = 9;
        ind->breakdown[MF_BD_CONTACTS].gender[MF_GENDER_MALE] = 250;
        ind->breakdown[MF_BD_CONTACTS].gender[MF_GENDER_FEMALE] = 235;
        ind->breakdown[MF_BD_CONTACTS].gender[MF_GENDER_OTHER] = 15;
        ind->breakdown[MF_BD_CONTACTS].ethnicity[MF_ETH_WHITE] = 4;
        ind->breakdown[MF_BD_CONTACTS].ethnicity[MF_ETH_NOT_RECORDED] = 1;
}

/* ---- a small JSON reader over jsmn ---- */

typedef struct {
        const char *js;
        jsmntok_t t[4096];
        int n;
} json_t;

static void json_parse(json_t *j, const char *js, size_t len) {
        jsmn_parser p;
        jsmn_init(&p);
        j->js = js;
        j->n = jsmn_parse(&p, js, len, j->t, MF_ARRAY_LEN(j->t));
        if (j->n <= 0)
                fail_msg("not JSON (jsmn %d): %.*s", j->n, (int)len, js);
        /* One value, spanning the record up to its newline. */
        assert_int_equal(j->t[0].start, 0);
        assert_int_equal((size_t)j->t[0].end, len - 1);
        assert_int_equal(js[len - 1], '\n');
}

/* The token after the subtree at i. */
static int json_skip(const json_t *j, int i) {
        int k = i + 1;
        while (k < j->n && j->t[k].start < j->t[i].end)
                k++;
        return k;
}

static bool tok_is(const json_t *j, int i, const char *s) {
        size_t n = (size_t)(j->t[i].end - j->t[i].start);
        return n == strlen(s) && memcmp(j->js + j->t[i].start, s, n) == 0;
}

/* The value token of key in the object at obj; fails when absent. */
static int json_get(const json_t *j, int obj, const char *key) {
        assert_int_equal(j->t[obj].type, JSMN_OBJECT);
        int i = obj + 1;
        for (int m = 0; m < j->t[obj].size; m++) {
                if (j->t[i].type == JSMN_STRING && tok_is(j, i, key))
                        return i + 1;
                i = json_skip(j, i + 1);
        }
        fail_msg("no key %s", key);
        return -1;
}

static void assert_json_value(const json_t *j, int i, const char *text) {
        if (!tok_is(j, i, text))
                fail_msg("got %.*s, expected %s", j->t[i].end - j->t[i].start,
                         j->js + j->t[i].start, text);
}

/* ---- MessagePack helpers ---- */

static msgpack_object unpack_one(fixture_t *f, const char *buf, size_t len) {
        size_t off = 0;
        msgpack_object obj;
        assert_int_equal(msgpack_unpack(buf, len, &off, &f->zone, &obj),
                         MSGPACK_UNPACK_SUCCESS);
        assert_int_equal(off, len);
        return obj;
}

static bool mp_str_is(const msgpack_object *o, const char *s) {
        return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
               memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

static const msgpack_object *mp_get(const msgpack_object *map, const char *key) {
        assert_int_equal(map->type, MSGPACK_OBJECT_MAP);
        for (uint32_t i = 0; i < map->via.map.size; i++)
                if (mp_str_is(&map->via.map.ptr[i].key, key))
                        return &map->via.map.ptr[i].val;
        fail_msg("no key %s", key);
        return NULL;
}

static void assert_mp_key_at(const msgpack_object *map, uint32_t i, const char *key) {
        if (!mp_str_is(&map->via.map.ptr[i].key, key))
                fail_msg("key %u is not %s", i, key);
}

static void assert_mp_str(const msgpack_object *o, const char *s) {
        if (!mp_str_is(o, s))
                fail_msg("value is not the string %s", s);
}

static void assert_mp_uint(const msgpack_object *o, uint64_t v) {
        assert_int_equal(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
        assert_int_equal(o->via.u64, v);
}

static void assert_mp_bool(const msgpack_object *o, bool b) {
        assert_int_equal(o->type, MSGPACK_OBJECT_BOOLEAN);
        assert_int_equal(o->via.boolean, b);
}

static void assert_mp_nil(const msgpack_object *o) {
        assert_int_equal(o->type, MSGPACK_OBJECT_NIL);
}

static void assert_mp_double(const msgpack_object *o, double v) {
        assert_true(o->type == MSGPACK_OBJECT_FLOAT64 ||
                    o->type == MSGPACK_OBJECT_FLOAT32);
        if (o->via.f64 != v)
                fail_msg("got %.9f, expected %.9f", o->via.f64, v);
}

/* ---- type names ---- */

static void test_output_type_names_are_the_wire_names(void **state) {
        (void)state;
        assert_string_equal(mf_output_type_name(MF_OUT_REFERRAL), "referral_enriched");
        assert_string_equal(mf_output_type_name(MF_OUT_INDICATORS), "indicators");
        assert_string_equal(mf_output_type_name(MF_OUT_DEADLETTER), "deadletter");
}

/* ---- referral_enriched ---- */

static void test_referral_json_with_empty_optionals_writes_nulls(void **state) {
        fixture_t *f = *state;
        mf_referral_out_t r = plain_referral();
        mf_output_t o = referral_output(&r);
        assert_int_equal(mf_output_json(&f->buf, &o), MF_OK);
        ASSERT_BUF_LIT(
            &f->buf,
            "{\"v\":1,\"type\":\"referral_enriched\",\"la\":\"302\","
            "\"referral_id\":\"R1\",\"child\":\"C1\",\"referral_date\":\"2024-01-15\","
            "\"source\":null,\"contact_id\":null,\"nfa\":false,"
            "\"previous_referrals_12m\":0,\"rereferral\":false,"
            "\"previous_referral_date\":null,\"revision\":0}\n");
}

static void test_referral_json_with_every_field_set(void **state) {
        fixture_t *f = *state;
        mf_referral_out_t r = full_referral();
        mf_output_t o = referral_output(&r);
        assert_int_equal(mf_output_json(&f->buf, &o), MF_OK);
        ASSERT_BUF_LIT(
            &f->buf, "{\"v\":1,\"type\":\"referral_enriched\",\"la\":\"9999\","
                     "\"referral_id\":\"REF-77\",\"child\":\"child-12\","
                     "\"referral_date\":\"2024-02-29\",\"source\":\"1A\","
                     "\"contact_id\":\"CON-5\",\"nfa\":true,\"previous_referrals_12m\":2,"
                     "\"rereferral\":true,\"previous_referral_date\":\"2023-03-01\","
                     "\"revision\":3}\n");
}

static void test_referral_json_escapes_strings(void **state) {
        fixture_t *f = *state;
        mf_referral_out_t r = plain_referral();
        r.child = MF_STR_LIT("c\"1\\\n");
        mf_output_t o = referral_output(&r);
        assert_int_equal(mf_output_json(&f->buf, &o), MF_OK);
        static const char want[] = "\"child\":\"c\\\"1\\\\\\n\",";
        assert_non_null(memmem(f->buf.data, f->buf.len, want, sizeof(want) - 1));
}

static void test_referral_json_appends_to_what_the_buffer_holds(void **state) {
        fixture_t *f = *state;
        mf_referral_out_t r = plain_referral();
        mf_output_t o = referral_output(&r);
        assert_int_equal(mf_output_json(&f->buf, &o), MF_OK);
        size_t one = f->buf.len;
        assert_int_equal(mf_output_json(&f->buf, &o), MF_OK);
        /* Two identical lines: the same record encodes to the same bytes. */
        assert_int_equal(f->buf.len, 2 * one);
        assert_memory_equal(f->buf.data, f->buf.data + one, one);
}

static void test_referral_json_with_date_before_1970(void **state) {
        fixture_t *f = *state;
        mf_referral_out_t r = plain_referral();
        r.previous_referral_date = days(1969, 12, 31);
        mf_output_t o = referral_output(&r);
        assert_int_equal(mf_output_json(&f->buf, &o), MF_OK);
        static const char want[] = "\"previous_referral_date\":\"1969-12-31\"";
        assert_non_null(memmem(f->buf.data, f->buf.len, want, sizeof(want) - 1));
}

static void test_referral_msgpack_has_the_json_keys_and_values_in_order(void **state) {
        fixture_t *f = *state;
        mf_referral_out_t r = full_referral();
        mf_output_t o = referral_output(&r);
        assert_int_equal(mf_output_msgpack(&f->buf, &o), MF_OK);
        msgpack_object m = unpack_one(f, f->buf.data, f->buf.len);
        assert_int_equal(m.type, MSGPACK_OBJECT_MAP);
        assert_int_equal(m.via.map.size, 13);
        static const char *const keys[13] = {"v",          "type",
                                             "la",         "referral_id",
                                             "child",      "referral_date",
                                             "source",     "contact_id",
                                             "nfa",        "previous_referrals_12m",
                                             "rereferral", "previous_referral_date",
                                             "revision"};
        for (uint32_t i = 0; i < 13; i++)
                assert_mp_key_at(&m, i, keys[i]);
        assert_mp_uint(mp_get(&m, "v"), 1);
        assert_mp_str(mp_get(&m, "type"), "referral_enriched");
        assert_mp_str(mp_get(&m, "la"), "9999");
        assert_mp_str(mp_get(&m, "referral_id"), "REF-77");
        assert_mp_str(mp_get(&m, "child"), "child-12");
        assert_mp_str(mp_get(&m, "referral_date"), "2024-02-29");
        assert_mp_str(mp_get(&m, "source"), "1A");
        assert_mp_str(mp_get(&m, "contact_id"), "CON-5");
        assert_mp_bool(mp_get(&m, "nfa"), true);
        assert_mp_uint(mp_get(&m, "previous_referrals_12m"), 2);
        assert_mp_bool(mp_get(&m, "rereferral"), true);
        assert_mp_str(mp_get(&m, "previous_referral_date"), "2023-03-01");
        assert_mp_uint(mp_get(&m, "revision"), 3);
}

static void test_referral_msgpack_with_empty_optionals_writes_nils(void **state) {
        fixture_t *f = *state;
        mf_referral_out_t r = plain_referral();
        mf_output_t o = referral_output(&r);
        assert_int_equal(mf_output_msgpack(&f->buf, &o), MF_OK);
        msgpack_object m = unpack_one(f, f->buf.data, f->buf.len);
        assert_int_equal(m.via.map.size, 13);
        assert_mp_nil(mp_get(&m, "source"));
        assert_mp_nil(mp_get(&m, "contact_id"));
        assert_mp_nil(mp_get(&m, "previous_referral_date"));
        assert_mp_bool(mp_get(&m, "nfa"), false);
        assert_mp_bool(mp_get(&m, "rereferral"), false);
        assert_mp_uint(mp_get(&m, "previous_referrals_12m"), 0);
        assert_mp_uint(mp_get(&m, "revision"), 0);
        assert_mp_str(mp_get(&m, "referral_date"), "2024-01-15");
}

static void test_referral_msgpack_has_no_newline(void **state) {
        fixture_t *f = *state;
        mf_referral_out_t r = plain_referral();
        mf_output_t o = referral_output(&r);
        assert_int_equal(mf_output_msgpack(&f->buf, &o), MF_OK);
        size_t off = 0;
        msgpack_object obj;
        /* The map is the whole output: nothing is left after it. */
        assert_int_equal(msgpack_unpack(f->buf.data, f->buf.len, &off, &f->zone, &obj),
                         MSGPACK_UNPACK_SUCCESS);
        assert_int_equal(off, f->buf.len);
}

static void test_referral_key_is_la_colon_referral_id(void **state) {
        fixture_t *f = *state;
        mf_referral_out_t r = full_referral();
        mf_output_t o = referral_output(&r);
        assert_int_equal(mf_output_key(&f->buf, &o), MF_OK);
        ASSERT_BUF_LIT(&f->buf, "9999:REF-77");
}

/* ---- deadletter ---- */

static void test_deadletter_json_has_payload_in_base64(void **state) {
        fixture_t *f = *state;
        mf_deadletter_out_t d = deadletter();
        mf_output_t o = deadletter_output(&d);
        mf_err_t rc = mf_output_json(&f->buf, &o);
        ASSERT_BUF_LIT(&f->buf,
                       "{\"v\":1,\"type\":\"deadletter\",\"la\":\"302\","
                       "\"reason\":\"missing_field\",\"detail\":\"key 'id' is missing\","
                       "\"topic\":\"mashflow.events\",\"partition\":3,"
                       "\"offset\":12345,\"payload\":\"aGkK\"}\n");
        assert_int_equal(rc, MF_OK);
}

static void check_base64(fixture_t *f, const char *bytes, size_t n, const char *b64) {
        mf_deadletter_out_t d = deadletter();
        d.payload = mf_str(bytes, n);
        mf_output_t o = deadletter_output(&d);
        mf_buf_reset(&f->buf);
        mf_err_t rc = mf_output_json(&f->buf, &o);
        char want[128];
        snprintf(want, sizeof(want), "\"payload\":\"%s\"}\n", b64);
        size_t wl = strlen(want);
        assert_true(f->buf.len >= wl);
        if (memcmp(f->buf.data + f->buf.len - wl, want, wl) != 0)
                fail_msg("got %.*s, expected ...%s", (int)f->buf.len, f->buf.data, want);
        assert_int_equal(rc, MF_OK);
}

static void test_deadletter_json_base64_pads_one_byte(void **state) {
        check_base64(*state, "h", 1, "aA==");
}

static void test_deadletter_json_base64_pads_two_bytes(void **state) {
        check_base64(*state, "hi", 2, "aGk=");
}

static void test_deadletter_json_base64_of_empty_payload_is_empty(void **state) {
        check_base64(*state, "", 0, "");
}

static void test_deadletter_json_base64_of_binary_bytes(void **state) {
        check_base64(*state, "\x00\xff\x10\xc1", 4, "AP8QwQ==");
}

static void test_deadletter_json_base64_of_a_large_payload(void **state) {
        fixture_t *f = *state;
        /* 3000 bytes of 'M','a','n' encode to 1000 times "TWFu". */
        static char src[3000];
        for (int i = 0; i < 3000; i += 3)
                memcpy(src + i, "Man", 3);
        mf_deadletter_out_t d = deadletter();
        d.payload = mf_str(src, 3000);
        mf_output_t o = deadletter_output(&d);
        mf_err_t rc = mf_output_json(&f->buf, &o);
        const char *p = memmem(f->buf.data, f->buf.len, "\"payload\":\"", 11);
        assert_non_null(p);
        p += 11;
        for (int i = 0; i < 1000; i++)
                assert_memory_equal(p + 4 * i, "TWFu", 4);
        assert_memory_equal(p + 4000, "\"}\n", 3);
        assert_ptr_equal(p + 4003, f->buf.data + f->buf.len);
        assert_int_equal(rc, MF_OK);
}

static void test_deadletter_json_with_unknown_la_writes_null(void **state) {
        fixture_t *f = *state;
        mf_deadletter_out_t d = deadletter();
        d.la = MF_STR_NULL;
        mf_output_t o = deadletter_output(&d);
        mf_err_t rc = mf_output_json(&f->buf, &o);
        static const char want[] = "\"type\":\"deadletter\",\"la\":null,\"reason\":";
        assert_non_null(memmem(f->buf.data, f->buf.len, want, sizeof(want) - 1));
        assert_int_equal(rc, MF_OK);
}

static void test_deadletter_msgpack_has_payload_as_bin(void **state) {
        fixture_t *f = *state;
        mf_deadletter_out_t d = deadletter();
        mf_output_t o = deadletter_output(&d);
        assert_int_equal(mf_output_msgpack(&f->buf, &o), MF_OK);
        msgpack_object m = unpack_one(f, f->buf.data, f->buf.len);
        /* EVENTS.md: the envelope (v, type, la) and six keys of its own. */
        assert_int_equal(m.via.map.size, 9);
        static const char *const keys[9] = {"v",         "type",   "la",
                                            "reason",    "detail", "topic",
                                            "partition", "offset", "payload"};
        for (uint32_t i = 0; i < 9; i++)
                assert_mp_key_at(&m, i, keys[i]);
        const msgpack_object *p = mp_get(&m, "payload");
        assert_int_equal(p->type, MSGPACK_OBJECT_BIN);
        assert_int_equal(p->via.bin.size, 3);
        assert_memory_equal(p->via.bin.ptr, "hi\n", 3);
        assert_mp_uint(mp_get(&m, "v"), 1);
        assert_mp_str(mp_get(&m, "type"), "deadletter");
        assert_mp_str(mp_get(&m, "la"), "302");
        assert_mp_str(mp_get(&m, "reason"), "missing_field");
        assert_mp_str(mp_get(&m, "detail"), "key 'id' is missing");
        assert_mp_str(mp_get(&m, "topic"), "mashflow.events");
        assert_mp_uint(mp_get(&m, "partition"), 3);
        assert_mp_uint(mp_get(&m, "offset"), 12345);
}

static void test_deadletter_msgpack_with_unknown_la_writes_nil(void **state) {
        fixture_t *f = *state;
        mf_deadletter_out_t d = deadletter();
        d.la = MF_STR_NULL;
        mf_output_t o = deadletter_output(&d);
        assert_int_equal(mf_output_msgpack(&f->buf, &o), MF_OK);
        msgpack_object m = unpack_one(f, f->buf.data, f->buf.len);
        assert_mp_nil(mp_get(&m, "la"));
}

static void test_deadletter_key_is_topic_partition_offset(void **state) {
        fixture_t *f = *state;
        mf_deadletter_out_t d = deadletter();
        mf_output_t o = deadletter_output(&d);
        assert_int_equal(mf_output_key(&f->buf, &o), MF_OK);
        ASSERT_BUF_LIT(&f->buf, "mashflow.events:3:12345");
}

static void test_deadletter_key_with_a_large_offset(void **state) {
        fixture_t *f = *state;
        mf_deadletter_out_t d = deadletter();
        d.partition = 0;
        d.offset = 9007199254740993LL;
        mf_output_t o = deadletter_output(&d);
        assert_int_equal(mf_output_key(&f->buf, &o), MF_OK);
        ASSERT_BUF_LIT(&f->buf, "mashflow.events:0:9007199254740993");
}

/* ---- indicators ---- */

static void encode_indicators_json(fixture_t *f, const mf_indicators_t *ind, json_t *j) {
        mf_indicators_out_t io = {ind, f->store, 1699353600000LL};
        mf_output_t o = indicators_output(&io);
        assert_int_equal(mf_output_json(&f->buf, &o), MF_OK);
        json_parse(j, f->buf.data, f->buf.len);
}

static msgpack_object encode_indicators_msgpack(fixture_t *f,
                                                const mf_indicators_t *ind) {
        mf_indicators_out_t io = {ind, f->store, 1699353600000LL};
        mf_output_t o = indicators_output(&io);
        assert_int_equal(mf_output_msgpack(&f->buf, &o), MF_OK);
        return unpack_one(f, f->buf.data, f->buf.len);
}

/* Small-number suppression: counts from 1 to 9 withheld as "c", and every
 * figure computed from one; zero and larger counts as they are. */
static void
test_indicators_suppression_withholds_small_counts_and_what_uses_them(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        mf_indicators_out_t io = {&ind, f->store, 1699353600000LL};
        mf_output_t o = indicators_output(&io);
        mf_output_opts_t opts = {.json = true, .suppress_below = 10};
        assert_int_equal(mf_output_encode(&f->buf, &o, &opts), MF_OK);
        json_parse(&j, f->buf.data, f->buf.len);
        assert_json_value(&j, json_get(&j, 0, "contacts_6m"), "500");
        assert_json_value(&j, json_get(&j, 0, "children_multiple_contacts_6m"), "17");
        assert_json_value(&j, json_get(&j, 0, "referrals_6m"), "c");
        assert_json_value(&j, json_get(&j, 0, "assessments_open"), "0");
        /* 1/3 and 2/3: both withheld; 183/1408 shown; 4/4 and 0/7 withheld. */
        assert_json_value(&j, json_get(&j, 0, "contact_decisions_in_time_pct_6m"), "c");
        assert_json_value(&j, json_get(&j, 0, "rereferral_pct_6m"), "12.997159");
        assert_json_value(&j, json_get(&j, 0, "rereferral_children_pct_6m"), "c");
        assert_json_value(&j, json_get(&j, 0, "assessments_in_time_pct_6m"), "c");
        assert_json_value(&j, json_get(&j, 0, "icpc_in_time_pct_6m"), "c");
        assert_json_value(&j, json_get(&j, 0, "assessment_mean_wd_6m"), "c");
        int prev = json_get(&j, 0, "children_by_previous_referrals_6m");
        assert_json_value(&j, json_get(&j, prev, "0"), "1201");
        assert_json_value(&j, json_get(&j, prev, "4+"), "c");
        assert_json_value(&j, json_get(&j, prev, "2"), "0");
        int bands = json_get(&j, 0, "assessment_duration_bands_6m");
        assert_json_value(&j, json_get(&j, bands, "41_45"), "c");
        int ratios = json_get(&j, 0, "ratios");
        int rr = json_get(&j, ratios, "rereferral_pct_6m");
        assert_json_value(&j, json_get(&j, rr, "num"), "183");
        int cd = json_get(&j, ratios, "contact_decisions_in_time_pct_6m");
        assert_json_value(&j, json_get(&j, cd, "num"), "c");
        assert_json_value(&j, json_get(&j, cd, "den"), "c");
        int rates = json_get(&j, 0, "per_10k");
        assert_json_value(&j, json_get(&j, rates, "contacts_6m"), "100");
        assert_json_value(&j, json_get(&j, rates, "referrals_6m"), "c");
        int bd = json_get(&j, 0, "breakdowns");
        int contacts = json_get(&j, bd, "contacts_6m");
        int eth = json_get(&j, contacts, "ethnicity");
        assert_json_value(&j, json_get(&j, eth, "white"), "c");
        int gender = json_get(&j, contacts, "gender");
        assert_json_value(&j, json_get(&j, gender, "male"), "250");
}

/* Without a threshold, and for other record types, nothing changes. */
static void test_suppression_off_or_other_types_change_nothing(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        hand_indicators(&ind);
        mf_indicators_out_t io = {&ind, f->store, 1699353600000LL};
        mf_output_t o = indicators_output(&io);
        mf_buf_t plain;
        mf_buf_init(&plain);
        assert_int_equal(mf_output_msgpack(&plain, &o), MF_OK);
        mf_output_opts_t off = {.json = false, .suppress_below = 1};
        assert_int_equal(mf_output_encode(&f->buf, &o, &off), MF_OK);
        assert_int_equal(f->buf.len, plain.len);
        assert_memory_equal(f->buf.data, plain.data, plain.len);
        mf_buf_destroy(&plain);
}

static void test_indicators_json_is_one_object_with_31_keys(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        encode_indicators_json(f, &ind, &j);
        assert_int_equal(j.t[0].type, JSMN_OBJECT);
        assert_int_equal(j.t[0].size, 31);
}

static void test_indicators_json_envelope_and_dates(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        encode_indicators_json(f, &ind, &j);
        assert_json_value(&j, json_get(&j, 0, "v"), "1");
        assert_json_value(&j, json_get(&j, 0, "type"), "indicators");
        assert_json_value(&j, json_get(&j, 0, "la"), "302");
        assert_json_value(&j, json_get(&j, 0, "as_of"), "2023-11-07");
        assert_json_value(&j, json_get(&j, 0, "computed_at"), "1699353600000");
        static const char start[] = "{\"v\":1,\"type\":\"indicators\",\"la\":\"302\",";
        assert_memory_equal(f->buf.data, start, sizeof(start) - 1);
}

static void test_indicators_json_counts(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        encode_indicators_json(f, &ind, &j);
        assert_json_value(&j, json_get(&j, 0, "contacts_6m"), "500");
        assert_json_value(&j, json_get(&j, 0, "children_multiple_contacts_6m"), "17");
        assert_json_value(&j, json_get(&j, 0, "referrals_6m"), "3");
        assert_json_value(&j, json_get(&j, 0, "assessments_open"), "0");
        int prev = json_get(&j, 0, "children_by_previous_referrals_6m");
        assert_int_equal(j.t[prev].size, 5);
        assert_json_value(&j, json_get(&j, prev, "0"), "1201");
        assert_json_value(&j, json_get(&j, prev, "1"), "167");
        assert_json_value(&j, json_get(&j, prev, "2"), "0");
        assert_json_value(&j, json_get(&j, prev, "4+"), "2");
        int bands = json_get(&j, 0, "assessment_duration_bands_6m");
        assert_int_equal(j.t[bands].size, 9);
        assert_json_value(&j, json_get(&j, bands, "41_45"), "9");
}

static void test_indicators_json_percentage_is_rounded_to_6_decimals(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        encode_indicators_json(f, &ind, &j);
        /* 1/3 = 33.3333333...%; 183/1408 = 12.99715909...%; 2/3 = 66.6666666...% */
        assert_json_value(&j, json_get(&j, 0, "contact_decisions_in_time_pct_6m"),
                          "33.333333");
        assert_json_value(&j, json_get(&j, 0, "rereferral_pct_6m"), "12.997159");
        assert_json_value(&j, json_get(&j, 0, "rereferral_children_pct_6m"), "66.666667");
}

static void test_indicators_json_whole_percentages_have_no_decimals(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        encode_indicators_json(f, &ind, &j);
        assert_json_value(&j, json_get(&j, 0, "assessments_in_time_pct_6m"), "100");
        assert_json_value(&j, json_get(&j, 0, "icpc_in_time_pct_6m"), "0");
}

static void test_indicators_json_ratio_with_no_denominator_is_null(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        encode_indicators_json(f, &ind, &j);
        assert_json_value(&j, json_get(&j, 0, "contact_to_referral_pct_6m"), "null");
        int ratios = json_get(&j, 0, "ratios");
        int r = json_get(&j, ratios, "contact_to_referral_pct_6m");
        assert_json_value(&j, json_get(&j, r, "num"), "0");
        assert_json_value(&j, json_get(&j, r, "den"), "0");
}

static void test_indicators_json_ratios_carry_numerator_and_denominator(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        encode_indicators_json(f, &ind, &j);
        int ratios = json_get(&j, 0, "ratios");
        assert_int_equal(j.t[ratios].size, 6);
        int r = json_get(&j, ratios, "rereferral_pct_6m");
        assert_json_value(&j, json_get(&j, r, "num"), "183");
        assert_json_value(&j, json_get(&j, r, "den"), "1408");
}

static void test_indicators_json_mean_working_days(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        encode_indicators_json(f, &ind, &j);
        assert_json_value(&j, json_get(&j, 0, "assessment_mean_wd_6m"), "2.5");
}

static void test_indicators_json_mean_with_no_assessments_is_null(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        ind.assessments_in_time_6m = (mf_ratio_t){0, 0};
        ind.assessment_wd_sum = 0;
        encode_indicators_json(f, &ind, &j);
        assert_json_value(&j, json_get(&j, 0, "assessment_mean_wd_6m"), "null");
}

static void test_indicators_json_rates_per_10k_are_annualised(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        encode_indicators_json(f, &ind, &j);
        int per = json_get(&j, 0, "per_10k");
        assert_int_equal(j.t[per].type, JSMN_OBJECT);
        /* 500 contacts in 6 months, 100,000 children: 2 * 500 / 10 = 100. */
        assert_json_value(&j, json_get(&j, per, "contacts_6m"), "100");
        /* 3 referrals: 2 * 3 * 10000 / 100000 = 0.6. */
        assert_json_value(&j, json_get(&j, per, "referrals_6m"), "0.6");
        assert_json_value(&j, json_get(&j, per, "s47_6m"), "0");
}

static void test_indicators_json_without_population_has_null_rates(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        ind.population = 0;
        encode_indicators_json(f, &ind, &j);
        assert_json_value(&j, json_get(&j, 0, "per_10k"), "null");
        assert_int_equal(j.t[0].size, 31);
}

static void test_indicators_json_breakdowns(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        static json_t j;
        hand_indicators(&ind);
        uint8_t src = mf_store_source(f->store, MF_STR_LIT("1A"));
        ind.breakdown[MF_BD_CONTACTS].source[src] = 498;
        ind.breakdown[MF_BD_CONTACTS].source[MF_SOURCE_NONE] = 2;
        encode_indicators_json(f, &ind, &j);
        int bd = json_get(&j, 0, "breakdowns");
        assert_int_equal(j.t[bd].size, 4);
        int c = json_get(&j, bd, "contacts_6m");
        int s = json_get(&j, c, "source");
        assert_int_equal(j.t[s].size, 2);
        assert_json_value(&j, json_get(&j, s, "1A"), "498");
        assert_json_value(&j, json_get(&j, s, "not_recorded"), "2");
        int g = json_get(&j, c, "gender");
        assert_json_value(&j, json_get(&j, g, "male"), "250");
        assert_json_value(&j, json_get(&j, g, "female"), "235");
        assert_json_value(&j, json_get(&j, g, "other"), "15");
        /* ChAT's order for ethnicity groups. */
        static const char eth[] =
            "\"ethnicity\":{\"white\":4,\"mixed\":0,\"asian\":0,\"black\":0,"
            "\"other\":0,\"not_stated\":0,\"not_recorded\":1}";
        assert_non_null(memmem(f->buf.data, f->buf.len, eth, sizeof(eth) - 1));
        int r = json_get(&j, bd, "referrals_6m");
        assert_int_equal(j.t[json_get(&j, r, "source")].size, 0);
}

static void test_indicators_msgpack_map_has_31_keys(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        hand_indicators(&ind);
        msgpack_object m = encode_indicators_msgpack(f, &ind);
        assert_int_equal(m.type, MSGPACK_OBJECT_MAP);
        assert_int_equal(m.via.map.size, 31);
        /* No key twice. */
        for (uint32_t a = 0; a < 31; a++)
                for (uint32_t b = a + 1; b < 31; b++) {
                        const msgpack_object *ka = &m.via.map.ptr[a].key;
                        const msgpack_object *kb = &m.via.map.ptr[b].key;
                        assert_int_equal(ka->type, MSGPACK_OBJECT_STR);
                        assert_false(
                            ka->via.str.size == kb->via.str.size &&
                            !memcmp(ka->via.str.ptr, kb->via.str.ptr, ka->via.str.size));
                }
}

static void test_indicators_msgpack_values(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        hand_indicators(&ind);
        msgpack_object m = encode_indicators_msgpack(f, &ind);
        assert_mp_uint(mp_get(&m, "v"), 1);
        assert_mp_str(mp_get(&m, "type"), "indicators");
        assert_mp_str(mp_get(&m, "la"), "302");
        assert_mp_str(mp_get(&m, "as_of"), "2023-11-07");
        assert_mp_uint(mp_get(&m, "computed_at"), 1699353600000ULL);
        assert_mp_uint(mp_get(&m, "contacts_6m"), 500);
        assert_mp_double(mp_get(&m, "contact_decisions_in_time_pct_6m"), 33.333333);
        assert_mp_double(mp_get(&m, "rereferral_pct_6m"), 12.997159);
        assert_mp_nil(mp_get(&m, "contact_to_referral_pct_6m"));
        assert_mp_double(mp_get(&m, "assessment_mean_wd_6m"), 2.5);
        const msgpack_object *per = mp_get(&m, "per_10k");
        assert_int_equal(per->type, MSGPACK_OBJECT_MAP);
        assert_int_equal(per->via.map.size, 6);
        assert_mp_double(mp_get(per, "contacts_6m"), 100.0);
        assert_mp_double(mp_get(per, "referrals_6m"), 0.6);
        const msgpack_object *ratios = mp_get(&m, "ratios");
        assert_int_equal(ratios->via.map.size, 6);
        const msgpack_object *rr = mp_get(ratios, "rereferral_pct_6m");
        assert_mp_uint(mp_get(rr, "num"), 183);
        assert_mp_uint(mp_get(rr, "den"), 1408);
}

static void test_indicators_msgpack_without_population_has_nil_rates(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        hand_indicators(&ind);
        ind.population = 0;
        msgpack_object m = encode_indicators_msgpack(f, &ind);
        assert_int_equal(m.via.map.size, 31);
        assert_mp_nil(mp_get(&m, "per_10k"));
}

static void test_indicators_msgpack_breakdown_source_map(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        hand_indicators(&ind);
        uint8_t a = mf_store_source(f->store, MF_STR_LIT("2A"));
        uint8_t b = mf_store_source(f->store, MF_STR_LIT("5A"));
        ind.breakdown[MF_BD_S47].source[a] = 4;
        ind.breakdown[MF_BD_S47].source[b] = 6;
        msgpack_object m = encode_indicators_msgpack(f, &ind);
        const msgpack_object *s =
            mp_get(mp_get(mp_get(&m, "breakdowns"), "s47_6m"), "source");
        assert_int_equal(s->via.map.size, 2);
        assert_mp_uint(mp_get(s, "2A"), 4);
        assert_mp_uint(mp_get(s, "5A"), 6);
}

static void test_indicators_key_is_la(void **state) {
        fixture_t *f = *state;
        static mf_indicators_t ind;
        hand_indicators(&ind);
        mf_indicators_out_t io = {&ind, f->store, 0};
        mf_output_t o = indicators_output(&io);
        assert_int_equal(mf_output_key(&f->buf, &o), MF_OK);
        ASSERT_BUF_LIT(&f->buf, "302");
}

/* An alert's key names its authority, item and alert: la:item_type:item_id:kind. */
static void test_alert_key_names_authority_item_and_alert(void **state) {
        fixture_t *f = *state;
        mf_alert_out_t a = {.la = MF_STR_LIT("302"),
                            .kind = MF_ALERT_OVERDUE,
                            .item_kind = 2,
                            .item_id = MF_STR_LIT("A-17"),
                            .child = MF_STR_LIT("C-1")};
        mf_output_t o = {.kind = MF_OUT_ALERT, .u.alert = &a};
        assert_int_equal(mf_output_key(&f->buf, &o), MF_OK);
        ASSERT_BUF_LIT(&f->buf, "302:assessment:A-17:overdue");
        mf_buf_reset(&f->buf);
        a.kind = MF_ALERT_DUE_SOON;
        a.item_kind = 0;
        a.item_id = MF_STR_LIT("CT-9");
        assert_int_equal(mf_output_key(&f->buf, &o), MF_OK);
        ASSERT_BUF_LIT(&f->buf, "302:contact:CT-9:due_soon");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
            T(test_output_type_names_are_the_wire_names),
            T(test_alert_key_names_authority_item_and_alert),
            T(test_referral_json_with_empty_optionals_writes_nulls),
            T(test_referral_json_with_every_field_set),
            T(test_referral_json_escapes_strings),
            T(test_referral_json_appends_to_what_the_buffer_holds),
            T(test_referral_json_with_date_before_1970),
            T(test_referral_msgpack_has_the_json_keys_and_values_in_order),
            T(test_referral_msgpack_with_empty_optionals_writes_nils),
            T(test_referral_msgpack_has_no_newline),
            T(test_referral_key_is_la_colon_referral_id),
            T(test_deadletter_json_has_payload_in_base64),
            T(test_deadletter_json_base64_pads_one_byte),
            T(test_deadletter_json_base64_pads_two_bytes),
            T(test_deadletter_json_base64_of_empty_payload_is_empty),
            T(test_deadletter_json_base64_of_binary_bytes),
            T(test_deadletter_json_base64_of_a_large_payload),
            T(test_deadletter_json_with_unknown_la_writes_null),
            T(test_deadletter_msgpack_has_payload_as_bin),
            T(test_deadletter_msgpack_with_unknown_la_writes_nil),
            T(test_deadletter_key_is_topic_partition_offset),
            T(test_deadletter_key_with_a_large_offset),
            T(test_indicators_suppression_withholds_small_counts_and_what_uses_them),
            T(test_suppression_off_or_other_types_change_nothing),
            T(test_indicators_json_is_one_object_with_31_keys),
            T(test_indicators_json_envelope_and_dates),
            T(test_indicators_json_counts),
            T(test_indicators_json_percentage_is_rounded_to_6_decimals),
            T(test_indicators_json_whole_percentages_have_no_decimals),
            T(test_indicators_json_ratio_with_no_denominator_is_null),
            T(test_indicators_json_ratios_carry_numerator_and_denominator),
            T(test_indicators_json_mean_working_days),
            T(test_indicators_json_mean_with_no_assessments_is_null),
            T(test_indicators_json_rates_per_10k_are_annualised),
            T(test_indicators_json_without_population_has_null_rates),
            T(test_indicators_json_breakdowns),
            T(test_indicators_msgpack_map_has_31_keys),
            T(test_indicators_msgpack_values),
            T(test_indicators_msgpack_without_population_has_nil_rates),
            T(test_indicators_msgpack_breakdown_source_map),
            T(test_indicators_key_is_la),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
