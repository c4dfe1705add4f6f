/* mf_expo: the Prometheus text exposition writer. */
#include "mf_test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mf_expo.h"

/* The buffer as a NUL-terminated string (the buffer keeps its length). */
static const char *str(mf_buf_t *b) {
        assert_int_equal(mf_buf_putc(b, '\0'), MF_OK);
        b->len--;
        return b->data;
}

static void test_family_writes_help_then_type(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(
            mf_expo_family(&b, "mashflow_events_total", "counter", "Events consumed."),
            MF_OK);
        assert_string_equal(str(&b), "# HELP mashflow_events_total Events consumed.\n"
                                     "# TYPE mashflow_events_total counter\n");
        mf_buf_destroy(&b);
}

static void test_help_escapes_backslash_and_newline_but_not_quotes(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        mf_expo_family(&b, "m", "gauge", "a \\ b\nc \"d\"");
        assert_string_equal(str(&b), "# HELP m a \\\\ b\\nc \"d\"\n# TYPE m gauge\n");
        mf_buf_destroy(&b);
}

static void test_sample_without_labels(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        mf_expo_sample(&b, "up", NULL, 0, 1);
        assert_string_equal(str(&b), "up 1\n");
        mf_buf_destroy(&b);
}

static void test_label_values_escape_quote_backslash_newline(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        mf_label_t l[] = {{"topic", "a\"b\\c\nd"}, {"partition", "3"}};
        mf_expo_sample(&b, "x", l, 2, 7);
        assert_string_equal(str(&b), "x{topic=\"a\\\"b\\\\c\\nd\",partition=\"3\"} 7\n");
        mf_buf_destroy(&b);
}

static void test_values_integral_fractional_and_special(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        double v[] = {0,   -3,       12345678901234.0, 0.1,  68.130204,
                      NAN, INFINITY, -INFINITY,        1e300};
        const char *want[] = {"0",   "-3",   "12345678901234", "0.1",   "68.130204",
                              "NaN", "+Inf", "-Inf",           "1e+300"};
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                mf_buf_reset(&b);
                assert_int_equal(mf_expo_value(&b, v[i]), MF_OK);
                assert_string_equal(str(&b), want[i]);
        }
        /* Every finite value reads back as the same double. */
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                if (!isfinite(v[i]))
                        continue;
                mf_buf_reset(&b);
                mf_expo_value(&b, v[i]);
                assert_true(strtod(str(&b), NULL) == v[i]);
        }
        mf_buf_destroy(&b);
}

static void test_histo_init_rejects_bad_bounds(void **state) {
        (void)state;
        mf_histo_t h;
        double desc[] = {1, 0.5};
        double nan_b[] = {NAN};
        double many[MF_HISTO_MAX_BUCKETS + 1] = {0};
        assert_int_equal(mf_histo_init(&h, desc, 2), MF_ERR_INVALID);
        assert_int_equal(mf_histo_init(&h, nan_b, 1), MF_ERR_INVALID);
        assert_int_equal(mf_histo_init(&h, many, MF_HISTO_MAX_BUCKETS + 1),
                         MF_ERR_INVALID);
        assert_int_equal(mf_histo_init(&h, desc, 0), MF_ERR_INVALID);
}

static void test_histogram_buckets_are_cumulative_with_inf_sum_count(void **state) {
        (void)state;
        mf_histo_t h;
        double bounds[] = {0.001, 0.01, 0.1};
        assert_int_equal(mf_histo_init(&h, bounds, 3), MF_OK);
        /* A value equal to a bound falls in that bound's bucket (le). */
        double obs[] = {0.0005, 0.001, 0.005, 0.05, 0.5, 2};
        for (size_t i = 0; i < 6; i++)
                mf_histo_observe(&h, obs[i]);
        mf_buf_t b;
        mf_buf_init(&b);
        mf_label_t l[] = {{"guarantee", "exactly_once"}};
        assert_int_equal(mf_expo_histogram(&b, "lat_seconds", l, 1, &h), MF_OK);
        assert_string_equal(
            str(&b), "lat_seconds_bucket{guarantee=\"exactly_once\",le=\"0.001\"} 2\n"
                     "lat_seconds_bucket{guarantee=\"exactly_once\",le=\"0.01\"} 3\n"
                     "lat_seconds_bucket{guarantee=\"exactly_once\",le=\"0.1\"} 4\n"
                     "lat_seconds_bucket{guarantee=\"exactly_once\",le=\"+Inf\"} 6\n"
                     "lat_seconds_sum{guarantee=\"exactly_once\"} 2.5564999999999998\n"
                     "lat_seconds_count{guarantee=\"exactly_once\"} 6\n");
        mf_buf_destroy(&b);
}

static void test_histogram_without_labels(void **state) {
        (void)state;
        mf_histo_t h;
        double bounds[] = {1};
        mf_histo_init(&h, bounds, 1);
        mf_buf_t b;
        mf_buf_init(&b);
        mf_expo_histogram(&b, "h", NULL, 0, &h);
        assert_string_equal(str(&b), "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
                                     "h_sum 0\nh_count 0\n");
        mf_buf_destroy(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_family_writes_help_then_type),
            cmocka_unit_test(test_help_escapes_backslash_and_newline_but_not_quotes),
            cmocka_unit_test(test_sample_without_labels),
            cmocka_unit_test(test_label_values_escape_quote_backslash_newline),
            cmocka_unit_test(test_values_integral_fractional_and_special),
            cmocka_unit_test(test_histo_init_rejects_bad_bounds),
            cmocka_unit_test(test_histogram_buckets_are_cumulative_with_inf_sum_count),
            cmocka_unit_test(test_histogram_without_labels),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
