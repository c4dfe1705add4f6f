/* The headline figures (DOMAIN.md table) from hand-built events. */
#include "mf_test_util.h"

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

static void test_contacts_window_starts_the_day_after_six_months_back(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        /* As of 2023-11-07 the window is 2023-05-08 .. 2023-11-07 (ChAT). */
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-05-07T12:00:00")));
        push(t, mf_test_contact("e2", "c2", "k2", mf_test_utc("2023-05-08T12:00:00")));
        push(t, mf_test_contact("e3", "c3", "k3", mf_test_utc("2023-11-07T12:00:00")));
        mf_test_figures(t, "2023-11-07", &f);
        assert_int_equal(f.contacts_6m, 2);
}

static void test_month_end_window_clamps_to_leap_day(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        /* 2024-08-31 - 6 months = 2024-02-29, so the window opens 2024-03-01. */
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-02-29T12:00:00")));
        push(t, mf_test_contact("e2", "c2", "k2", mf_test_utc("2024-03-01T12:00:00")));
        push(t, mf_test_contact("e3", "c3", "k3", mf_test_utc("2024-08-31T10:00:00")));
        mf_test_figures(t, "2024-08-31", &f);
        assert_int_equal(f.contacts_6m, 2);
}

static void test_contact_just_before_midnight_bst_is_dated_by_london_clock(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        /* Window as of 2023-12-30 opens 2023-07-01. 22:30Z on 30 June is 23:30 BST
         * on 30 June (out); 23:30Z is 00:30 BST on 1 July (in). */
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-06-30T22:30:00")));
        push(t, mf_test_contact("e2", "c2", "k2", mf_test_utc("2023-06-30T23:30:00")));
        push(t, mf_test_contact("e3", "c3", "k3", mf_test_utc("2023-12-30T12:00:00")));
        mf_test_figures(t, "2023-12-30", &f);
        assert_int_equal(f.contacts_6m, 2);
}

static void test_children_with_multiple_contacts_counts_each_child_once(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-09-01T10:00:00")));
        push(t, mf_test_contact("e2", "c1", "k2", mf_test_utc("2023-09-02T10:00:00")));
        push(t, mf_test_contact("e3", "c1", "k3", mf_test_utc("2023-09-03T10:00:00")));
        push(t, mf_test_contact("e4", "c2", "k4", mf_test_utc("2023-09-04T10:00:00")));
        mf_test_figures(t, "2023-09-04", &f);
        assert_int_equal(f.contacts_6m, 4);
        assert_int_equal(f.children_multiple_contacts_6m, 1);
}

static void test_decision_due_same_clock_time_next_working_day(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        /* Friday 2023-11-03 15:00 GMT: due Monday 2023-11-06 15:00 GMT. */
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-11-03T15:00:00")));
        push(t, mf_test_contact("e2", "c2", "k2", mf_test_utc("2023-11-03T15:00:00")));
        push(t, mf_test_decision("e3", "c1", "k1", mf_test_utc("2023-11-06T15:00:00"),
                                 MF_OUTCOME_REFERRAL));
        push(t, mf_test_decision("e4", "c2", "k2", mf_test_utc("2023-11-06T15:00:01"),
                                 MF_OUTCOME_NFA));
        mf_test_figures(t, "2023-11-06", &f);
        assert_int_equal(f.contact_decisions_in_time_6m.den, 2);
        assert_int_equal(f.contact_decisions_in_time_6m.num, 1);
        assert_int_equal(f.contact_to_referral_6m.num, 1);
        assert_int_equal(f.contact_to_referral_6m.den, 2);
}

static void test_saturday_contact_due_end_of_monday(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        /* Saturday 2023-11-04: due 23:59:59.999 on Monday 2023-11-06 (GMT). */
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-11-04T09:00:00")));
        push(t, mf_test_decision("e2", "c1", "k1", mf_test_utc("2023-11-06T23:59:59"),
                                 MF_OUTCOME_ADVICE));
        mf_test_figures(t, "2023-11-06", &f);
        assert_int_equal(f.contact_decisions_in_time_6m.num, 1);
}

