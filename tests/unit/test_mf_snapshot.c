/* mf_snapshot: a pipeline saved part-way through a stream and loaded into a
 * fresh one carries on exactly as the original: every output byte the same. */
#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

#include "mf_buf.h"
#include "mf_snapshot.h"
#include "mf_test_util.h"

/* ---- a stream that reaches every kind of state ---- */

#define NEVENTS 30000
#define NCHILD  1500
#define NITEMS  4000
#define DAY_MS  86400000LL

/* Strings the events point into: one slot per event. */
typedef struct {
        char id[24], child[16], item[16], other[16], contact[16];
} ev_strs_t;

typedef struct {
        mf_event_t ev[NEVENTS];
        ev_strs_t s[NEVENTS];
        mf_instant_t tick[NEVENTS]; /* a tick before the event, or NONE */
} stream_t;

static uint64_t rng(uint64_t *x) {
        *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
        return *x;
}

static const char *const sources[] = {"police", "school", "health", "la", "anon", ""};
static const char *const eth[] = {"WBRI", "ABAN", "MWBC", "BAFR", "REFU", "XXXX", ""};

/* About 2.7 years of one authority's events, in order with some late and
 * corrected ones, duplicates (the same event id again) and events dated
 * before the horizon, so that sweeps, dedupe and every alert run. */
static stream_t *make_stream(void) {
        stream_t *st = calloc(1, sizeof(*st));
        assert_non_null(st);
        uint64_t x = 0x9e3779b97f4a7c15ULL;
        mf_instant_t t0 = mf_test_utc("2022-01-03T09:00:00");
        for (int i = 0; i < NEVENTS; i++) {
                ev_strs_t *s = &st->s[i];
                mf_instant_t at = t0 + (mf_instant_t)i * (DAY_MS * 1000 / NEVENTS) +
                                  (mf_instant_t)(rng(&x) % 3600000);
                st->tick[i] = rng(&x) % 50 == 0 ? at + (mf_instant_t)(rng(&x) % DAY_MS)
                                                : MF_INSTANT_NONE;
                if (i > 10 && rng(&x) % 40 == 0) { /* the same event again */
                        st->ev[i] = st->ev[i - 1 - (int)(rng(&x) % 10)];
                        continue;
                }
                unsigned item = (unsigned)(rng(&x) % NITEMS) + (unsigned)i / 8;
                snprintf(s->id, sizeof(s->id), "e%d", i);
                snprintf(s->child, sizeof(s->child), "c%u",
                         (unsigned)(rng(&x) % NCHILD) + (unsigned)i / 20);
                snprintf(s->other, sizeof(s->other), "r%u", item / 2);
                snprintf(s->contact, sizeof(s->contact), "k%u", item);
                mf_date_t day = mf_civil_date(at);
                if (rng(&x) % 30 == 0)
                        day -= (mf_date_t)(rng(&x) % 900); /* late, maybe too late */
                mf_event_t ev;
                memset(&ev, 0, sizeof(ev));
                ev.v = 1;
                ev.la = MF_STR_LIT(MF_TEST_LA);
                ev.type = (mf_event_type_t)(rng(&x) % MF_EV__COUNT);
                const char *prefix = "k";
                switch (ev.type) {
                        case MF_EV_CONTACT:
                                ev.u.contact.received_at =
                                    at - (mf_instant_t)(rng(&x) % 3) * DAY_MS * 40;
                                ev.u.contact.source = mf_str(sources[rng(&x) % 6], 0);
                                ev.u.contact.source.len = strlen(ev.u.contact.source.ptr);
                                ev.u.contact.gender = (mf_gender_t)(rng(&x) % 4);
                                ev.u.contact.birth_date =
                                    rng(&x) % 5 ? day - 365 * (mf_date_t)(rng(&x) % 17)
                                                : MF_DATE_NONE;
                                ev.u.contact.ethnicity = mf_str(eth[rng(&x) % 7], 0);
                                ev.u.contact.ethnicity.len =
                                    strlen(ev.u.contact.ethnicity.ptr);
                                ev.u.contact.disability = (mf_tri_t)(rng(&x) % 3);
                                break;
                        case MF_EV_CONTACT_DECISION:
                                ev.u.decision.decided_at =
                                    at + (mf_instant_t)(rng(&x) % (3 * DAY_MS));
                                ev.u.decision.outcome =
                                    (mf_decision_outcome_t)(rng(&x) % MF_OUTCOME__COUNT);
                                break;
                        case MF_EV_REFERRAL:
                                prefix = "r";
                                ev.u.referral.referral_date = day;
                                ev.u.referral.source = mf_str(sources[rng(&x) % 6], 0);
                                ev.u.referral.source.len =
                                    strlen(ev.u.referral.source.ptr);
                                if (rng(&x) % 2)
                                        ev.u.referral.contact_id =
                                            mf_str(s->contact, strlen(s->contact));
                                ev.u.referral.nfa = rng(&x) % 5 == 0;
                                break;
                        case MF_EV_ASSESSMENT_STARTED:
                                prefix = "a";
                                ev.u.assessment_started.start_date = day;
                                ev.u.assessment_started.referral_id = mf_str(s->other, 0);
                                ev.u.assessment_started.referral_id.len =
                                    strlen(s->other);
                                break;
                        case MF_EV_ASSESSMENT_AUTHORISED:
                                prefix = "a";
                                ev.u.assessment_authorised.authorised_date =
                                    day + (mf_date_t)(rng(&x) % 60);
                                ev.u.assessment_authorised.child_seen =
                                    (mf_tri_t)(rng(&x) % 3);
                                ev.u.assessment_authorised.outcome =
                                    (mf_assessment_outcome_t)(rng(&x) %
                                                              MF_AOUTCOME__COUNT);
                                break;
                        case MF_EV_S47_STARTED:
                                prefix = "s";
                                ev.u.s47_started.strategy_date = day;
                                if (rng(&x) % 3)
                                        ev.u.s47_started.referral_id =
                                            mf_str(s->other, strlen(s->other));
                                break;
                        case MF_EV_S47_OUTCOME:
                                prefix = "s";
                                ev.u.s47_outcome.completed_date =
                                    day + (mf_date_t)(rng(&x) % 20);
                                ev.u.s47_outcome.icpc_required = rng(&x) % 2;
                                break;
                        default: /* MF_EV_ICPC */
                                prefix = "s";
                                ev.u.icpc.icpc_date = day + (mf_date_t)(rng(&x) % 30);
                                ev.u.icpc.cp_plan = rng(&x) % 2;
                                break;
                }
                snprintf(s->item, sizeof(s->item), "%s%u", prefix,
                         ev.type <= MF_EV_CONTACT_DECISION ? item : item / 2);
                ev.id = mf_str(s->id, strlen(s->id));
                ev.child = mf_str(s->child, strlen(s->child));
                ev.item_id = mf_str(s->item, strlen(s->item));
                st->ev[i] = ev;
        }
        return st;
}

