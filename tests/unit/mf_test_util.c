#include "mf_test_util.h"

#include <stdio.h>
#include <stdlib.h>

char *mf_test_read_source_file(const char *relpath, size_t *len) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", MF_SOURCE_DIR, relpath);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        long n = ftell(f);
        assert_true(n >= 0);
        rewind(f);
        char *buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = '\0';
        fclose(f);
        if (len)
                *len = (size_t)n;
        return buf;
}

mf_calendar_t *mf_test_calendar(void) {
        size_t len;
        char *buf = mf_test_read_source_file("config/calendar-england-wales.txt", &len);
        mf_calendar_t *cal = mf_calendar_new();
        assert_non_null(cal);
        char err[256] = "";
        mf_err_t rc = mf_calendar_load(cal, buf, len, err, sizeof(err));
        if (rc != MF_OK)
                fail_msg("calendar: %s", err);
        free(buf);
        return cal;
}

mf_date_t mf_test_date(const char *s) {
        mf_date_t d;
        if (!mf_date_parse(s, strlen(s), &d))
                fail_msg("bad test date %s", s);
        return d;
}

mf_instant_t mf_test_utc(const char *s) {
        int y, mo, d, h, mi, sec;
        if (sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6)
                fail_msg("bad test instant %s", s);
        return (mf_instant_t)mf_date_from_ymd(y, mo, d) * 86400000LL +
               ((int64_t)h * 3600 + mi * 60 + sec) * 1000;
}
