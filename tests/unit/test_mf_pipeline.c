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
                t->nalerts = 0;
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
        /* A sweep runs every MF_SWEEP_DAYS once the oldest records pass the
         * horizon, that is over the last two years only: about 26. */
        uint64_t sweeps = mf_pipeline_stats(t->p)->sweeps;
        assert_true(sweeps >= 2 * 365 / MF_SWEEP_DAYS - 1);
        assert_true(sweeps <= 2 * 365 / MF_SWEEP_DAYS + 2);
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

/* ---- timeliness alerts ---- */

static void tick(mf_test_pipe_t *t, const char *utc) {
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc(utc)), MF_OK);
}

static void test_friday_afternoon_contact_due_soon_then_overdue_on_monday(void **state) {
        mf_test_pipe_t *t = *state;
        /* Friday 2023-11-03 15:00 GMT: due Monday 15:00, due soon at 11:00. */
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-11-03T15:00:00")));
        tick(t, "2023-11-06T10:59:59");
        assert_int_equal(t->nalerts, 0);
        tick(t, "2023-11-06T11:00:00");
        const mf_test_alert_t *a = mf_test_alert(t, "k1", MF_ALERT_DUE_SOON);
        assert_int_equal(a->due_at, mf_test_utc("2023-11-06T15:00:00"));
        assert_int_equal(a->item_kind, MF_ITEM_CONTACT);
        assert_int_equal(a->wd, 1);
        tick(t, "2023-11-06T15:00:00");
        assert_int_equal(mf_test_alert_count(t, "k1", MF_ALERT_OVERDUE), 0);
        tick(t, "2023-11-06T15:00:01");
        assert_int_equal(mf_test_alert(t, "k1", MF_ALERT_OVERDUE)->raised_at,
                         mf_test_utc("2023-11-06T15:00:01"));
        /* A decision now is late: once, and nothing repeats. */
        push(t, mf_test_decision("e2", "c1", "k1", mf_test_utc("2023-11-06T16:00:00"),
                                 MF_OUTCOME_NFA));
        mf_test_alert(t, "k1", MF_ALERT_COMPLETED_LATE);
        tick(t, "2023-11-20T12:00:00");
        assert_int_equal(t->nalerts, 3);
}

static void test_saturday_contact_due_at_the_end_of_monday(void **state) {
        mf_test_pipe_t *t = *state;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-11-04T09:00:00")));
        tick(t, "2023-11-07T00:00:00");
        assert_int_equal(mf_test_alert(t, "k1", MF_ALERT_OVERDUE)->due_at,
                         mf_test_utc("2023-11-06T23:59:59") + 999);
}

static void test_contact_before_christmas_bank_holidays_due_on_wednesday(void **state) {
        mf_test_pipe_t *t = *state;
        /* Friday 2023-12-22 10:00: Monday 25 and Tuesday 26 are bank holidays. */
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-12-22T10:00:00")));
        tick(t, "2023-12-27T12:00:00");
        assert_int_equal(mf_test_alert(t, "k1", MF_ALERT_OVERDUE)->due_at,
                         mf_test_utc("2023-12-27T10:00:00"));
}

static void test_contact_across_the_clocks_changing_keeps_local_time(void **state) {
        mf_test_pipe_t *t = *state;
        /* Friday 2023-10-27 15:00 BST (14:00Z); Monday 15:00 GMT is 15:00Z. */
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-10-27T14:00:00")));
        tick(t, "2023-10-30T16:00:00");
        assert_int_equal(mf_test_alert(t, "k1", MF_ALERT_OVERDUE)->due_at,
                         mf_test_utc("2023-10-30T15:00:00"));
}

static void
test_assessment_started_on_christmas_eve_due_on_45th_working_day(void **state) {
        mf_test_pipe_t *t = *state;
        /* From Tuesday 2024-12-24: the 40th working day is 2025-02-21, the 45th
         * 2025-02-28 (25, 26 December and 1 January are bank holidays). */
        push(t, mf_test_assessment_started("e1", "c1", "a1", "2024-12-24"));
        tick(t, "2025-02-20T23:00:00");
        assert_int_equal(mf_test_alert_count(t, "a1", MF_ALERT_DUE_SOON), 0);
        tick(t, "2025-02-21T00:00:00");
        assert_int_equal(mf_test_alert(t, "a1", MF_ALERT_DUE_SOON)->wd, 40);
        tick(t, "2025-02-28T23:59:59");
        assert_int_equal(mf_test_alert_count(t, "a1", MF_ALERT_OVERDUE), 0);
        tick(t, "2025-03-01T00:00:00");
        const mf_test_alert_t *a = mf_test_alert(t, "a1", MF_ALERT_OVERDUE);
        assert_int_equal(a->due_at, mf_test_utc("2025-02-28T23:59:59") + 999);
}