/* ---- pipelines whose outputs are kept as bytes ---- */

typedef struct {
        mf_calendar_t *cal;
        mf_pipeline_t *p;
        mf_buf_t out;
        size_t records;
} run_t;

static void sink(void *opaque, const mf_output_t *o) {
        run_t *r = opaque;
        mf_output_opts_t opts = {.json = true, .suppress_below = 0};
        assert_int_equal(mf_output_encode(&r->out, o, &opts), MF_OK);
        r->records++;
}

static void run_init(run_t *r, const mf_alert_leads_t *leads) {
        memset(r, 0, sizeof(*r));
        r->cal = mf_test_calendar();
        mf_pipeline_conf_t conf = {
            .calendar = r->cal, .sink = sink, .opaque = r, .leads = leads};
        assert_non_null(r->p = mf_pipeline_new(&conf));
        assert_int_equal(mf_pipeline_set_population(r->p, MF_STR_LIT(MF_TEST_LA), 61000),
                         MF_OK);
        mf_buf_init(&r->out);
}

static void run_destroy(run_t *r) {
        mf_pipeline_free(r->p);
        mf_calendar_free(r->cal);
        mf_buf_destroy(&r->out);
}

static void feed(run_t *r, const stream_t *s, int from, int to) {
        mf_origin_t o = {MF_STR_LIT("in"), 0, 0};
        for (int i = from; i < to; i++) {
                if (s->tick[i] != MF_INSTANT_NONE)
                        assert_int_equal(mf_pipeline_tick(r->p, s->tick[i]), MF_OK);
                o.offset = i;
                assert_int_equal(
                    mf_pipeline_push_event(r->p, &s->ev[i], MF_STR_LIT("x"), &o), MF_OK);
        }
}

/* The stream's end: a tick well past it, then every figure. */
static void finish(run_t *r) {
        mf_instant_t now = mf_pipeline_now(r->p);
        assert_int_equal(mf_pipeline_tick(r->p, now + 30 * DAY_MS), MF_OK);
        assert_int_equal(mf_pipeline_emit_indicators(r->p, mf_pipeline_today(r->p)),
                         MF_OK);
}

static void save(run_t *r, int64_t offset, mf_buf_t *snap) {
        mf_snapshot_meta_t meta = {MF_STR_LIT("test"), MF_STR_LIT("in"), 7, offset};
        mf_buf_reset(snap);
        assert_int_equal(mf_snapshot_write(r->p, &meta, snap), MF_OK);
}

static stream_t *stream;
static run_t whole;

