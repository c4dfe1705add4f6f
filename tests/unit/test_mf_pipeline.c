/* The pipeline as a whole: clock, horizon, dedupe, dead letters, outputs. */
#include "mf_test_util.h"

#include <stdio.h>

static int setup(void **state) {
        *state = mf_test_pipe_new();
        return 0;
}

static int teardown(void **state) {
        mf_test_pipe_free(*state);
        return 0;
}

static void push(mf_test_pipe_t *t, mf_event_t ev) {
        mf_test_push(t, &ev);
}

static void
test_event_on_horizon_first_day_is_kept_one_day_earlier_is_too_late(void **state) {
        mf_test_pipe_t *t = *state;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-06-01T10:00:00")));
        /* As of 2024-06-01 the horizon opens 2022-06-02. */
        assert_int_equal(mf_horizon_first(mf_test_date("2024-06-01")),
                         mf_test_date("2022-06-02"));
        push(t, mf_test_referral("e2", "c1", "r1", "2022-06-01"));
        assert_int_equal(t->ndeadletters, 1);
        assert_int_equal(t->deadletters[0], MF_REASON_TOO_LATE);
        assert_int_equal(mf_test_referral_count(t, "r1"), 0);
        push(t, mf_test_referral("e3", "c1", "r2", "2022-06-02"));
        assert_int_equal(t->ndeadletters, 1);
        assert_int_equal(mf_test_referral_count(t, "r2"), 1);
        assert_int_equal(mf_pipeline_stats(t->p)->rejected[MF_REASON_TOO_LATE], 1);
}

static void test_late_event_inside_horizon_is_applied(void **state) {
        mf_test_pipe_t *t = *state;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-06-01T10:00:00")));
        push(t, mf_test_contact("e2", "c2", "k2", mf_test_utc("2024-01-10T10:00:00")));
        mf_indicators_t f;
        mf_test_figures(t, "2024-06-01", &f);
        assert_int_equal(f.contacts_6m, 2);
        assert_int_equal(t->ndeadletters, 0);
}

static void test_clock_never_goes_back(void **state) {
        mf_test_pipe_t *t = *state;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-06-01T10:00:00")));
        push(t, mf_test_contact("e2", "c2", "k2", mf_test_utc("2024-05-01T10:00:00")));
        assert_int_equal(mf_pipeline_now(t->p), mf_test_utc("2024-06-01T10:00:00"));
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2024-01-01T00:00:00")),
                         MF_OK);
        assert_int_equal(mf_pipeline_today(t->p), mf_test_date("2024-06-01"));
}

static void test_windows_slide_with_ticks_and_no_events(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-01-10T10:00:00")));
        /* As of 2024-07-09 the window opens 2024-01-10; a day later it has moved on. */
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2024-07-09T12:00:00")),
                         MF_OK);
        mf_test_figures(t, "2024-07-09", &f);
        assert_int_equal(f.contacts_6m, 1);
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2024-07-10T12:00:00")),
                         MF_OK);
        mf_test_figures(t, "2024-07-10", &f);
        assert_int_equal(f.contacts_6m, 0);
        /* An earlier report date inside the retained state still sees it. */
        mf_test_figures(t, "2024-07-09", &f);
        assert_int_equal(f.contacts_6m, 1);
}

static void test_as_of_after_today_or_beyond_retained_state_is_refused(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-06-01T10:00:00")));
        assert_int_equal(mf_pipeline_indicators(t->p, MF_STR_LIT(MF_TEST_LA),
                                                mf_test_date("2024-06-02"), &f),
                         MF_ERR_RANGE);
        /* The horizon opens 2022-06-02: 2022-12-01's six months fit, 2022-11-30's do not.
         */
        assert_int_equal(mf_pipeline_indicators(t->p, MF_STR_LIT(MF_TEST_LA),
                                                mf_test_date("2022-12-01"), &f),
                         MF_OK);
        assert_int_equal(mf_pipeline_indicators(t->p, MF_STR_LIT(MF_TEST_LA),
                                                mf_test_date("2022-11-30"), &f),
                         MF_ERR_RANGE);
        assert_int_equal(mf_pipeline_indicators(t->p, MF_STR_LIT("999"),
                                                mf_test_date("2024-06-01"), &f),
                         MF_ERR_INVALID);
}

