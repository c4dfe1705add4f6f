/*
 * mf_calendar.c — working days as a cumulative count.
 *
 * Every figure asks "how many working days between these dates" or "when is
 * the n-th working day after this one" once per record, so both must be cheap.
 * cum[i] holds the number of working days in [MF_CAL_FIRST, MF_CAL_FIRST + i).
 * Extended past the span by plain weekday arithmetic, that gives a count C(d)
 * of working days up to and including d, for every d, with
 *   wd(a, b) = C(b) - C(a)
 * and the n-th working day after a date is the first d with C(d) = C(date) + n,
 * a binary search. The array (about 40,000 days) is rebuilt whenever holidays
 * are added, which happens only at start-up.
 */
#include "mf_calendar.h"

#include <stdio.h>
#include <stdlib.h>

#include "mf_time.h"

#define MF_CAL_FIRST 7305  /* 1990-01-01 */
#define MF_CAL_LAST  47846 /* 2100-12-31 */
#define MF_CAL_DAYS  (MF_CAL_LAST - MF_CAL_FIRST + 1)

/* A Monday (1970-01-05), from which whole weeks are counted. */
#define MF_CAL_MONDAY 4

struct mf_calendar_s {
        size_t nholidays;
        mf_date_t first, last;
        uint8_t holiday[MF_CAL_DAYS];
        int32_t cum[MF_CAL_DAYS + 1];
};

static int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static bool in_span(int64_t d) {
        return d >= MF_CAL_FIRST && d <= MF_CAL_LAST;
}

/* Monday-to-Friday days in [MF_CAL_MONDAY, d), negative before it; only
 * differences of it mean anything. */
static int64_t weekdays_before(int64_t d) {
        int64_t x = d - MF_CAL_MONDAY;
        int64_t weeks = floor_div(x, 7);
        int64_t rest = x - weeks * 7; /* 0 = Monday .. 6 = Sunday */
        return weeks * 5 + (rest < 5 ? rest : 5);
}

/* The k-th weekday counted from MF_CAL_MONDAY (k = 1 is that Monday): the
 * smallest d with weekdays_before(d + 1) == k. */
static int64_t kth_weekday(int64_t k) {
        int64_t weeks = floor_div(k - 1, 5);
        return MF_CAL_MONDAY + weeks * 7 + (k - 1 - weeks * 5);
}

static bool weekend(int64_t d) {
        int64_t x = d - MF_CAL_MONDAY;
        return x - floor_div(x, 7) * 7 >= 5;
}

/* C(d): working days up to and including d, zero on the day before the span. */
static int64_t count_to(const mf_calendar_t *cal, int64_t d) {
        if (d < MF_CAL_FIRST)
                return weekdays_before(d + 1) - weekdays_before(MF_CAL_FIRST);
        if (d > MF_CAL_LAST)
                return cal->cum[MF_CAL_DAYS] + weekdays_before(d + 1) -
                       weekdays_before(MF_CAL_LAST + 1);
        return cal->cum[d - MF_CAL_FIRST + 1];
}

static void rebuild(mf_calendar_t *cal) {
        cal->cum[0] = 0;
        for (int32_t i = 0; i < MF_CAL_DAYS; i++)
                cal->cum[i + 1] =
                    cal->cum[i] + (!weekend(MF_CAL_FIRST + i) && !cal->holiday[i]);
}

mf_calendar_t *mf_calendar_new(void) {
        mf_calendar_t *cal = calloc(1, sizeof(*cal));
        if (!cal)
                return NULL;
        cal->first = cal->last = MF_DATE_NONE;
        rebuild(cal);
        return cal;
}

void mf_calendar_free(mf_calendar_t *cal) {
        free(cal);
}

/* Marks a date in the span without rebuilding, so a whole file costs one
 * rebuild. */
static void mark(mf_calendar_t *cal, mf_date_t date) {
        if (cal->holiday[date - MF_CAL_FIRST])
                return;
        cal->holiday[date - MF_CAL_FIRST] = 1;
        cal->nholidays++;
        if (cal->first == MF_DATE_NONE || date < cal->first)
                cal->first = date;
        if (cal->last == MF_DATE_NONE || date > cal->last)
                cal->last = date;
}

mf_err_t mf_calendar_add_holiday(mf_calendar_t *cal, mf_date_t date) {
        if (!in_span(date))
                return MF_ERR_RANGE;
        mark(cal, date);
        rebuild(cal);
        return MF_OK;
}

static bool all_digits(const char *s, size_t n, int *out) {
        int v = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *out = v;
        return true;
}

static bool blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

/* Reads one line's date. Returns false with the reason in why. Sets *date to
 * MF_DATE_NONE for a blank or comment line. */