static int setup(void **state) {
        (void)state;
        stream = make_stream();
        run_init(&whole, NULL);
        feed(&whole, stream, 0, NEVENTS);
        finish(&whole);
        return 0;
}

static int teardown(void **state) {
        (void)state;
        run_destroy(&whole);
        free(stream);
        return 0;
}

/* The stream is rich enough to mean something: it made every output kind,
 * and swept state away. */
static void test_stream_reaches_every_output(void **state) {
        (void)state;
        const mf_pipeline_stats_t *st = mf_pipeline_stats(whole.p);
        for (int k = 0; k < MF_OUT__COUNT; k++)
                assert_true(st->outputs[k] > 0);
        assert_true(st->duplicates > 100);
        assert_true(st->rejected[MF_REASON_TOO_LATE] > 0);
        assert_true(st->sweeps > 0);
        printf("stream: %d events, %llu applied, %llu duplicates, %llu referral, %llu "
               "alert, %llu indicators, %llu dead-letter records, %llu sweeps\n",
               NEVENTS, (unsigned long long)st->applied,
               (unsigned long long)st->duplicates,
               (unsigned long long)st->outputs[MF_OUT_REFERRAL],
               (unsigned long long)st->outputs[MF_OUT_ALERT],
               (unsigned long long)st->outputs[MF_OUT_INDICATORS],
               (unsigned long long)st->outputs[MF_OUT_DEADLETTER],
               (unsigned long long)st->sweeps);
}

/* Split the stream at many points: the first part's outputs, then the
 * outputs of a pipeline loaded from the snapshot fed the rest, are the
 * whole run's outputs, byte for byte. */
static void test_split_anywhere_same_bytes(void **state) {
        (void)state;
        const int cuts[] = {
            0, 1, 977, NEVENTS / 3, NEVENTS / 2, 2 * NEVENTS / 3, NEVENTS - 1, NEVENTS};
        mf_buf_t snap;
        mf_buf_init(&snap);
        for (size_t c = 0; c < MF_ARRAY_LEN(cuts); c++) {
                run_t first, second;
                run_init(&first, NULL);
                feed(&first, stream, 0, cuts[c]);
                save(&first, cuts[c], &snap);

                run_init(&second, NULL);
                mf_snapshot_meta_t meta;
                char why[128] = "";
                if (mf_snapshot_load(second.p, snap.data, snap.len, &meta, why,
                                     sizeof(why)) != MF_OK)
                        fail_msg("cut at %d: %s", cuts[c], why);
                assert_int_equal(meta.offset, cuts[c]);
                assert_int_equal(meta.partition, 7);
                assert_true(mf_str_eq(meta.topic, MF_STR_LIT("in")));
                assert_int_equal(mf_pipeline_now(second.p), mf_pipeline_now(first.p));
                feed(&second, stream, cuts[c], NEVENTS);
                finish(&second);

                assert_int_equal(first.out.len + second.out.len, whole.out.len);
                assert_memory_equal(first.out.data, whole.out.data, first.out.len);
                assert_memory_equal(second.out.data, whole.out.data + first.out.len,
                                    second.out.len);
                assert_int_equal(mf_pipeline_state_bytes(second.p) > 0, true);
                run_destroy(&first);
                run_destroy(&second);
        }
        mf_buf_destroy(&snap);
}

/* A snapshot of a loaded pipeline loads again and still gives the same
 * outputs: nothing is lost in a second round trip. */
static void test_round_trip_twice(void **state) {
        (void)state;
        mf_buf_t a, b;
        mf_buf_init(&a);
        mf_buf_init(&b);
        run_t first, second, third;
        run_init(&first, NULL);
        feed(&first, stream, 0, NEVENTS / 2);
        save(&first, 1, &a);
        run_init(&second, NULL);
        mf_snapshot_meta_t meta;
        char why[128];
        assert_int_equal(
            mf_snapshot_load(second.p, a.data, a.len, &meta, why, sizeof(why)), MF_OK);
        save(&second, 1, &b);
        run_init(&third, NULL);
        assert_int_equal(
            mf_snapshot_load(third.p, b.data, b.len, &meta, why, sizeof(why)), MF_OK);
        feed(&third, stream, NEVENTS / 2, NEVENTS);
        finish(&third);
        assert_int_equal(first.out.len + third.out.len, whole.out.len);
        assert_memory_equal(third.out.data, whole.out.data + first.out.len,
                            third.out.len);
        run_destroy(&first);
        run_destroy(&second);
        run_destroy(&third);
        mf_buf_destroy(&a);
        mf_buf_destroy(&b);
}

