/*
 * Tests for mf_calendar: working days, and the shipped England and Wales
 * calendar. Expected working-day counts were worked out by hand on a printed
 * calendar (and checked by counting day by day in Python), never with the
 * code under test.
 */
#include "mf_test_util.h"

#include <stdio.h>
#include <stdlib.h>

#define D(s) mf_test_date(s)
/* Dates past 2099, which mf_date_parse (the wire's range) refuses. */
#define YMD(y, m, d) mf_date_from_ymd(y, m, d)

static void assert_date(mf_date_t got, const char *want) {
        char buf[11];
        mf_date_format(got, buf);
        assert_string_equal(buf, want);
}

static int setup_shipped(void **state) {
        *state = mf_test_calendar();
        return 0;
}

static int setup_empty(void **state) {
        *state = mf_calendar_new();
        return *state ? 0 : -1;
}

static int teardown(void **state) {
        mf_calendar_free(*state);
        return 0;
}

static mf_err_t load(mf_calendar_t *cal, const char *text, char *err, size_t errlen) {
        return mf_calendar_load(cal, text, strlen(text), err, errlen);
}

/* ---- wd(a, b) ---- */

static void test_wd_friday_to_monday_is_1(void **state) {
        assert_int_equal(mf_calendar_wd(*state, D("2024-03-08"), D("2024-03-11")), 1);
}

static void test_wd_same_day_is_0(void **state) {
        assert_int_equal(mf_calendar_wd(*state, D("2024-03-13"), D("2024-03-13")), 0);
        /* Also on a day that is not itself a working day. */
        assert_int_equal(mf_calendar_wd(*state, D("2024-12-25"), D("2024-12-25")), 0);
}

static void test_wd_saturday_to_sunday_is_0(void **state) {
        assert_int_equal(mf_calendar_wd(*state, D("2024-03-09"), D("2024-03-10")), 0);
}

static void test_wd_monday_to_friday_is_4(void **state) {
        assert_int_equal(mf_calendar_wd(*state, D("2024-03-11"), D("2024-03-15")), 4);
}

static void test_wd_across_easter_2024_is_1(void **state) {
        /* Good Friday 29 March and Easter Monday 1 April: only Tuesday counts. */
        assert_int_equal(mf_calendar_wd(*state, D("2024-03-28"), D("2024-04-02")), 1);
}

static void test_wd_across_christmas_and_new_year_2023_is_4(void **state) {
        /* After Friday 22 December: 27, 28 and 29 December and 2 January. */
        assert_int_equal(mf_calendar_wd(*state, D("2023-12-22"), D("2024-01-02")), 4);
}

static void test_wd_across_christmas_without_holidays_counts_weekdays(void **state) {
        /* 25 to 29 December and 1 and 2 January. */
        assert_int_equal(mf_calendar_wd(*state, D("2023-12-22"), D("2024-01-02")), 7);
}

static void test_wd_reversed_is_negative(void **state) {
        assert_int_equal(mf_calendar_wd(*state, D("2024-03-11"), D("2024-03-08")), -1);
        assert_int_equal(mf_calendar_wd(*state, D("2024-01-02"), D("2023-12-22")), -4);
}

static void test_wd_over_a_year_of_2024(void **state) {
        /* 262 weekdays in 2024, less its 8 bank holidays. */
        assert_int_equal(mf_calendar_wd(*state, D("2023-12-31"), D("2024-12-31")), 254);
}

/* Outside 1990..2100 only weekends are non-working: check the seams. */
static void test_wd_across_start_of_covered_span(void **state) {
        mf_calendar_t *cal = *state;
        assert_int_equal(mf_calendar_add_holiday(cal, D("1990-01-01")), MF_OK);
        /* Friday 29 December 1989 to Tuesday 2 January 1990: only the 2nd. */
        assert_int_equal(mf_calendar_wd(cal, D("1989-12-29"), D("1990-01-02")), 1);
        /* 1989 itself has 260 weekdays. */
        assert_int_equal(mf_calendar_wd(cal, D("1988-12-31"), D("1989-12-31")), 260);
        assert_int_equal(mf_calendar_wd(cal, D("1900-01-01"), D("1900-01-08")), 5);
}