static void test_state_before_horizon_is_released_and_memory_stays_flat(void **state) {
        mf_test_pipe_t *t = *state;
        /* Four years of one contact and one referral a day, each about a new
         * child: retained state must stop growing after two years. */
        static char ids[4][1500][24];
        mf_date_t start = mf_test_date("2019-01-01");
        size_t live_at_2y = 0, live_at_4y = 0;
        for (int day = 0; day < 4 * 365; day++) {
                char *e = ids[0][day % 1500], *c = ids[1][day % 1500],
                     *k = ids[2][day % 1500], *r = ids[3][day % 1500];
                snprintf(e, 24, "e%d", day);
                snprintf(c, 24, "c%d", day);
                snprintf(k, 24, "k%d", day);
                mf_instant_t at =
                    (mf_instant_t)(start + day) * MF_MS_PER_DAY + 12 * MF_MS_PER_HOUR;
                push(t, mf_test_contact(e, c, k, at));
                snprintf(e, 24, "f%d", day);
                snprintf(r, 24, "r%d", day);
                char date[16];
                mf_date_format(start + day, date);
                push(t, mf_test_referral(e, c, r, date));
                t->nreferrals = 0; /* not kept: only counts matter here */
                if (day == 2 * 365 + 60)
                        live_at_2y = mf_store_count(
                            mf_pipeline_store(t->p, MF_STR_LIT(MF_TEST_LA)),
                            MF_ITEM_CONTACT);
        }
        mf_store_t *st = mf_pipeline_store(t->p, MF_STR_LIT(MF_TEST_LA));
        live_at_4y = mf_store_count(st, MF_ITEM_CONTACT);
        /* About 24 months plus at most one sweep interval are retained. */
        assert_true(live_at_4y <= 731 + MF_SWEEP_DAYS);
        assert_true(live_at_4y >= 730);
        assert_true(live_at_2y <= 731 + MF_SWEEP_DAYS);
        assert_true(mf_store_children(st) <= 731 + MF_SWEEP_DAYS);
        assert_true(mf_store_count(st, MF_ITEM_REFERRAL) <= 731 + MF_SWEEP_DAYS);
        assert_true(mf_pipeline_stats(t->p)->sweeps >= 40);
        /* Figures over the last 6 months are whole. */
        mf_indicators_t f;
        mf_date_t today = mf_pipeline_today(t->p);
        char d[16];
        mf_date_format(today, d);
        mf_test_figures(t, d, &f);
        assert_int_equal(f.contacts_6m, today - mf_window_start(today, 6) + 1);
}

static void test_closing_event_before_opener_is_kept_and_joined(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_assessment_authorised("e1", "c1", "a1", "2023-10-20"));
        mf_test_figures(t, "2023-10-20", &f);
        assert_int_equal(f.assessments_completed_6m, 0); /* no start yet */
        push(t, mf_test_assessment_started("e2", "c1", "a1", "2023-10-02"));
        mf_test_figures(t, "2023-10-20", &f);
        assert_int_equal(f.assessments_completed_6m, 1);
        assert_int_equal(f.assessments_open, 0);
        assert_int_equal(f.assessment_wd_sum, 14);
}

static void test_correction_of_start_date_replaces_it(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_assessment_started("e1", "c1", "a1", "2023-08-01"));
        push(t, mf_test_assessment_authorised("e2", "c1", "a1", "2023-10-20"));
        mf_test_figures(t, "2023-10-20", &f);
        assert_int_equal(f.assessments_in_time_6m.num, 0);
        push(t, mf_test_assessment_started("e3", "c1", "a1", "2023-10-02"));
        mf_test_figures(t, "2023-10-20", &f);
        assert_int_equal(f.assessments_in_time_6m.num, 1);
        assert_int_equal(f.assessments_completed_6m, 1);
}