static mf_err_t load_fresh(const char *buf, size_t len, const mf_alert_leads_t *leads,
                           char *why, size_t whylen) {
        run_t r;
        run_init(&r, leads);
        mf_snapshot_meta_t meta;
        mf_err_t rc = mf_snapshot_load(r.p, buf, len, &meta, why, whylen);
        run_destroy(&r);
        return rc;
}

/* A torn or damaged file never loads: every truncation and a flipped bit
 * anywhere fail the frame's checks, with a reason. */
static void test_damage_refused(void **state) {
        (void)state;
        run_t r;
        run_init(&r, NULL);
        feed(&r, stream, 0, 2000);
        mf_buf_t snap;
        mf_buf_init(&snap);
        save(&r, 2000, &snap);
        char why[128];
        mf_snapshot_meta_t meta;
        assert_int_equal(mf_snapshot_peek(snap.data, snap.len, &meta, why, sizeof(why)),
                         MF_OK);
        assert_int_equal(meta.offset, 2000);
        for (size_t len = 0; len < snap.len; len += 1 + len / 8) {
                assert_int_equal(
                    mf_snapshot_peek(snap.data, len, &meta, why, sizeof(why)),
                    MF_ERR_INVALID);
                assert_int_equal(load_fresh(snap.data, len, NULL, why, sizeof(why)),
                                 MF_ERR_INVALID);
        }
        uint64_t x = 42;
        for (int i = 0; i < 200; i++) {
                size_t at = rng(&x) % snap.len;
                char bit = (char)(1 << (rng(&x) % 8));
                snap.data[at] ^= bit;
                assert_int_equal(load_fresh(snap.data, snap.len, NULL, why, sizeof(why)),
                                 MF_ERR_INVALID);
                assert_true(strlen(why) > 0);
                snap.data[at] ^= bit;
        }
        assert_int_equal(load_fresh(snap.data, snap.len, NULL, why, sizeof(why)), MF_OK);
        mf_buf_destroy(&snap);
        run_destroy(&r);
}

/* Damage behind a good checksum (a file written by a faulty build, say)
 * fails cleanly or loads; it never reads outside what it was given. Run
 * under the sanitizers, this is the test that matters. */
static void test_malformed_payload_is_safe(void **state) {
        (void)state;
        run_t r;
        run_init(&r, NULL);
        feed(&r, stream, 0, 3000);
        mf_buf_t snap;
        mf_buf_init(&snap);
        save(&r, 3000, &snap);
        uint64_t x = 7;
        int refused = 0;
        for (int i = 0; i < 400; i++) {
                mf_buf_t copy;
                mf_buf_init(&copy);
                assert_int_equal(mf_buf_append(&copy, snap.data, snap.len), MF_OK);
                size_t body = copy.len - sizeof(uint64_t);
                for (int k = 0; k < 4; k++)
                        copy.data[8 + rng(&x) % (body - 8)] = (char)rng(&x);
                uint64_t sum = XXH3_64bits(copy.data, body);
                memcpy(copy.data + body, &sum, sizeof(sum));
                char why[128];
                run_t into;
                run_init(&into, NULL);
                mf_snapshot_meta_t meta;
                if (mf_snapshot_load(into.p, copy.data, copy.len, &meta, why,
                                     sizeof(why)) != MF_OK)
                        refused++;
                else /* what loaded must run */
                        feed(&into, stream, 3000, 3500);
                run_destroy(&into);
                mf_buf_destroy(&copy);
        }
        assert_true(refused > 0);
        mf_buf_destroy(&snap);
        run_destroy(&r);
}

/* State set with other alert leads, or a pipeline that has taken records,
 * is refused. */
static void test_refuses_other_settings_and_used_pipelines(void **state) {
        (void)state;
        run_t r;
        run_init(&r, NULL);
        feed(&r, stream, 0, 1000);
        mf_buf_t snap;
        mf_buf_init(&snap);
        save(&r, 1000, &snap);
        char why[128];
        mf_alert_leads_t leads = MF_ALERT_LEADS_DEFAULT;
        leads.icpc_due_soon_wd = 11;
        assert_int_equal(load_fresh(snap.data, snap.len, &leads, why, sizeof(why)),
                         MF_ERR_INVALID);
        assert_non_null(strstr(why, "alert leads"));
        mf_snapshot_meta_t meta;
        assert_int_equal(
            mf_snapshot_load(r.p, snap.data, snap.len, &meta, why, sizeof(why)),
            MF_ERR_INVALID);
        assert_non_null(strstr(why, "taken records"));
        mf_buf_destroy(&snap);
        run_destroy(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stream_reaches_every_output),
            cmocka_unit_test(test_split_anywhere_same_bytes),
            cmocka_unit_test(test_round_trip_twice),
            cmocka_unit_test(test_damage_refused),
            cmocka_unit_test(test_malformed_payload_is_safe),
            cmocka_unit_test(test_refuses_other_settings_and_used_pipelines),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
