/*
 * mf_calendar.c — working days as a cumulative count.
 *
 * cum[i] is the number of working days in [FIRST, FIRST + i). Then
 * wd(a, b) = cum[b + 1 - FIRST] - cum[a + 1 - FIRST], constant time, and the
 * n-th working day after a date is a binary search. The array covers
 * 1990–2100 (about 40,000 days, 160 KiB) and is rebuilt when holidays are
 * added, which happens only at start-up.
 */
#include "mf_calendar.h"

#include <stdio.h>
#include <stdlib.h>

#include "mf_time.h"

#define CAL_FIRST 7305  /* 1990-01-01 */
#define CAL_LAST  47846 /* 2100-12-31 */
#define CAL_DAYS  (CAL_LAST - CAL_FIRST + 1)

struct mf_calendar_s {
        uint8_t *holiday; /* by day index */
        int32_t *cum;     /* CAL_DAYS + 1 entries */
        size_t nholidays;
        mf_date_t first, last;
        bool dirty;
};

static bool weekend(mf_date_t d) {
        return mf_date_weekday(d) >= 6;
}

mf_calendar_t *mf_calendar_new(void) {
        mf_calendar_t *cal = calloc(1, sizeof(*cal));
        if (!cal)
                return NULL;
        cal->holiday = calloc(CAL_DAYS, 1);
        cal->cum = malloc(sizeof(int32_t) * (CAL_DAYS + 1));
        if (!cal->holiday || !cal->cum) {
                mf_calendar_free(cal);
                return NULL;
        }
        cal->first = cal->last = MF_DATE_NONE;
        cal->dirty = true;
        return cal;
}

void mf_calendar_free(mf_calendar_t *cal) {
        if (!cal)
                return;
        free(cal->holiday);
        free(cal->cum);
        free(cal);
}

static void rebuild(mf_calendar_t *cal) {
        cal->cum[0] = 0;
        for (int32_t i = 0; i < CAL_DAYS; i++) {
                mf_date_t d = CAL_FIRST + i;
                cal->cum[i + 1] = cal->cum[i] + (!weekend(d) && !cal->holiday[i]);
        }
        cal->dirty = false;
}

mf_err_t mf_calendar_add_holiday(mf_calendar_t *cal, mf_date_t date) {
        if (date < CAL_FIRST || date > CAL_LAST)
                return MF_ERR_RANGE;
        if (!cal->holiday[date - CAL_FIRST]) {
                cal->holiday[date - CAL_FIRST] = 1;
                cal->nholidays++;
                if (cal->first == MF_DATE_NONE || date < cal->first)
                        cal->first = date;
                if (cal->last == MF_DATE_NONE || date > cal->last)
                        cal->last = date;
        }
        rebuild(cal);
        return MF_OK;
}

mf_err_t mf_calendar_load(mf_calendar_t *cal, const char *buf, size_t len, char *errbuf,
                          size_t errlen) {
        size_t pos = 0;
        int line = 0;
        while (pos < len) {
                size_t end = pos;
                while (end < len && buf[end] != '\n')
                        end++;
                line++;
                const char *s = buf + pos;
                size_t n = end - pos;
                pos = end + 1;
                while (n && (s[0] == ' ' || s[0] == '\t'))
                        s++, n--;
                while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
                        n--;
                if (n == 0 || s[0] == '#')
                        continue;
                mf_date_t d;
                if (n < 10 || (n > 10 && s[10] != ' ' && s[10] != '\t') ||
                    !mf_date_parse(s, 10, &d)) {
                        snprintf(errbuf, errlen, "line %d: expected a date YYYY-MM-DD", line);
                        return MF_ERR_INVALID;
                }
                if (d < CAL_FIRST || d > CAL_LAST) {
                        snprintf(errbuf, errlen, "line %d: date outside 1990-01-01..2100-12-31",
                                 line);
                        return MF_ERR_INVALID;
                }
                if (!cal->holiday[d - CAL_FIRST]) {
                        cal->holiday[d - CAL_FIRST] = 1;
                        cal->nholidays++;
                        if (cal->first == MF_DATE_NONE || d < cal->first)
                                cal->first = d;
                        if (cal->last == MF_DATE_NONE || d > cal->last)
                                cal->last = d;
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

static const int32_t *cum(const mf_calendar_t *cal) {
        if (cal->dirty)
                rebuild((mf_calendar_t *)cal);
        return cal->cum;
}

bool mf_calendar_is_working_day(const mf_calendar_t *cal, mf_date_t date) {
        if (weekend(date))
                return false;
        return date < CAL_FIRST || date > CAL_LAST || !cal->holiday[date - CAL_FIRST];
}

/* Working days in [CAL_FIRST, d], extended outside the span by weekdays. */
static int64_t count_to(const mf_calendar_t *cal, mf_date_t d) {
        const int32_t *c = cum(cal);
        if (d < CAL_FIRST) {
                int64_t n = 0;
                for (mf_date_t x = d + 1; x < CAL_FIRST; x++)
                        n += !weekend(x);
                return -n;
        }
        if (d > CAL_LAST) {
                int64_t n = c[CAL_DAYS];
                for (mf_date_t x = CAL_LAST + 1; x <= d; x++)
                        n += !weekend(x);
                return n;
        }
        return c[d - CAL_FIRST + 1];
}

int32_t mf_calendar_wd(const mf_calendar_t *cal, mf_date_t a, mf_date_t b) {
        return (int32_t)(count_to(cal, b) - count_to(cal, a));
}

mf_date_t mf_calendar_add_wd(const mf_calendar_t *cal, mf_date_t date, int32_t n) {
        if (n <= 0)
                return date;
        if (date < CAL_FIRST || date >= CAL_LAST) {
                mf_date_t d = date;
                while (n > 0) {
                        d++;
                        n -= mf_calendar_is_working_day(cal, d);
                }
                return d;
        }
        /* The smallest d with count_to(d) - count_to(date) == n. */
        const int32_t *c = cum(cal);
        int64_t target = c[date - CAL_FIRST + 1] + n;
        if (target > c[CAL_DAYS]) {
                mf_date_t d = CAL_LAST;
                int64_t left = target - c[CAL_DAYS];
                while (left > 0) {
                        d++;
                        left -= !weekend(d);
                }
                return d;
        }
        int32_t lo = date - CAL_FIRST + 1, hi = CAL_DAYS; /* index i: count_to(FIRST+i-1) */
        while (lo < hi) {
                int32_t mid = lo + (hi - lo) / 2;
                if (c[mid + 1] >= target)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return CAL_FIRST + lo;
}

mf_date_t mf_calendar_next_wd(const mf_calendar_t *cal, mf_date_t date) {
        return mf_calendar_add_wd(cal, date, 1);
}