static void test_malformed_json_goes_to_dead_letters_with_reason(void **state) {
        mf_test_pipe_t *t = *state;
        const char *bad[] = {
            "{\"v\":1,\"type\":\"contact\"",
            "[1,2]",
            "{\"v\":1,\"type\":\"nope\",\"id\":\"e\",\"la\":\"302\",\"child\":\"c\"}",
        };
        const mf_reason_t want[] = {MF_REASON_BAD_ENCODING, MF_REASON_NOT_A_MAP,
                                    MF_REASON_UNKNOWN_TYPE};
        mf_origin_t o = {MF_STR_LIT("t"), 3, 42};
        for (size_t i = 0; i < MF_ARRAY_LEN(bad); i++)
                assert_int_equal(mf_pipeline_push_json(t->p, bad[i], strlen(bad[i]), &o),
                                 MF_OK);
        assert_int_equal(t->ndeadletters, 3);
        for (size_t i = 0; i < MF_ARRAY_LEN(bad); i++)
                assert_int_equal(t->deadletters[i], want[i]);
        const mf_pipeline_stats_t *s = mf_pipeline_stats(t->p);
        assert_int_equal(s->records, 3);
        assert_int_equal(s->applied, 0);
}

static void test_msgpack_message_with_trailing_bytes_is_bad_encoding(void **state) {
        mf_test_pipe_t *t = *state;
        /* fixmap{} followed by a stray byte. */
        const char msg[] = {(char)0x80, 0x01};
        mf_origin_t o = {MF_STR_LIT("t"), 0, 0};
        assert_int_equal(mf_pipeline_push_msgpack(t->p, msg, sizeof(msg), NULL, &o),
                         MF_OK);
        assert_int_equal(t->ndeadletters, 1);
        assert_int_equal(t->deadletters[0], MF_REASON_BAD_ENCODING);
        /* As a stream, the same bytes are one record (missing fields) and more. */
        size_t used = 0;
        assert_int_equal(mf_pipeline_push_msgpack(t->p, msg, sizeof(msg), &used, &o),
                         MF_OK);
        assert_int_equal(used, 1);
        assert_int_equal(t->deadletters[1], MF_REASON_MISSING_FIELD);
}

static void test_indicators_emitted_once_per_authority(void **state) {
        mf_test_pipe_t *t = *state;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-06-01T10:00:00")));
        mf_event_t other =
            mf_test_contact("e2", "c2", "k2", mf_test_utc("2024-06-01T11:00:00"));
        other.la = MF_STR_LIT("205");
        mf_test_push(t, &other);
        assert_int_equal(mf_pipeline_la_count(t->p), 2);
        assert_int_equal(mf_pipeline_la(t->p, 0).ptr[0], '2'); /* sorted: 205, 302 */
        assert_int_equal(mf_pipeline_emit_indicators(t->p, mf_test_date("2024-06-01")),
                         MF_OK);
        assert_int_equal(t->nindicators, 2);
}

static void test_same_event_id_in_two_authorities_is_not_a_duplicate(void **state) {
        mf_test_pipe_t *t = *state;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-06-01T10:00:00")));
        mf_event_t other =
            mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-06-01T10:00:00"));
        other.la = MF_STR_LIT("205");
        mf_test_push(t, &other);
        assert_int_equal(mf_pipeline_stats(t->p)->duplicates, 0);
        assert_int_equal(mf_pipeline_stats(t->p)->applied, 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
            T(test_event_on_horizon_first_day_is_kept_one_day_earlier_is_too_late),
            T(test_late_event_inside_horizon_is_applied),
            T(test_clock_never_goes_back),
            T(test_windows_slide_with_ticks_and_no_events),
            T(test_as_of_after_today_or_beyond_retained_state_is_refused),
            T(test_state_before_horizon_is_released_and_memory_stays_flat),
            T(test_closing_event_before_opener_is_kept_and_joined),
            T(test_correction_of_start_date_replaces_it),
            T(test_malformed_json_goes_to_dead_letters_with_reason),
            T(test_msgpack_message_with_trailing_bytes_is_bad_encoding),
            T(test_indicators_emitted_once_per_authority),
            T(test_same_event_id_in_two_authorities_is_not_a_duplicate),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
