/* Re-referral detection (DOMAIN.md "Referral"), fed through the pipeline. */
#include "mf_test_util.h"

static int setup(void **state) {
        *state = mf_test_pipe_new();
        return 0;
}

static int teardown(void **state) {
        mf_test_pipe_free(*state);
        return 0;
}

static void push_referral(mf_test_pipe_t *t, const char *eid, const char *child,
                          const char *rid, const char *date) {
        mf_event_t ev = mf_test_referral(eid, child, rid, date);
        mf_test_push(t, &ev);
}

static void test_previous_referral_on_the_12_month_boundary_date_counts(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "c1", "r1", "2023-01-15");
        push_referral(t, "e2", "c1", "r2", "2024-01-15");
        const mf_test_referral_out_t *r = mf_test_last_referral(t, "r2");
        assert_int_equal(r->prev12, 1);
        assert_int_equal(r->prev_date, mf_test_date("2023-01-15"));
        assert_int_equal(r->revision, 0);
}

static void
test_previous_referral_one_day_before_the_boundary_does_not_count(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "c1", "r1", "2023-01-14");
        push_referral(t, "e2", "c1", "r2", "2024-01-15");
        const mf_test_referral_out_t *r = mf_test_last_referral(t, "r2");
        assert_int_equal(r->prev12, 0);
        assert_int_equal(r->prev_date, MF_DATE_NONE);
}

static void test_leap_day_referral_looks_back_to_clamped_28_february(void **state) {
        mf_test_pipe_t *t = *state;
        /* 2024-02-29 - 12 months clamps to 2023-02-28, which is included. */
        push_referral(t, "e1", "c1", "r1", "2023-02-28");
        push_referral(t, "e2", "c2", "r2", "2023-02-27");
        push_referral(t, "e3", "c1", "r3", "2024-02-29");
        push_referral(t, "e4", "c2", "r4", "2024-02-29");
        assert_int_equal(mf_test_last_referral(t, "r3")->prev12, 1);
        assert_int_equal(mf_test_last_referral(t, "r4")->prev12, 0);
}

static void test_two_referrals_on_one_date_second_arrival_counts_the_first(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "c1", "rA", "2023-06-01");
        push_referral(t, "e2", "c1", "rB", "2023-06-01");
        assert_int_equal(mf_test_last_referral(t, "rA")->prev12, 0);
        const mf_test_referral_out_t *b = mf_test_last_referral(t, "rB");
        assert_int_equal(b->prev12, 1);
        assert_int_equal(b->prev_date, mf_test_date("2023-06-01"));
        /* The first one's answer did not change: emitted once only. */
        assert_int_equal(mf_test_referral_count(t, "rA"), 1);
}

static void test_correction_turns_first_referral_into_rereferral_and_back(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "c1", "r0", "2022-07-01");
        push_referral(t, "e2", "c1", "r1", "2023-08-01");
        assert_int_equal(mf_test_last_referral(t, "r1")->prev12, 0);

        /* r0 corrected into r1's look-back: r1 becomes a re-referral. */
        push_referral(t, "e3", "c1", "r0", "2023-03-01");
        const mf_test_referral_out_t *r1 = mf_test_last_referral(t, "r1");
        assert_int_equal(r1->prev12, 1);
        assert_int_equal(r1->prev_date, mf_test_date("2023-03-01"));
        assert_int_equal(r1->revision, 1);
        assert_int_equal(mf_test_last_referral(t, "r0")->revision, 1);

        /* And back: r1 is a first referral again, revision 2. */
        push_referral(t, "e4", "c1", "r0", "2022-07-01");
        r1 = mf_test_last_referral(t, "r1");
        assert_int_equal(r1->prev12, 0);
        assert_int_equal(r1->prev_date, MF_DATE_NONE);
        assert_int_equal(r1->revision, 2);
        assert_int_equal(mf_test_referral_count(t, "r1"), 3);
}