static void test_wd_across_end_of_covered_span(void **state) {
        mf_calendar_t *cal = *state;
        assert_int_equal(mf_calendar_add_holiday(cal, D("2099-12-31")), MF_OK);
        /* 2100-12-31 is a Friday, 2101-01-03 a Monday. */
        assert_int_equal(mf_calendar_wd(cal, YMD(2100, 12, 30), YMD(2101, 1, 3)), 2);
        assert_int_equal(mf_calendar_wd(cal, D("2099-12-30"), YMD(2101, 1, 3)), 262);
}

/* Every pair of days around both seams, against counting one by one. */
static void test_wd_matches_counting_day_by_day(void **state) {
        mf_calendar_t *cal = *state;
        mf_date_t seams[] = {mf_date_from_ymd(1990, 1, 1), mf_date_from_ymd(2101, 1, 1),
                             mf_date_from_ymd(2024, 1, 1)};
        for (size_t s = 0; s < MF_ARRAY_LEN(seams); s++)
                for (mf_date_t a = seams[s] - 40; a < seams[s] + 40; a++) {
                        int32_t n = 0;
                        for (mf_date_t b = a; b < seams[s] + 40; b++) {
                                if (b > a)
                                        n += mf_calendar_is_working_day(cal, b);
                                assert_int_equal(mf_calendar_wd(cal, a, b), n);
                        }
                }
}

/* ---- add_wd and next_wd ---- */

static void test_add_wd_45th_after_start_before_christmas(void **state) {
        /* From Wednesday 20 December 2023: 21, 22, 27, 28, 29 December, then
         * eight working weeks from 2 January (40 days, the last 23 February),
         * so the 45th is Monday 26 February. */
        assert_date(mf_calendar_add_wd(*state, D("2023-12-20"), 45), "2024-02-26");
}

static void test_add_wd_15th_after_strategy_discussion_before_easter(void **state) {
        /* From Wednesday 20 March 2024: 21, 22, 25-28 March, 2-5 April, 8-12
         * April; Good Friday and Easter Monday are skipped. */
        assert_date(mf_calendar_add_wd(*state, D("2024-03-20"), 15), "2024-04-12");
}

static void test_add_wd_15th_across_platinum_jubilee(void **state) {
        /* From Wednesday 25 May 2022, skipping Thursday 2 and Friday 3 June. */
        assert_date(mf_calendar_add_wd(*state, D("2022-05-25"), 15), "2022-06-17");
}

static void test_add_wd_15th_across_state_funeral(void **state) {
        /* From Monday 12 September 2022, skipping Monday 19 September. */
        assert_date(mf_calendar_add_wd(*state, D("2022-09-12"), 15), "2022-10-04");
}

static void test_add_wd_zero_returns_date(void **state) {
        assert_date(mf_calendar_add_wd(*state, D("2024-03-30"), 0), "2024-03-30");
}

static void test_add_wd_negative_counts_back(void **state) {
        assert_date(mf_calendar_add_wd(*state, D("2024-04-02"), -1), "2024-03-28");
        assert_date(mf_calendar_add_wd(*state, D("2024-04-02"), -2), "2024-03-27");
}

static void test_add_wd_agrees_with_wd(void **state) {
        mf_calendar_t *cal = *state;
        for (mf_date_t a = D("2022-01-01"); a <= D("2023-12-31"); a++)
                for (int32_t n = 1; n <= 70; n += 3) {
                        mf_date_t b = mf_calendar_add_wd(cal, a, n);
                        assert_true(mf_calendar_is_working_day(cal, b));
                        assert_int_equal(mf_calendar_wd(cal, a, b), n);
                        assert_int_equal(mf_calendar_wd(cal, a, b - 1), n - 1);
                }
}

static void test_add_wd_before_span_by_weekdays(void **state) {
        /* Friday 1 December 1989 plus 20 weekdays is Friday 29 December. */
        assert_date(mf_calendar_add_wd(*state, D("1989-12-01"), 20), "1989-12-29");
        /* and 21 crosses into the span: Monday 1 January 1990. */
        assert_date(mf_calendar_add_wd(*state, D("1989-12-01"), 21), "1990-01-01");
}