static void test_undecided_contact_overdue_only_after_due_instant(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        /* Thursday 2023-12-21 16:00: due Friday 2023-12-22 16:00. */
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-12-21T16:00:00")));
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2023-12-22T16:00:00")),
                         MF_OK);
        mf_test_figures(t, "2023-12-22", &f);
        assert_int_equal(f.contact_decisions_overdue, 0);
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2023-12-22T16:00:01")),
                         MF_OK);
        mf_test_figures(t, "2023-12-22", &f);
        assert_int_equal(f.contact_decisions_overdue, 1);
        /* A decision closes it. */
        push(t, mf_test_decision("e2", "c1", "k1", mf_test_utc("2023-12-22T17:00:00"),
                                 MF_OUTCOME_NFA));
        mf_test_figures(t, "2023-12-22", &f);
        assert_int_equal(f.contact_decisions_overdue, 0);
}

static void test_assessment_of_45_working_days_is_in_time_and_46_is_not(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        /* From Monday 2023-09-04, the 45th working day is Monday 2023-11-06. */
        push(t, mf_test_assessment_started("e1", "c1", "a1", "2023-09-04"));
        push(t, mf_test_assessment_started("e2", "c2", "a2", "2023-09-04"));
        push(t, mf_test_assessment_authorised("e3", "c1", "a1", "2023-11-06"));
        push(t, mf_test_assessment_authorised("e4", "c2", "a2", "2023-11-07"));
        mf_test_figures(t, "2023-11-07", &f);
        assert_int_equal(f.assessments_completed_6m, 2);
        assert_int_equal(f.assessments_in_time_6m.num, 1);
        assert_int_equal(f.assessments_in_time_6m.den, 2);
        assert_int_equal(f.assessment_wd_sum, 45 + 46);
        assert_int_equal(f.assessment_duration_bands_6m[MF_BAND_41_45], 1);
        assert_int_equal(f.assessment_duration_bands_6m[MF_BAND_46_50], 1);
        assert_int_equal(f.assessments_open, 0);
}

static void
test_assessment_same_day_is_zero_days_and_date_error_is_neither(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_assessment_started("e1", "c1", "a1", "2023-10-02"));
        push(t, mf_test_assessment_authorised("e2", "c1", "a1", "2023-10-02"));
        push(t, mf_test_assessment_started("e3", "c2", "a2", "2023-10-05"));
        push(t, mf_test_assessment_authorised("e4", "c2", "a2", "2023-10-03"));
        mf_test_figures(t, "2023-10-05", &f);
        assert_int_equal(f.assessments_completed_6m, 2);
        assert_int_equal(f.assessment_date_errors_6m, 1);
        assert_int_equal(f.assessments_in_time_6m.den, 1);
        assert_int_equal(f.assessment_duration_bands_6m[MF_BAND_SAME_DAY], 1);
        double mean;
        assert_true(mf_indicators_mean_wd(&f, &mean));
        assert_true(mean == 0.0);
}

static void test_open_assessment_overdue_after_its_45th_working_day(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_assessment_started("e1", "c1", "a1", "2023-09-04"));
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2023-11-06T12:00:00")),
                         MF_OK);
        mf_test_figures(t, "2023-11-06", &f);
        assert_int_equal(f.assessments_open, 1);
        assert_int_equal(f.assessments_overdue, 0);
        assert_int_equal(f.assessments_6m, 1);
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2023-11-07T00:00:01")),
                         MF_OK);
        mf_test_figures(t, "2023-11-07", &f);
        assert_int_equal(f.assessments_overdue, 1);
}