static void test_icpc_on_15th_working_day_is_not_late_and_a_day_later_is(void **state) {
        mf_test_pipe_t *t = *state;
        push(t, mf_test_s47_started("e1", "c1", "s1", "2023-10-02"));
        push(t, mf_test_s47_started("e2", "c2", "s2", "2023-10-02"));
        push(t, mf_test_icpc("e3", "c1", "s1", "2023-10-23"));
        assert_int_equal(mf_test_alert_count(t, "s1", MF_ALERT_COMPLETED_LATE), 0);
        assert_int_equal(mf_test_alert_count(t, "s1", MF_ALERT_OVERDUE), 0);
        mf_test_alert(t, "s1", MF_ALERT_DUE_SOON); /* 12 working days had passed */
        push(t, mf_test_icpc("e4", "c2", "s2", "2023-10-24"));
        mf_test_alert(t, "s2", MF_ALERT_OVERDUE);
        assert_int_equal(mf_test_alert(t, "s2", MF_ALERT_COMPLETED_LATE)->wd, 16);
}

static void test_item_closed_before_due_soon_raises_nothing(void **state) {
        mf_test_pipe_t *t = *state;
        /* In event-time order: an event arriving after the clock passed an
         * instant would (rightly) find its item open at that instant. */
        push(t, mf_test_assessment_started("e1", "c1", "a1", "2023-09-04"));
        push(t, mf_test_s47_started("e3", "c2", "s1", "2023-09-04"));
        push(t, mf_test_s47_outcome("e4", "c2", "s1", "2023-09-08", false));
        push(t, mf_test_assessment_authorised("e2", "c1", "a1", "2023-09-20"));
        tick(t, "2024-01-31T12:00:00");
        assert_int_equal(t->nalerts, 0);
}

static void test_corrected_start_no_second_alert_and_figure_recovers(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_assessment_started("e1", "c1", "a1", "2023-08-01"));
        tick(t, "2023-10-20T12:00:00");
        mf_test_alert(t, "a1", MF_ALERT_OVERDUE);
        mf_test_figures(t, "2023-10-20", &f);
        assert_int_equal(f.assessments_overdue, 1);
        /* The start was really 2023-10-02: not overdue after all. */
        push(t, mf_test_assessment_started("e2", "c1", "a1", "2023-10-02"));
        mf_test_figures(t, "2023-10-20", &f);
        assert_int_equal(f.assessments_overdue, 0);
        /* Past the corrected due date, still only the one overdue alert. */
        tick(t, "2024-01-10T12:00:00");
        assert_int_equal(mf_test_alert_count(t, "a1", MF_ALERT_OVERDUE), 1);
        mf_test_figures(t, "2024-01-10", &f);
        assert_int_equal(f.assessments_overdue, 1);
}

static void test_nearest_lists_open_items_by_due_instant(void **state) {
        mf_test_pipe_t *t = *state;
        push(t, mf_test_assessment_started("e1", "c1", "a1",
                                           "2023-09-04"));            /* due 2023-11-06 */
        push(t, mf_test_s47_started("e2", "c2", "s1", "2023-10-02")); /* due 2023-10-23 */
        push(t, mf_test_s47_started("e3", "c3", "s2", "2023-10-03")); /* due 2023-10-24 */
        push(t, mf_test_icpc("e4", "c3", "s2", "2023-10-10"));        /* closed */
        push(t, mf_test_contact("e5", "c4", "k1", mf_test_utc("2023-10-10T09:00:00")));
        mf_nearest_t out[2];
        size_t n = mf_pipeline_nearest(t->p, MF_STR_LIT(MF_TEST_LA), out, 2);
        assert_int_equal(n, 2);
        /* The contact (received 10:00 BST, due 10:00 BST next day) first, then s1. */
        assert_int_equal(out[0].item_kind, MF_ITEM_CONTACT);
        assert_true(mf_str_eq_cstr(out[0].item_id, "k1"));
        assert_int_equal(out[0].due_at, mf_test_utc("2023-10-11T09:00:00"));
        assert_true(mf_str_eq_cstr(out[1].item_id, "s1"));
        mf_nearest_t all[8];
        assert_int_equal(mf_pipeline_nearest(t->p, MF_STR_LIT(MF_TEST_LA), all, 8), 3);
        assert_true(mf_str_eq_cstr(all[2].item_id, "a1"));
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
            T(test_friday_afternoon_contact_due_soon_then_overdue_on_monday),
            T(test_saturday_contact_due_at_the_end_of_monday),
            T(test_contact_before_christmas_bank_holidays_due_on_wednesday),
            T(test_contact_across_the_clocks_changing_keeps_local_time),
            T(test_assessment_started_on_christmas_eve_due_on_45th_working_day),
            T(test_icpc_on_15th_working_day_is_not_late_and_a_day_later_is),
            T(test_item_closed_before_due_soon_raises_nothing),
            T(test_corrected_start_no_second_alert_and_figure_recovers),
            T(test_nearest_lists_open_items_by_due_instant),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
