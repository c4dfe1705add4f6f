/*
 * mf_time.h — civil dates in England, instants, and month arithmetic.
 *
 * DOMAIN.md fixes the rules: civil dates are dates in Europe/London, GMT in
 * winter and BST (UTC+1) from 01:00 UTC on the last Sunday of March to 01:00
 * UTC on the last Sunday of October. The rule is computed, not looked up in
 * the system's zone database, so results never depend on the host.
 *
 * Dates are days since 1970-01-01 (proleptic Gregorian). Every function here
 * is pure and allocation-free.
 */
#ifndef MF_TIME_H
#define MF_TIME_H

#include "mf_common.h"

#define MF_MS_PER_DAY  86400000LL
#define MF_MS_PER_HOUR 3600000LL

/* Earliest and latest dates accepted on the wire (years 1900..2099). */
#define MF_DATE_MIN (-25567) /* 1900-01-01 */
#define MF_DATE_MAX 47481    /* 2099-12-31 */
/* Instants accepted on the wire: 1970-01-01 .. 2099-12-31T23:59:59.999Z. */
#define MF_INSTANT_MIN 0LL
#define MF_INSTANT_MAX 4102444799999LL

/* Days since 1970-01-01 of a proleptic Gregorian y-m-d (no range check). */
mf_date_t mf_date_from_ymd(int y, int m, int d);
/* The y-m-d of a date. */
void mf_date_to_ymd(mf_date_t date, int *y, int *m, int *d);
/* 1 for Monday .. 7 for Sunday (ISO 8601). */
int mf_date_weekday(mf_date_t date);
bool mf_is_leap_year(int y);
int mf_days_in_month(int y, int m);

/* Parses exactly "YYYY-MM-DD" naming a real date within MF_DATE_MIN..MAX.
 * Returns false for anything else (wrong length, Feb 30, year 2100, ...). */
bool mf_date_parse(const char *s, size_t len, mf_date_t *out);
/* Writes "YYYY-MM-DD" and a NUL into buf (at least 11 bytes). */
void mf_date_format(mf_date_t date, char *buf);

/* Adds n calendar months, clamping the day to the end of a shorter month:
 * 2024-08-31 - 6 months = 2024-02-29. n may be negative. */
mf_date_t mf_date_add_months(mf_date_t date, int n);
/* First day of the window of the last n months ending on d inclusive:
 * (d - n months) + 1 day. For d = 2023-11-07, n = 6: 2023-05-08. */
mf_date_t mf_window_start(mf_date_t d, int months);

/* UTC offset of England at an instant: 0 (GMT) or 3600000 (BST). */
int64_t mf_london_offset_ms(mf_instant_t t);
/* Civil date in England of an instant: 2024-03-31T23:30Z is 2024-04-01. */
mf_date_t mf_civil_date(mf_instant_t t);
/* Milliseconds since local midnight in England of an instant. */
int64_t mf_civil_time_of_day_ms(mf_instant_t t);
/* The instant at which England's clocks show local time `ms` (since local
 * midnight) on civil date `date`. In the hour skipped in March the result is
 * taken as GMT; in the hour repeated in October the first (BST) occurrence is
 * taken. Both hours fall on Sundays, which are never working days. */
mf_instant_t mf_instant_from_civil(mf_date_t date, int64_t ms);
/* 00:00:00.000 and 23:59:59.999 local time on a civil date. */
mf_instant_t mf_day_start(mf_date_t date);
mf_instant_t mf_day_end(mf_date_t date);

/* Writes an ISO 8601 UTC instant "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL
 * (a buffer of at least 32 bytes). */
void mf_instant_format(mf_instant_t t, char *buf);

#endif