static void test_open_assessment_started_before_window_counts_in_total(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_assessment_started("e1", "c1", "a1", "2023-04-03"));
        push(t, mf_test_assessment_started("e2", "c2", "a2", "2023-04-04"));
        push(t, mf_test_assessment_authorised("e3", "c2", "a2", "2023-04-20"));
        push(t, mf_test_contact("e4", "c3", "k1", mf_test_utc("2023-11-07T10:00:00")));
        mf_test_figures(t, "2023-11-07", &f);
        /* a1 is open (counts); a2 started and finished before the window. */
        assert_int_equal(f.assessments_6m, 1);
        assert_int_equal(f.assessments_open, 1);
        assert_int_equal(f.assessments_completed_6m, 0);
}

static void test_icpc_on_15th_working_day_in_time_16th_late(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        /* From Monday 2023-10-02 the 15th working day is Monday 2023-10-23. */
        push(t, mf_test_s47_started("e1", "c1", "s1", "2023-10-02"));
        push(t, mf_test_s47_started("e2", "c2", "s2", "2023-10-02"));
        push(t, mf_test_icpc("e3", "c1", "s1", "2023-10-23"));
        push(t, mf_test_icpc("e4", "c2", "s2", "2023-10-24"));
        mf_test_figures(t, "2023-10-24", &f);
        assert_int_equal(f.s47_6m, 2);
        assert_int_equal(f.icpc_6m, 2);
        assert_int_equal(f.icpc_in_time_6m.num, 1);
        assert_int_equal(f.icpc_in_time_6m.den, 2);
        assert_int_equal(f.icpc_overdue, 0);
}

static void test_s47_awaiting_icpc_overdue_unless_not_required(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_s47_started("e1", "c1", "s1", "2023-10-02"));
        push(t, mf_test_s47_started("e2", "c2", "s2", "2023-10-02"));
        push(t, mf_test_s47_started("e3", "c3", "s3", "2023-10-02"));
        push(t, mf_test_s47_outcome("e4", "c2", "s2", "2023-10-10", false));
        push(t, mf_test_s47_outcome("e5", "c3", "s3", "2023-10-10", true));
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2023-10-23T12:00:00")),
                         MF_OK);
        mf_test_figures(t, "2023-10-23", &f);
        assert_int_equal(f.icpc_overdue, 0);
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2023-10-24T12:00:00")),
                         MF_OK);
        mf_test_figures(t, "2023-10-24", &f);
        /* s1 and s3 still await an ICPC; s2 needs none. */
        assert_int_equal(f.icpc_overdue, 2);
}

static void test_icpc_before_strategy_is_a_date_error(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        push(t, mf_test_s47_started("e1", "c1", "s1", "2023-10-10"));
        push(t, mf_test_icpc("e2", "c1", "s1", "2023-10-09"));
        mf_test_figures(t, "2023-10-10", &f);
        assert_int_equal(f.icpc_6m, 1);
        assert_int_equal(f.icpc_date_errors_6m, 1);
        assert_int_equal(f.icpc_in_time_6m.den, 0);
}

static void test_rereferral_children_take_each_childs_latest_referral(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        mf_event_t ev[] = {
            mf_test_referral("e1", "c1", "r1", "2023-03-01"), /* before the window */
            mf_test_referral("e2", "c1", "r2", "2023-06-01"), /* 1 previous */
            mf_test_referral("e3", "c1", "r3", "2023-07-01"), /* 2 previous: latest */
            mf_test_referral("e4", "c2", "r4", "2023-08-01"), /* first */
            mf_test_referral("e5", "c3", "r5", "2023-08-02"), /* first */
            mf_test_referral("e6", "c3", "r6", "2023-09-02"), /* 1 previous: latest */
        };
        for (size_t i = 0; i < MF_ARRAY_LEN(ev); i++)
                mf_test_push(t, &ev[i]);
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2023-11-07T12:00:00")),
                         MF_OK);
        mf_test_figures(t, "2023-11-07", &f);
        assert_int_equal(f.referrals_6m, 5);
        assert_int_equal(f.rereferral_6m.num, 3);
        assert_int_equal(f.rereferral_6m.den, 5);
        assert_int_equal(f.rereferral_children_6m.num, 2);
        assert_int_equal(f.rereferral_children_6m.den, 3);
        assert_int_equal(f.children_by_previous_referrals_6m[0], 1);
        assert_int_equal(f.children_by_previous_referrals_6m[1], 1);
        assert_int_equal(f.children_by_previous_referrals_6m[2], 1);
        assert_int_equal(f.children_by_previous_referrals_6m[3], 0);
}

