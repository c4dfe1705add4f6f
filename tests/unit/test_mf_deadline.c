/* The timer heap: order, ties, and only what is due. */
#include "mf_test_util.h"

#include <stdlib.h>

#include "mf_deadline.h"

static void test_pops_in_instant_order_and_only_when_due(void **state) {
        MF_UNUSED(state);
        mf_deadlines_t d;
        mf_deadlines_init(&d);
        const mf_instant_t at[] = {50, 10, 40, 20, 30};
        for (size_t i = 0; i < MF_ARRAY_LEN(at); i++)
                assert_int_equal(
                    mf_deadlines_push(&d, (mf_timer_t){.at = at[i], .slot = (uint32_t)i}),
                    MF_OK);
        mf_timer_t t;
        assert_false(mf_deadlines_pop_due(&d, 9, &t));
        assert_true(mf_deadlines_pop_due(&d, 25, &t));
        assert_int_equal(t.at, 10);
        assert_true(mf_deadlines_pop_due(&d, 25, &t));
        assert_int_equal(t.at, 20);
        assert_false(mf_deadlines_pop_due(&d, 25, &t));
        assert_int_equal(mf_deadlines_count(&d), 3);
        assert_true(mf_deadlines_pop_due(&d, 30, &t)); /* due exactly at its instant */
        assert_int_equal(t.at, 30);
        mf_deadlines_destroy(&d);
}

static void test_equal_instants_fire_in_the_order_set(void **state) {
        MF_UNUSED(state);
        mf_deadlines_t d;
        mf_deadlines_init(&d);
        for (uint32_t i = 0; i < 100; i++)
                mf_deadlines_push(&d, (mf_timer_t){.at = 7, .slot = i});
        mf_timer_t t;
        for (uint32_t i = 0; i < 100; i++) {
                assert_true(mf_deadlines_pop_due(&d, 7, &t));
                assert_int_equal(t.slot, i);
        }
        mf_deadlines_destroy(&d);
}

static void test_many_random_timers_come_out_sorted(void **state) {
        MF_UNUSED(state);
        mf_deadlines_t d;
        mf_deadlines_init(&d);
        uint64_t x = 88172645463325252ULL;
        for (int i = 0; i < 100000; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                mf_deadlines_push(&d, (mf_timer_t){.at = (mf_instant_t)(x % 1000000)});
        }
        mf_timer_t t;
        mf_instant_t last = -1;
        size_t n = 0;
        while (mf_deadlines_pop_due(&d, INT64_MAX, &t)) {
                assert_true(t.at >= last);
                last = t.at;
                n++;
        }
        assert_int_equal(n, 100000);
        mf_deadlines_destroy(&d);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pops_in_instant_order_and_only_when_due),
            cmocka_unit_test(test_equal_instants_fire_in_the_order_set),
            cmocka_unit_test(test_many_random_timers_come_out_sorted),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