static void test_add_wd_beyond_span_by_weekdays(void **state) {
        mf_calendar_t *cal = *state;
        assert_int_equal(mf_calendar_add_holiday(cal, D("2099-12-31")), MF_OK);
        /* Thursday 30 December 2100: Friday 31st, then Monday 3 and Tuesday 4
         * January 2101. */
        assert_date(mf_calendar_add_wd(cal, YMD(2100, 12, 30), 3), "2101-01-04");
        /* Wednesday 30 December 2099: skip the holiday on the 31st. */
        assert_date(mf_calendar_add_wd(cal, D("2099-12-30"), 1), "2100-01-01");
}

static void test_next_wd_on_a_friday_is_monday(void **state) {
        assert_date(mf_calendar_next_wd(*state, D("2024-03-08")), "2024-03-11");
}

static void test_next_wd_on_a_saturday_is_monday(void **state) {
        assert_date(mf_calendar_next_wd(*state, D("2024-03-09")), "2024-03-11");
}

static void test_next_wd_on_a_wednesday_is_thursday(void **state) {
        assert_date(mf_calendar_next_wd(*state, D("2024-03-13")), "2024-03-14");
}

static void test_next_wd_before_good_friday_is_after_easter_monday(void **state) {
        assert_date(mf_calendar_next_wd(*state, D("2024-03-28")), "2024-04-02");
}

static void test_next_wd_before_spring_bank_holiday(void **state) {
        assert_date(mf_calendar_next_wd(*state, D("2024-05-24")), "2024-05-28");
}

static void test_next_wd_on_christmas_eve_2021(void **state) {
        /* Christmas and Boxing Day fell on the weekend; both substitutes follow. */
        assert_date(mf_calendar_next_wd(*state, D("2021-12-24")), "2021-12-29");
}

/* ---- The shipped calendar ---- */

static void test_ve_day_2020_is_not_a_working_day(void **state) {
        assert_false(mf_calendar_is_working_day(*state, D("2020-05-08")));
        /* The first Monday of May 2020 was worked instead. */
        assert_true(mf_calendar_is_working_day(*state, D("2020-05-04")));
}

static void test_spring_bank_holiday_2022_moved_to_2_june(void **state) {
        assert_false(mf_calendar_is_working_day(*state, D("2022-06-02")));
        assert_true(mf_calendar_is_working_day(*state, D("2022-05-30")));
}

static void test_platinum_jubilee_2022_is_not_a_working_day(void **state) {
        assert_false(mf_calendar_is_working_day(*state, D("2022-06-03")));
}

static void test_state_funeral_2022_is_not_a_working_day(void **state) {
        assert_false(mf_calendar_is_working_day(*state, D("2022-09-19")));
}

static void test_coronation_2023_is_not_a_working_day(void **state) {
        assert_false(mf_calendar_is_working_day(*state, D("2023-05-08")));
}

static void test_substitute_days_are_not_working_days(void **state) {
        static const char *const days[] = {
            "2017-01-02", "2020-12-28", "2021-12-27", "2021-12-28",
            "2022-01-03", "2022-12-26", "2022-12-27", "2023-01-02",
            "2026-12-28", "2027-12-27", "2027-12-28", "2028-01-03",
        };
        for (size_t i = 0; i < MF_ARRAY_LEN(days); i++)
                if (mf_calendar_is_working_day(*state, D(days[i])))
                        fail_msg("%s should be a bank holiday", days[i]);
}

static void test_weekends_are_not_working_days(void **state) {
        assert_false(mf_calendar_is_working_day(*state, D("2024-03-09")));
        assert_false(mf_calendar_is_working_day(*state, D("2024-03-10")));
        assert_false(mf_calendar_is_working_day(*state, D("1985-03-09")));
        assert_false(mf_calendar_is_working_day(*state, D("2099-12-26")));
        assert_true(mf_calendar_is_working_day(*state, D("1985-03-11")));
}

static void test_easter_in_every_year_shipped(void **state) {
        /* Good Friday of each year 2015..2030 (Easter Monday is 3 days on). */
        static const char *const good_friday[] = {
            "2015-04-03", "2016-03-25", "2017-04-14", "2018-03-30",
            "2019-04-19", "2020-04-10", "2021-04-02", "2022-04-15",
            "2023-04-07", "2024-03-29", "2025-04-18", "2026-04-03",
            "2027-03-26", "2028-04-14", "2029-03-30", "2030-04-19",
        };
        for (size_t i = 0; i < MF_ARRAY_LEN(good_friday); i++) {
                mf_date_t gf = D(good_friday[i]);
                assert_int_equal(mf_date_weekday(gf), 5);
                if (mf_calendar_is_working_day(*state, gf) ||
                    mf_calendar_is_working_day(*state, gf + 3))
                        fail_msg("Easter around %s missing", good_friday[i]);
                /* Thursday before to Tuesday after: just the Tuesday. */
                assert_int_equal(mf_calendar_wd(*state, gf - 1, gf + 4), 1);
        }
}