static void test_breakdowns_use_child_demographics_from_latest_contact(void **state) {
        mf_test_pipe_t *t = *state;
        mf_indicators_t f;
        mf_event_t c1 =
            mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-09-01T10:00:00"));
        c1.u.contact.gender = MF_GENDER_M;
        c1.u.contact.birth_date = mf_test_date("2015-09-02"); /* 7 on 2023-09-01 */
        c1.u.contact.ethnicity = MF_STR_LIT("WBRI");
        c1.u.contact.disability = MF_TRI_TRUE;
        c1.u.contact.source = MF_STR_LIT("2A");
        mf_event_t c2 =
            mf_test_contact("e2", "c1", "k2", mf_test_utc("2023-09-05T10:00:00"));
        c2.u.contact.gender = MF_GENDER_F; /* the later contact wins */
        c2.u.contact.ethnicity = MF_STR_LIT("REFU");
        mf_event_t r = mf_test_referral("e3", "c1", "r1", "2023-09-06");
        r.u.referral.source = MF_STR_LIT("6");
        mf_test_push(t, &c1);
        mf_test_push(t, &c2);
        mf_test_push(t, &r);
        mf_test_figures(t, "2023-09-06", &f);
        const mf_breakdown_t *bc = &f.breakdown[MF_BD_CONTACTS];
        assert_int_equal(bc->gender[MF_GENDER_MALE], 1);
        assert_int_equal(bc->gender[MF_GENDER_FEMALE], 1);
        assert_int_equal(bc->age[MF_AGE_5_9], 1);
        assert_int_equal(bc->age[MF_AGE_NOT_RECORDED], 1);
        const mf_breakdown_t *br = &f.breakdown[MF_BD_REFERRALS];
        assert_int_equal(br->gender[MF_GENDER_FEMALE], 1);
        assert_int_equal(br->ethnicity[MF_ETH_NOT_STATED], 1);
        assert_int_equal(br->disability[MF_DIS_YES], 1);
        assert_int_equal(br->age[MF_AGE_5_9], 1);
        mf_store_t *st = mf_pipeline_store(t->p, MF_STR_LIT(MF_TEST_LA));
        assert_int_equal(br->source[mf_store_source(st, MF_STR_LIT("6"))], 1);
        assert_int_equal(bc->source[mf_store_source(st, MF_STR_LIT("2A"))], 1);
        assert_int_equal(bc->source[MF_SOURCE_NONE], 1);
}

static void test_age_bands_at_the_records_date(void **state) {
        MF_UNUSED(state);
        assert_int_equal(
            mf_age_band(mf_test_date("2024-01-02"), mf_test_date("2024-01-01")),
            MF_AGE_UNBORN);
        assert_int_equal(
            mf_age_band(mf_test_date("2023-01-02"), mf_test_date("2024-01-01")),
            MF_AGE_UNDER_1);
        assert_int_equal(
            mf_age_band(mf_test_date("2023-01-01"), mf_test_date("2024-01-01")),
            MF_AGE_1_4);
        assert_int_equal(
            mf_age_band(mf_test_date("2008-01-01"), mf_test_date("2024-01-01")),
            MF_AGE_16_PLUS);
        assert_int_equal(
            mf_age_band(mf_test_date("2008-01-02"), mf_test_date("2024-01-01")),
            MF_AGE_10_15);
        /* Born on a leap day: 1 year old on 1 March of the next year. */
        assert_int_equal(
            mf_age_band(mf_test_date("2020-02-29"), mf_test_date("2021-02-28")),
            MF_AGE_UNDER_1);
        assert_int_equal(
            mf_age_band(mf_test_date("2020-02-29"), mf_test_date("2021-03-01")),
            MF_AGE_1_4);
        assert_int_equal(mf_age_band(MF_DATE_NONE, mf_test_date("2021-03-01")),
                         MF_AGE_NOT_RECORDED);
}

