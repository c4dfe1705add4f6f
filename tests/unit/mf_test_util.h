/* Helpers shared by the unit tests: fixtures read from the source tree. */
#ifndef MF_TEST_UTIL_H
#define MF_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mf_calendar.h"
#include "mf_time.h"

/* Reads a whole file under the source tree (path relative to it). Aborts the
 * test if it cannot. The caller frees the buffer. */
char *mf_test_read_source_file(const char *relpath, size_t *len);
/* The project's England and Wales calendar (config/calendar-england-wales.txt). */
mf_calendar_t *mf_test_calendar(void);
/* "YYYY-MM-DD" to a date; fails the test on a bad string. */
mf_date_t mf_test_date(const char *s);
/* Instant of "YYYY-MM-DDTHH:MM:SS" read as UTC. */
mf_instant_t mf_test_utc(const char *s);

#endif