static void test_holidays_per_year_in_shipped_file(void **state) {
        mf_calendar_t *cal = *state;
        for (int y = 2015; y <= 2030; y++) {
                int want = y == 2022 ? 10 : y == 2023 ? 9 : 8;
                mf_date_t from = mf_date_from_ymd(y - 1, 12, 31);
                mf_date_t to = mf_date_from_ymd(y, 12, 31);
                int weekdays = 0, working = mf_calendar_wd(cal, from, to);
                for (mf_date_t d = from + 1; d <= to; d++)
                        weekdays += mf_date_weekday(d) <= 5;
                if (weekdays - working != want)
                        fail_msg("%d: %d bank holidays, want %d", y, weekdays - working,
                                 want);
        }
}

static void test_shipped_file_totals(void **state) {
        /* 16 years of 8, plus 2 extra in 2022 and 1 in 2023; none on a weekend. */
        assert_int_equal(mf_calendar_holiday_count(*state), 131);
        assert_date(mf_calendar_first_holiday(*state), "2015-01-01");
        assert_date(mf_calendar_last_holiday(*state), "2030-12-26");
}

/* ---- Building and loading ---- */

static void test_new_calendar_has_no_holidays(void **state) {
        assert_int_equal(mf_calendar_holiday_count(*state), 0);
        assert_int_equal(mf_calendar_first_holiday(*state), MF_DATE_NONE);
        assert_int_equal(mf_calendar_last_holiday(*state), MF_DATE_NONE);
        assert_true(mf_calendar_is_working_day(*state, D("2024-12-25")));
}

static void test_add_holiday_changes_wd(void **state) {
        mf_calendar_t *cal = *state;
        assert_int_equal(mf_calendar_wd(cal, D("2024-12-23"), D("2024-12-27")), 4);
        assert_int_equal(mf_calendar_add_holiday(cal, D("2024-12-25")), MF_OK);
        assert_int_equal(mf_calendar_wd(cal, D("2024-12-23"), D("2024-12-27")), 3);
        assert_date(mf_calendar_next_wd(cal, D("2024-12-24")), "2024-12-26");
}

static void test_add_holiday_twice_counts_once(void **state) {
        mf_calendar_t *cal = *state;
        assert_int_equal(mf_calendar_add_holiday(cal, D("2024-12-25")), MF_OK);
        assert_int_equal(mf_calendar_add_holiday(cal, D("2024-12-25")), MF_OK);
        assert_int_equal(mf_calendar_holiday_count(cal), 1);
        assert_int_equal(mf_calendar_wd(cal, D("2024-12-23"), D("2024-12-27")), 3);
}

static void test_add_holiday_outside_span_is_range_error(void **state) {
        mf_calendar_t *cal = *state;
        assert_int_equal(mf_calendar_add_holiday(cal, D("1989-12-25")), MF_ERR_RANGE);
        assert_int_equal(mf_calendar_add_holiday(cal, mf_date_from_ymd(2101, 1, 3)),
                         MF_ERR_RANGE);
        assert_int_equal(mf_calendar_holiday_count(cal), 0);
}

static void test_add_holiday_on_a_weekend_changes_nothing(void **state) {
        mf_calendar_t *cal = *state;
        assert_int_equal(mf_calendar_add_holiday(cal, D("2022-12-25")), MF_OK);
        assert_int_equal(mf_calendar_holiday_count(cal), 1);
        assert_int_equal(mf_calendar_wd(cal, D("2022-12-23"), D("2022-12-26")), 1);
}