static bool parse_line(const char *s, size_t n, mf_date_t *date, char *why,
                       size_t whylen) {
        while (n && blank(*s))
                s++, n--;
        while (n && blank(s[n - 1]))
                n--;
        *date = MF_DATE_NONE;
        if (n == 0 || *s == '#')
                return true;
        int y, m, d;
        if (n < 10 || s[4] != '-' || s[7] != '-' || !all_digits(s, 4, &y) ||
            !all_digits(s + 5, 2, &m) || !all_digits(s + 8, 2, &d)) {
                snprintf(why, whylen, "expected a date YYYY-MM-DD");
                return false;
        }
        if (n > 10 && s[10] != ' ' && s[10] != '\t') {
                snprintf(why, whylen, "expected a space after the date %.10s", s);
                return false;
        }
        if (d < 1 || d > mf_days_in_month(y, m)) {
                snprintf(why, whylen, "no such date %.10s", s);
                return false;
        }
        mf_date_t v = mf_date_from_ymd(y, m, d);
        if (!in_span(v)) {
                snprintf(why, whylen, "%.10s is outside 1990-01-01..2100-12-31", s);
                return false;
        }
        *date = v;
        return true;
}

mf_err_t mf_calendar_load(mf_calendar_t *cal, const char *buf, size_t len, char *errbuf,
                          size_t errlen) {
        /* A file saved by a Windows editor may start with a byte order mark. */
        if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
                buf += 3, len -= 3;
        /* Two passes, so that a bad line leaves the calendar as it was. */
        for (int apply = 0; apply < 2; apply++) {
                size_t pos = 0, line = 0;
                while (pos < len) {
                        const char *nl = memchr(buf + pos, '\n', len - pos);
                        size_t end = nl ? (size_t)(nl - buf) : len;
                        line++;
                        mf_date_t date;
                        char why[96];
                        if (!parse_line(buf + pos, end - pos, &date, why, sizeof(why))) {
                                if (errbuf && errlen)
                                        snprintf(errbuf, errlen, "line %zu: %s", line,
                                                 why);
                                return MF_ERR_INVALID;
                        }
                        if (apply && date != MF_DATE_NONE)
                                mark(cal, date);
                        pos = end + 1;
                }
        }
        rebuild(cal);
        return MF_OK;
}

size_t mf_calendar_holiday_count(const mf_calendar_t *cal) {
        return cal->nholidays;
}

mf_date_t mf_calendar_first_holiday(const mf_calendar_t *cal) {
        return cal->first;
}

mf_date_t mf_calendar_last_holiday(const mf_calendar_t *cal) {
        return cal->last;
}

bool mf_calendar_is_working_day(const mf_calendar_t *cal, mf_date_t date) {
        if (weekend(date))
                return false;
        return !in_span(date) || !cal->holiday[date - MF_CAL_FIRST];
}

int32_t mf_calendar_wd(const mf_calendar_t *cal, mf_date_t a, mf_date_t b) {
        return (int32_t)(count_to(cal, b) - count_to(cal, a));
}

mf_date_t mf_calendar_add_wd(const mf_calendar_t *cal, mf_date_t date, int32_t n) {
        if (n == 0)
                return date;
        /* C rises by one on each working day and nowhere else, so the first d
         * reaching the target is the working day wanted. (A negative n
         * therefore gives the working day -n before, counted the same way.) */
        int64_t target = count_to(cal, date) + n;
        if (target <= 0)
                return (mf_date_t)kth_weekday(target + weekdays_before(MF_CAL_FIRST));
        if (target > cal->cum[MF_CAL_DAYS])
                return (mf_date_t)kth_weekday(target - cal->cum[MF_CAL_DAYS] +
                                              weekdays_before(MF_CAL_LAST + 1));
        /* The smallest i with cum[i] >= target; the date is MF_CAL_FIRST + i - 1. */
        int32_t lo = 1, hi = MF_CAL_DAYS;
        while (lo < hi) {
                int32_t mid = lo + (hi - lo) / 2;
                if (cal->cum[mid] >= target)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return MF_CAL_FIRST + lo - 1;
}

mf_date_t mf_calendar_next_wd(const mf_calendar_t *cal, mf_date_t date) {
        return mf_calendar_add_wd(cal, date, 1);
}

mf_instant_t mf_calendar_decision_due(const mf_calendar_t *cal, mf_instant_t received) {
        mf_date_t rd = mf_civil_date(received);
        mf_date_t next = mf_calendar_next_wd(cal, rd);
        if (mf_calendar_is_working_day(cal, rd))
                return mf_instant_from_civil(next, mf_civil_time_of_day_ms(received));
        return mf_day_end(next);
}