static void test_late_referral_re_emits_the_later_one(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "c1", "r2", "2023-06-01");
        push_referral(t, "e2", "c1", "r1", "2023-05-01");
        assert_int_equal(mf_test_last_referral(t, "r1")->prev12, 0);
        const mf_test_referral_out_t *r2 = mf_test_last_referral(t, "r2");
        assert_int_equal(r2->prev12, 1);
        assert_int_equal(r2->revision, 1);
}

static void test_duplicate_event_id_emits_nothing(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "c1", "r1", "2023-06-01");
        push_referral(t, "e1", "c1", "r1", "2023-06-01");
        assert_int_equal(mf_test_referral_count(t, "r1"), 1);
        assert_int_equal(mf_pipeline_stats(t->p)->duplicates, 1);
}

static void test_duplicate_of_old_event_does_not_undo_a_correction(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "c1", "r1", "2023-01-01");
        push_referral(t, "e2", "c1", "r1", "2023-02-01"); /* correction */
        push_referral(t, "e1", "c1", "r1", "2023-01-01"); /* redelivered original */
        push_referral(t, "e3", "c1", "r2", "2024-01-15");
        /* Look-back from 2024-01-15 starts 2023-01-15: only the corrected date is in. */
        assert_int_equal(mf_test_last_referral(t, "r2")->prev12, 1);
        assert_int_equal(mf_test_last_referral(t, "r1")->referral_date,
                         mf_test_date("2023-02-01"));
}

static void test_correction_moving_referral_to_another_child_updates_both(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "cA", "r1", "2023-01-01");
        push_referral(t, "e2", "cA", "r2", "2023-02-01");
        push_referral(t, "e3", "cB", "r3", "2023-03-01");
        assert_int_equal(mf_test_last_referral(t, "r2")->prev12, 1);
        push_referral(t, "e4", "cB", "r1", "2023-01-01");
        assert_int_equal(mf_test_last_referral(t, "r2")->prev12, 0);
        assert_int_equal(mf_test_last_referral(t, "r3")->prev12, 1);
        assert_string_equal(mf_test_last_referral(t, "r1")->child, "cB");
}

static void test_previous_referral_date_is_the_latest_previous(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "c1", "r1", "2023-01-01");
        push_referral(t, "e2", "c1", "r2", "2023-03-01");
        push_referral(t, "e3", "c1", "r3", "2023-06-01");
        const mf_test_referral_out_t *r3 = mf_test_last_referral(t, "r3");
        assert_int_equal(r3->prev12, 2);
        assert_int_equal(r3->prev_date, mf_test_date("2023-03-01"));
}

static void test_new_later_referral_leaves_earlier_answers_unemitted(void **state) {
        mf_test_pipe_t *t = *state;
        push_referral(t, "e1", "c1", "r1", "2023-01-01");
        push_referral(t, "e2", "c1", "r2", "2023-06-01");
        push_referral(t, "e3", "c1", "r3", "2023-09-01");
        assert_int_equal(mf_test_referral_count(t, "r1"), 1);
        assert_int_equal(mf_test_referral_count(t, "r2"), 1);
        assert_int_equal(mf_test_last_referral(t, "r3")->prev12, 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
            T(test_previous_referral_on_the_12_month_boundary_date_counts),
            T(test_previous_referral_one_day_before_the_boundary_does_not_count),
            T(test_leap_day_referral_looks_back_to_clamped_28_february),
            T(test_two_referrals_on_one_date_second_arrival_counts_the_first),
            T(test_correction_turns_first_referral_into_rereferral_and_back),
            T(test_late_referral_re_emits_the_later_one),
            T(test_duplicate_event_id_emits_nothing),
            T(test_duplicate_of_old_event_does_not_undo_a_correction),
            T(test_correction_moving_referral_to_another_child_updates_both),
            T(test_previous_referral_date_is_the_latest_previous),
            T(test_new_later_referral_leaves_earlier_answers_unemitted),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