static void test_load_reads_comments_blanks_crlf_and_names(void **state) {
        mf_calendar_t *cal = *state;
        char err[128] = "";
        const char *text = "# Local closure days\r\n"
                           "\r\n"
                           "2024-12-27  Local closure\r\n"
                           "   # indented comment\n"
                           "2024-12-30\tLocal closure\n"
                           "2024-12-31\n"
                           "   \t\n"
                           "2025-01-02";
        assert_int_equal(load(cal, text, err, sizeof(err)), MF_OK);
        assert_string_equal(err, "");
        assert_int_equal(mf_calendar_holiday_count(cal), 4);
        assert_date(mf_calendar_first_holiday(cal), "2024-12-27");
        assert_date(mf_calendar_last_holiday(cal), "2025-01-02");
        assert_false(mf_calendar_is_working_day(cal, D("2024-12-30")));
        assert_false(mf_calendar_is_working_day(cal, D("2025-01-02")));
}

static void test_load_adds_to_what_is_there(void **state) {
        mf_calendar_t *cal = mf_test_calendar();
        char err[128] = "";
        assert_int_equal(load(cal, "2024-12-27 Local closure\n", err, sizeof(err)),
                         MF_OK);
        assert_int_equal(mf_calendar_holiday_count(cal), 132);
        /* After Friday 20 December 2024: 23, 24, 30, 31 December, 2 January. */
        assert_int_equal(mf_calendar_wd(cal, D("2024-12-20"), D("2025-01-02")), 5);
        mf_calendar_free(cal);
        (void)state;
}

static void test_load_skips_byte_order_mark(void **state) {
        char err[128] = "";
        assert_int_equal(load(*state,
                              "\xEF\xBB\xBF"
                              "2024-12-27\n",
                              err, sizeof(err)),
                         MF_OK);
        assert_int_equal(mf_calendar_holiday_count(*state), 1);
}

static void test_load_empty_buffer_is_ok(void **state) {
        char err[128] = "";
        assert_int_equal(mf_calendar_load(*state, "", 0, err, sizeof(err)), MF_OK);
        assert_int_equal(mf_calendar_holiday_count(*state), 0);
}

static void test_load_error_names_line_of_bad_date_shape(void **state) {
        char err[128] = "";
        const char *text = "# header\n"
                           "\n"
                           "2024-12-25  Christmas Day\n"
                           "2024-12-26  Boxing Day\n"
                           "\n"
                           "# and more\n"
                           "25/12/2025  Christmas Day\n";
        assert_int_equal(load(*state, text, err, sizeof(err)), MF_ERR_INVALID);
        assert_string_equal(err, "line 7: expected a date YYYY-MM-DD");
}

static void test_load_error_counts_crlf_lines(void **state) {
        char err[128] = "";
        assert_int_equal(
            load(*state, "2024-12-25\r\n\r\nChristmas\r\n", err, sizeof(err)),
            MF_ERR_INVALID);
        assert_string_equal(err, "line 3: expected a date YYYY-MM-DD");
}

static void test_load_error_on_impossible_date(void **state) {
        char err[128] = "";
        assert_int_equal(
            load(*state, "2024-02-29\n2023-02-29 Not a day\n", err, sizeof(err)),
            MF_ERR_INVALID);
        assert_string_equal(err, "line 2: no such date 2023-02-29");
}

static void test_load_error_on_text_joined_to_date(void **state) {
        char err[128] = "";
        assert_int_equal(load(*state, "2024-12-25Christmas\n", err, sizeof(err)),
                         MF_ERR_INVALID);
        assert_string_equal(err, "line 1: expected a space after the date 2024-12-25");
}

static void test_load_error_on_date_outside_span(void **state) {
        char err[128] = "";
        assert_int_equal(load(*state, "1989-12-25 Christmas Day\n", err, sizeof(err)),
                         MF_ERR_INVALID);
        assert_string_equal(err, "line 1: 1989-12-25 is outside 1990-01-01..2100-12-31");
}

static void test_load_error_on_short_date(void **state) {
        char err[128] = "";
        assert_int_equal(load(*state, "2024-1-01\n", err, sizeof(err)), MF_ERR_INVALID);
        assert_string_equal(err, "line 1: expected a date YYYY-MM-DD");
}

static void test_load_error_leaves_calendar_unchanged(void **state) {
        char err[128] = "";
        assert_int_equal(load(*state, "2024-12-25\n2024-12-26\nbad\n", err, sizeof(err)),
                         MF_ERR_INVALID);
        assert_int_equal(mf_calendar_holiday_count(*state), 0);
        assert_true(mf_calendar_is_working_day(*state, D("2024-12-25")));
        assert_int_equal(mf_calendar_wd(*state, D("2024-12-24"), D("2024-12-27")), 3);
}

