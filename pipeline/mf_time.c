/*
 * mf_time.c — civil dates (Howard Hinnant's days_from_civil / civil_from_days
 * algorithms) and England's GMT/BST rule, computed rather than looked up so
 * results never depend on the host's zone database.
 */
#include "mf_time.h"

#include <stdio.h>

static int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

mf_date_t mf_date_from_ymd(int y, int m, int d) {
        y -= m <= 2;
        int64_t era = floor_div(y, 400);
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return (mf_date_t)(era * 146097 + doe - 719468);
}

void mf_date_to_ymd(mf_date_t date, int *y, int *m, int *d) {
        int64_t z = (int64_t)date + 719468;
        int64_t era = floor_div(z, 146097);
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y = (int)(yoe + era * 400 + (*m <= 2));
}

int mf_date_weekday(mf_date_t date) {
        /* 1970-01-01 was a Thursday (4). */
        int64_t k = (int64_t)date + 3;
        return (int)(k - floor_div(k, 7) * 7) + 1;
}

bool mf_is_leap_year(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int mf_days_in_month(int y, int m) {
        static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        return m == 2 && mf_is_leap_year(y) ? 29 : days[m - 1];
}

bool mf_date_parse(const char *s, size_t len, mf_date_t *out) {
        if (len != 10 || s[4] != '-' || s[7] != '-')
                return false;
        int v[3] = {0, 0, 0};
        static const int at[3] = {0, 5, 8}, width[3] = {4, 2, 2};
        for (int f = 0; f < 3; f++)
                for (int i = 0; i < width[f]; i++) {
                        char c = s[at[f] + i];
                        if (c < '0' || c > '9')
                                return false;
                        v[f] = v[f] * 10 + (c - '0');
                }
        if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mf_days_in_month(v[0], v[1]))
                return false;
        mf_date_t d = mf_date_from_ymd(v[0], v[1], v[2]);
        if (d < MF_DATE_MIN || d > MF_DATE_MAX)
                return false;
        *out = d;
        return true;
}

void mf_date_format(mf_date_t date, char *buf) {
        int y, m, d;
        mf_date_to_ymd(date, &y, &m, &d);
        snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
}

mf_date_t mf_date_add_months(mf_date_t date, int n) {
        int y, m, d;
        mf_date_to_ymd(date, &y, &m, &d);
        int64_t months = (int64_t)y * 12 + (m - 1) + n;
        int ny = (int)floor_div(months, 12);
        int nm = (int)(months - (int64_t)ny * 12) + 1;
        int dim = mf_days_in_month(ny, nm);
        return mf_date_from_ymd(ny, nm, d < dim ? d : dim);
}

mf_date_t mf_window_start(mf_date_t d, int months) {
        return mf_date_add_months(d, -months) + 1;
}

/* The last Sunday of a month, as a date. */
static mf_date_t last_sunday(int y, int m) {
        mf_date_t last = mf_date_from_ymd(y, m, mf_days_in_month(y, m));
        return last - (mf_date_weekday(last) % 7);
}

/* BST runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
 * last Sunday of October. */
static void bst_bounds(int y, mf_instant_t *start, mf_instant_t *end) {
        *start = (mf_instant_t)last_sunday(y, 3) * MF_MS_PER_DAY + MF_MS_PER_HOUR;
        *end = (mf_instant_t)last_sunday(y, 10) * MF_MS_PER_DAY + MF_MS_PER_HOUR;
}

int64_t mf_london_offset_ms(mf_instant_t t) {
        int y, m, d;
        mf_date_to_ymd((mf_date_t)floor_div(t, MF_MS_PER_DAY), &y, &m, &d);
        mf_instant_t start, end;
        bst_bounds(y, &start, &end);
        return (t >= start && t < end) ? MF_MS_PER_HOUR : 0;
}

mf_date_t mf_civil_date(mf_instant_t t) {
        return (mf_date_t)floor_div(t + mf_london_offset_ms(t), MF_MS_PER_DAY);
}

int64_t mf_civil_time_of_day_ms(mf_instant_t t) {
        int64_t local = t + mf_london_offset_ms(t);
        return local - floor_div(local, MF_MS_PER_DAY) * MF_MS_PER_DAY;
}

mf_instant_t mf_instant_from_civil(mf_date_t date, int64_t ms) {
        mf_instant_t local = (mf_instant_t)date * MF_MS_PER_DAY + ms;
        /* Try BST first: it is right when the UTC instant it gives is in BST.
         * In October's repeated hour both readings qualify and BST (the first
         * occurrence) wins; in March's skipped hour neither does and GMT is
         * taken. */
        mf_instant_t as_bst = local - MF_MS_PER_HOUR;
        if (mf_london_offset_ms(as_bst) == MF_MS_PER_HOUR)
                return as_bst;
        return local;
}

mf_instant_t mf_day_start(mf_date_t date) {
        return mf_instant_from_civil(date, 0);
}

mf_instant_t mf_day_end(mf_date_t date) {
        return mf_instant_from_civil(date, MF_MS_PER_DAY - 1);
}

void mf_instant_format(mf_instant_t t, char *buf) {
        mf_date_t d = (mf_date_t)floor_div(t, MF_MS_PER_DAY);
        int64_t ms = t - (int64_t)d * MF_MS_PER_DAY;
        int y, m, dd;
        mf_date_to_ymd(d, &y, &m, &dd);
        /* Values are bounded (ms is within one day), so the widths are exact. */
        snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y % 10000, m % 100, dd % 100,
                 (int)(ms / 3600000) % 100, (int)(ms / 60000 % 60), (int)(ms / 1000 % 60),
                 (int)(ms % 1000));
}
