/*
 * mf_time.c — civil dates and England's GMT/BST rule.
 *
 * Dates use Howard Hinnant's days_from_civil / civil_from_days
 * (https://howardhinnant.github.io/date_algorithms.html), which are exact for
 * the whole proleptic Gregorian calendar, negative days included. The BST rule
 * is computed for every year rather than looked up in the host's zone
 * database, so a report never depends on how the machine is set up.
 */
#include "mf_time.h"

/* C division truncates toward zero; days and instants before 1970 need the
 * floor, or 1969-12-31T23:59Z would land on 1970-01-01. */
static inline int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Written with % rather than a - floor_div(a, b) * b, which overflows near
 * INT64_MIN (MF_INSTANT_NONE). */
static inline int64_t floor_mod(int64_t a, int64_t b) {
        int64_t r = a % b;
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
        y -= m <= 2;
        int64_t era = floor_div(y, 400);
        int64_t yoe = y - era * 400;                                   /* [0, 399] */
        int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
        return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
        z += 719468;
        int64_t era = floor_div(z, 146097);
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y = yoe + era * 400 + (*m <= 2);
}

mf_date_t mf_date_from_ymd(int y, int m, int d) {
        return (mf_date_t)days_from_civil(y, m, d);
}

void mf_date_to_ymd(mf_date_t date, int *y, int *m, int *d) {
        int64_t yy;
        civil_from_days(date, &yy, m, d);
        *y = (int)yy;
}

int mf_date_weekday(mf_date_t date) {
        /* 1970-01-01 was a Thursday: ISO weekday 4. */
        return (int)floor_mod((int64_t)date + 3, 7) + 1;
}

bool mf_is_leap_year(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int mf_days_in_month(int y, int m) {
        static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (m < 1 || m > 12)
                return 0;
        return m == 2 && mf_is_leap_year(y) ? 29 : days[m - 1];
}

static bool digits(const char *s, size_t n, int *out) {
        int v = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *out = v;
        return true;
}

bool mf_date_parse(const char *s, size_t len, mf_date_t *out) {
        int y, m, d;
        if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
            !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
                return false;
        if (m < 1 || m > 12 || d < 1 || d > mf_days_in_month(y, m))
                return false;
        mf_date_t date = mf_date_from_ymd(y, m, d);
        if (date < MF_DATE_MIN || date > MF_DATE_MAX)
                return false;
        *out = date;
        return true;
}

/* Writes v as exactly `width` decimal digits. */
static char *put(char *p, int64_t v, int width) {
        for (int i = width - 1; i >= 0; i--, v /= 10)
                p[i] = (char)('0' + v % 10);
        return p + width;
}

/* The formats have room for four-digit years only; years outside 0..9999 are
 * far beyond anything on the wire, and are pinned to the nearest end rather
 * than overrun the caller's buffer. */
static char *put_ymd(char *p, int64_t days) {
        int64_t y;
        int m, d;
        civil_from_days(days, &y, &m, &d);
        if (y < 0)
                y = 0, m = 1, d = 1;
        else if (y > 9999)
                y = 9999, m = 12, d = 31;
        p = put(p, y, 4);
        *p++ = '-';
        p = put(p, m, 2);
        *p++ = '-';
        return put(p, d, 2);
}

void mf_date_format(mf_date_t date, char *buf) {
        *put_ymd(buf, date) = '\0';
}

mf_date_t mf_date_add_months(mf_date_t date, int n) {
        int y, m, d;
        mf_date_to_ymd(date, &y, &m, &d);
        int64_t months = (int64_t)y * 12 + (m - 1) + n;
        int ny = (int)floor_div(months, 12);
        int nm = (int)floor_mod(months, 12) + 1;
        int dim = mf_days_in_month(ny, nm);
        return mf_date_from_ymd(ny, nm, d < dim ? d : dim);
}

mf_date_t mf_window_start(mf_date_t d, int months) {
        return mf_date_add_months(d, -months) + 1;
}

/* Days since the epoch of the last Sunday of March or October (both 31 days
 * long, which is all this needs). */
static int64_t last_sunday(int64_t y, int m) {
        int64_t last = days_from_civil(y, m, 31);
        /* 1970-01-04 was a Sunday, so this is the number of days since one. */
        return last - floor_mod(last - 3, 7);
}

/* One UTC year's summer time, as days since the epoch: the offset is an hour
 * from 01:00 UTC on `start` to 01:00 UTC on `end` (both changes happen at
 * 01:00 UTC, so the UTC year decides which year's rule applies). */
typedef struct {
        int64_t first, last; /* the year's first and last day */
        int64_t start, end;
} bst_year_t;

/* Instants come in runs from the same year, so the last year's rule is kept:
 * converting an instant then costs two comparisons instead of a calendar
 * computation. Per thread, since pipelines may run on several. */
static const bst_year_t *bst_year(int64_t day) {
        static _Thread_local bst_year_t cached = {.first = 1, .last = 0};
        if (day < cached.first || day > cached.last) {
                int64_t y;
                int m, d;
                civil_from_days(day, &y, &m, &d);
                cached.first = days_from_civil(y, 1, 1);
                cached.last = days_from_civil(y, 12, 31);
                cached.start = last_sunday(y, 3);
                cached.end = last_sunday(y, 10);
        }
        return &cached;
}

/* Works on (day, millisecond of day) rather than on t itself, so that no
 * instant, however far out (MF_INSTANT_NONE included), overflows. */
static int64_t offset_at(int64_t day, int64_t ms) {
        const bst_year_t *b = bst_year(day);
        bool after_start = day > b->start || (day == b->start && ms >= MF_MS_PER_HOUR);
        bool before_end = day < b->end || (day == b->end && ms < MF_MS_PER_HOUR);
        return after_start && before_end ? MF_MS_PER_HOUR : 0;
}

int64_t mf_london_offset_ms(mf_instant_t t) {
        return offset_at(floor_div(t, MF_MS_PER_DAY), floor_mod(t, MF_MS_PER_DAY));
}

mf_date_t mf_civil_date(mf_instant_t t) {
        int64_t day = floor_div(t, MF_MS_PER_DAY), ms = floor_mod(t, MF_MS_PER_DAY);
        return (mf_date_t)(day + (ms + offset_at(day, ms) >= MF_MS_PER_DAY));
}

int64_t mf_civil_time_of_day_ms(mf_instant_t t) {
        int64_t day = floor_div(t, MF_MS_PER_DAY), ms = floor_mod(t, MF_MS_PER_DAY);
        return (ms + offset_at(day, ms)) % MF_MS_PER_DAY;
}

mf_instant_t mf_instant_from_civil(mf_date_t date, int64_t ms) {
        mf_instant_t local = (mf_instant_t)date * MF_MS_PER_DAY + ms;
        /* Reading the local time as BST is right when the instant it gives is
         * itself in BST. In October's repeated hour both readings are
         * consistent and BST, the first occurrence, wins; in March's skipped
         * hour neither is and the GMT reading is taken. */
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
        int64_t ms = floor_mod(t, MF_MS_PER_DAY);
        char *p = put_ymd(buf, floor_div(t, MF_MS_PER_DAY));
        *p++ = 'T';
        p = put(p, ms / MF_MS_PER_HOUR, 2);
        *p++ = ':';
        p = put(p, ms / 60000 % 60, 2);
        *p++ = ':';
        p = put(p, ms / 1000 % 60, 2);
        *p++ = '.';
        p = put(p, ms % 1000, 3);
        *p++ = 'Z';
        *p = '\0';
}