static void test_duration_bands_follow_dfe_bands(void **state) {
        MF_UNUSED(state);
        const struct {
                int wd, band;
        } cases[] = {{0, MF_BAND_SAME_DAY}, {1, MF_BAND_1_10},   {10, MF_BAND_1_10},
                     {11, MF_BAND_11_20},   {40, MF_BAND_31_40}, {41, MF_BAND_41_45},
                     {45, MF_BAND_41_45},   {46, MF_BAND_46_50}, {60, MF_BAND_51_60},
                     {61, MF_BAND_61_PLUS}};
        for (size_t i = 0; i < MF_ARRAY_LEN(cases); i++)
                assert_int_equal(mf_duration_band(cases[i].wd), cases[i].band);
}

static void test_trend_months_tile_back_from_a_month_end(void **state) {
        mf_test_pipe_t *t = *state;
        /* As of 2024-03-31 the months are (.., 2023-10-31], (.., 2023-11-30],
         * (.., 2023-12-31], (.., 2024-01-31], (.., 2024-02-29], (.., 2024-03-31]:
         * no day lost to clamping (2024-02-29 + 1 is 2024-03-01). */
        mf_event_t ev[] = {
            mf_test_contact("e1", "c1", "k1", mf_test_utc("2023-09-30T12:00:00")),
            mf_test_contact("e2", "c2", "k2", mf_test_utc("2023-10-01T12:00:00")),
            mf_test_contact("e3", "c3", "k3", mf_test_utc("2024-02-29T12:00:00")),
            mf_test_contact("e4", "c4", "k4", mf_test_utc("2024-03-01T12:00:00")),
            mf_test_referral("e5", "c1", "r1", "2023-12-31"),
            mf_test_referral("e6", "c1", "r2", "2024-01-01"), /* re-referral */
            mf_test_referral("e7", "c2", "r3", "2024-03-31"),
        };
        for (size_t i = 0; i < MF_ARRAY_LEN(ev); i++)
                mf_test_push(t, &ev[i]);
        assert_int_equal(mf_pipeline_tick(t->p, mf_test_utc("2024-03-31T18:00:00")),
                         MF_OK);
        mf_month_t m[6];
        assert_int_equal(mf_pipeline_trend(t->p, MF_STR_LIT(MF_TEST_LA),
                                           mf_test_date("2024-03-31"), 6, m),
                         MF_OK);
        const char *from[] = {"2023-10-01", "2023-11-01", "2023-12-01",
                              "2024-01-01", "2024-02-01", "2024-03-01"};
        const char *to[] = {"2023-10-31", "2023-11-30", "2023-12-31",
                            "2024-01-31", "2024-02-29", "2024-03-31"};
        uint32_t contacts[] = {1, 0, 0, 0, 1, 1}, referrals[] = {0, 0, 1, 1, 0, 1};
        uint32_t rereferrals[] = {0, 0, 0, 1, 0, 0};
        for (int k = 0; k < 6; k++) {
                assert_int_equal(m[k].from, mf_test_date(from[k]));
                assert_int_equal(m[k].to, mf_test_date(to[k]));
                assert_int_equal(m[k].contacts, contacts[k]);
                assert_int_equal(m[k].referrals, referrals[k]);
                assert_int_equal(m[k].rereferrals.den, referrals[k]);
                assert_int_equal(m[k].rereferrals.num, rereferrals[k]);
        }
        /* The months' contacts add up to the 6-month figure. */
        mf_indicators_t f;
        mf_test_figures(t, "2024-03-31", &f);
        assert_int_equal(f.contacts_6m, 3);
        assert_int_equal(f.referrals_6m, 3);
}