static void test_load_error_truncates_to_errbuf(void **state) {
        char err[8];
        memset(err, 'x', sizeof(err));
        assert_int_equal(load(*state, "bad\n", err, sizeof(err)), MF_ERR_INVALID);
        assert_string_equal(err, "line 1:");
}

int main(void) {
#define SHIPPED(t) cmocka_unit_test_setup_teardown(t, setup_shipped, teardown)
#define EMPTY(t)   cmocka_unit_test_setup_teardown(t, setup_empty, teardown)
        const struct CMUnitTest tests[] = {
            SHIPPED(test_wd_friday_to_monday_is_1),
            SHIPPED(test_wd_same_day_is_0),
            SHIPPED(test_wd_saturday_to_sunday_is_0),
            SHIPPED(test_wd_monday_to_friday_is_4),
            SHIPPED(test_wd_across_easter_2024_is_1),
            SHIPPED(test_wd_across_christmas_and_new_year_2023_is_4),
            EMPTY(test_wd_across_christmas_without_holidays_counts_weekdays),
            SHIPPED(test_wd_reversed_is_negative),
            SHIPPED(test_wd_over_a_year_of_2024),
            EMPTY(test_wd_across_start_of_covered_span),
            EMPTY(test_wd_across_end_of_covered_span),
            SHIPPED(test_wd_matches_counting_day_by_day),
            SHIPPED(test_add_wd_45th_after_start_before_christmas),
            SHIPPED(test_add_wd_15th_after_strategy_discussion_before_easter),
            SHIPPED(test_add_wd_15th_across_platinum_jubilee),
            SHIPPED(test_add_wd_15th_across_state_funeral),
            SHIPPED(test_add_wd_zero_returns_date),
            SHIPPED(test_add_wd_negative_counts_back),
            SHIPPED(test_add_wd_agrees_with_wd),
            EMPTY(test_add_wd_before_span_by_weekdays),
            EMPTY(test_add_wd_beyond_span_by_weekdays),
            SHIPPED(test_next_wd_on_a_friday_is_monday),
            SHIPPED(test_next_wd_on_a_saturday_is_monday),
            SHIPPED(test_next_wd_on_a_wednesday_is_thursday),
            SHIPPED(test_next_wd_before_good_friday_is_after_easter_monday),
            SHIPPED(test_next_wd_before_spring_bank_holiday),
            SHIPPED(test_next_wd_on_christmas_eve_2021),
            SHIPPED(test_ve_day_2020_is_not_a_working_day),
            SHIPPED(test_spring_bank_holiday_2022_moved_to_2_june),
            SHIPPED(test_platinum_jubilee_2022_is_not_a_working_day),
            SHIPPED(test_state_funeral_2022_is_not_a_working_day),
            SHIPPED(test_coronation_2023_is_not_a_working_day),
            SHIPPED(test_substitute_days_are_not_working_days),
            SHIPPED(test_weekends_are_not_working_days),
            SHIPPED(test_easter_in_every_year_shipped),
            SHIPPED(test_holidays_per_year_in_shipped_file),
            SHIPPED(test_shipped_file_totals),
            EMPTY(test_new_calendar_has_no_holidays),
            EMPTY(test_add_holiday_changes_wd),
            EMPTY(test_add_holiday_twice_counts_once),
            EMPTY(test_add_holiday_outside_span_is_range_error),
            EMPTY(test_add_holiday_on_a_weekend_changes_nothing),
            EMPTY(test_load_reads_comments_blanks_crlf_and_names),
            EMPTY(test_load_adds_to_what_is_there),
            EMPTY(test_load_skips_byte_order_mark),
            EMPTY(test_load_empty_buffer_is_ok),
            EMPTY(test_load_error_names_line_of_bad_date_shape),
            EMPTY(test_load_error_counts_crlf_lines),
            EMPTY(test_load_error_on_impossible_date),
            EMPTY(test_load_error_on_text_joined_to_date),
            EMPTY(test_load_error_on_date_outside_span),
            EMPTY(test_load_error_on_short_date),
            EMPTY(test_load_error_leaves_calendar_unchanged),
            EMPTY(test_load_error_truncates_to_errbuf),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
