#include "mf_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *mf_file_read(const char *path, size_t *len, char *errbuf, size_t errlen) {
        FILE *f = fopen(path, "rb");
        if (!f) {
                snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
                return NULL;
        }
        size_t cap = 65536, n = 0;
        char *buf = malloc(cap);
        while (buf) {
                n += fread(buf + n, 1, cap - n - 1, f);
                if (n < cap - 1)
                        break;
                char *nb = realloc(buf, cap * 2);
                if (!nb) {
                        free(buf);
                        buf = NULL;
                        break;
                }
                buf = nb;
                cap *= 2;
        }
        if (!buf || ferror(f)) {
                snprintf(errbuf, errlen, "%s: %s", path,
                         buf ? strerror(errno) : "out of memory");
                free(buf);
                fclose(f);
                return NULL;
        }
        fclose(f);
        buf[n] = '\0';
        if (len)
                *len = n;
        return buf;
}

const char *mf_default_calendar_path(void) {
        if (access(MF_DEFAULT_CALENDAR, R_OK) == 0)
                return MF_DEFAULT_CALENDAR;
        return MF_SOURCE_CALENDAR;
}

mf_calendar_t *mf_calendar_from_file(const char *path, char *errbuf, size_t errlen) {
        size_t len;
        char *buf = mf_file_read(path, &len, errbuf, errlen);
        if (!buf)
                return NULL;
        mf_calendar_t *cal = mf_calendar_new();
        char why[256] = "";
        if (!cal) {
                snprintf(errbuf, errlen, "%s: out of memory", path);
        } else if (mf_calendar_load(cal, buf, len, why, sizeof(why)) != MF_OK) {
                snprintf(errbuf, errlen, "%s:%s", path, why);
                mf_calendar_free(cal);
                cal = NULL;
        }
        free(buf);
        return cal;
}

mf_err_t mf_population_load(mf_pipeline_t *p, const char *path, char *errbuf,
                            size_t errlen) {
        size_t len;
        char *buf = mf_file_read(path, &len, errbuf, errlen);
        if (!buf)
                return MF_ERR_IO;
        mf_err_t rc = MF_OK;
        int line = 0;
        for (char *s = buf, *next; s && *s && rc == MF_OK; s = next) {
                next = strchr(s, '\n');
                if (next)
                        *next++ = '\0';
                line++;
                s[strcspn(s, "\r")] = '\0';
                if (line == 1 || s[0] == '#' || s[0] == '\0')
                        continue; /* the header line, comments, blank lines */
                char *comma = strchr(s, ',');
                char *end = NULL;
                long long pop = comma ? strtoll(comma + 1, &end, 10) : 0;
                size_t la_len = comma ? (size_t)(comma - s) : 0;
                if (!comma || la_len == 0 || la_len > 8 || end == comma + 1 ||
                    *end != '\0' || pop <= 0) {
                        snprintf(errbuf, errlen,
                                 "%s:line %d: expected \"la,population\" with a positive "
                                 "population",
                                 path, line);
                        rc = MF_ERR_INVALID;
                        break;
                }
                rc = mf_pipeline_set_population(p, mf_str(s, la_len), pop);
        }
        free(buf);
        return rc;
}