static void test_trend_rejects_dates_after_the_clock_or_before_the_horizon(void **state) {
        mf_test_pipe_t *t = *state;
        push(t, mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-03-01T12:00:00")));
        mf_month_t m[24];
        mf_str_t la = MF_STR_LIT(MF_TEST_LA);
        assert_int_equal(mf_pipeline_trend(t->p, la, mf_test_date("2024-03-02"), 6, m),
                         MF_ERR_RANGE);
        assert_int_equal(mf_pipeline_trend(t->p, la, mf_test_date("2024-03-01"), 0, m),
                         MF_ERR_RANGE);
        assert_int_equal(mf_pipeline_trend(t->p, la, mf_test_date("2022-06-01"), 6, m),
                         MF_ERR_RANGE);
        assert_int_equal(
            mf_pipeline_trend(t->p, MF_STR_LIT("999"), mf_test_date("2024-03-01"), 6, m),
            MF_ERR_INVALID);
}

static void test_open_counts_follow_opening_and_closing_events(void **state) {
        mf_test_pipe_t *t = *state;
        mf_event_t ev[] = {
            mf_test_contact("e1", "c1", "k1", mf_test_utc("2024-03-01T09:00:00")),
            mf_test_contact("e2", "c2", "k2", mf_test_utc("2024-03-01T10:00:00")),
            mf_test_decision("e3", "c1", "k1", mf_test_utc("2024-03-01T11:00:00"),
                             MF_OUTCOME_NFA),
            mf_test_assessment_started("e4", "c1", "a1", "2024-03-01"),
            mf_test_s47_started("e5", "c1", "s1", "2024-03-01"),
            mf_test_s47_started("e6", "c2", "s2", "2024-03-01"),
            mf_test_icpc("e7", "c2", "s2", "2024-03-04"),
        };
        for (size_t i = 0; i < MF_ARRAY_LEN(ev); i++)
                mf_test_push(t, &ev[i]);
        mf_open_counts_t o;
        assert_int_equal(mf_pipeline_open_counts(t->p, MF_STR_LIT(MF_TEST_LA), &o),
                         MF_OK);
        assert_int_equal(o.contacts, 1);
        assert_int_equal(o.assessments, 1);
        assert_int_equal(o.s47s, 1);
        assert_int_equal(mf_pipeline_open_counts(t->p, MF_STR_LIT("999"), &o),
                         MF_ERR_INVALID);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
            T(test_contacts_window_starts_the_day_after_six_months_back),
            T(test_month_end_window_clamps_to_leap_day),
            T(test_contact_just_before_midnight_bst_is_dated_by_london_clock),
            T(test_children_with_multiple_contacts_counts_each_child_once),
            T(test_decision_due_same_clock_time_next_working_day),
            T(test_saturday_contact_due_end_of_monday),
            T(test_undecided_contact_overdue_only_after_due_instant),
            T(test_assessment_of_45_working_days_is_in_time_and_46_is_not),
            T(test_assessment_same_day_is_zero_days_and_date_error_is_neither),
            T(test_open_assessment_overdue_after_its_45th_working_day),
            T(test_open_assessment_started_before_window_counts_in_total),
            T(test_icpc_on_15th_working_day_in_time_16th_late),
            T(test_s47_awaiting_icpc_overdue_unless_not_required),
            T(test_icpc_before_strategy_is_a_date_error),
            T(test_rereferral_children_take_each_childs_latest_referral),
            T(test_breakdowns_use_child_demographics_from_latest_contact),
            T(test_trend_months_tile_back_from_a_month_end),
            T(test_trend_rejects_dates_after_the_clock_or_before_the_horizon),
            T(test_open_counts_follow_opening_and_closing_events),
            cmocka_unit_test(test_age_bands_at_the_records_date),
            cmocka_unit_test(test_duration_bands_follow_dfe_bands),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
