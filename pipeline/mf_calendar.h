/*
 * mf_calendar.h — the working-day calendar.
 *
 * Working days are Monday to Friday less the days listed in a calendar file
 * (bank holidays of England and Wales, and any local closure days a user
 * adds). DOMAIN.md defines:
 *   wd(a, b) = number of working days d with a < d <= b   (a <= b)
 * so a Friday start and a Monday end is 1, and the same day is 0.
 *
 * The calendar answers in constant time: it holds a cumulative count of
 * working days over its covered span (MF_CAL_FIRST .. MF_CAL_LAST). Outside
 * that span only weekends are non-working days.
 *
 * File format (parsed from a buffer here; the caller reads the file):
 *   # comment
 *   2024-12-25  Christmas Day        (a date, then optional free text)
 * Blank lines and comment lines are ignored. Anything else is an error that
 * names the line.
 */
#ifndef MF_CALENDAR_H
#define MF_CALENDAR_H

#include "mf_common.h"

typedef struct mf_calendar_s mf_calendar_t;

/* A calendar with no holidays (weekends only). Returns NULL on ENOMEM. */
mf_calendar_t *mf_calendar_new(void);
void mf_calendar_free(mf_calendar_t *cal);

/* Parses a calendar file's contents and adds its dates. On a bad line returns
 * MF_ERR_INVALID and writes "line N: why" into errbuf. */
mf_err_t mf_calendar_load(mf_calendar_t *cal, const char *buf, size_t len, char *errbuf,
                          size_t errlen);
/* Marks one date as a non-working day. */
mf_err_t mf_calendar_add_holiday(mf_calendar_t *cal, mf_date_t date);
/* Number of holidays loaded (for logs and tests). */
size_t mf_calendar_holiday_count(const mf_calendar_t *cal);
/* First and last holiday date loaded, MF_DATE_NONE when none. */
mf_date_t mf_calendar_first_holiday(const mf_calendar_t *cal);
mf_date_t mf_calendar_last_holiday(const mf_calendar_t *cal);

bool mf_calendar_is_working_day(const mf_calendar_t *cal, mf_date_t date);
/* wd(a, b) as above; for a > b returns -wd(b, a). */
int32_t mf_calendar_wd(const mf_calendar_t *cal, mf_date_t a, mf_date_t b);
/* The n-th working day after date (n >= 1): the date d with wd(date, d) == n
 * that is itself a working day. n == 0 returns date. */
mf_date_t mf_calendar_add_wd(const mf_calendar_t *cal, mf_date_t date, int32_t n);
/* The first working day strictly after date. */
mf_date_t mf_calendar_next_wd(const mf_calendar_t *cal, mf_date_t date);
/* When a decision on a contact received at `received` is due (DOMAIN.md): at
 * the same local clock time on the next working day; for a contact received
 * on a non-working day, at the end (23:59:59.999 local) of the first working
 * day after it. */
mf_instant_t mf_calendar_decision_due(const mf_calendar_t *cal, mf_instant_t received);

#endif
