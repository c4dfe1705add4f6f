#include "mf_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* The daemon's one piece of process-wide state outside main: the log sink. */
static int log_level = MF_LOG_INFO;
static char log_path[1024];
static FILE *log_file;
/* Lines come from the loop and from a batch's commit on libuv's thread pool. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const names[] = {"error", "warn", "info", "debug"};

void mf_log_init(int level, const char *path) {
        log_level = level;
        if (path && path[0]) {
                snprintf(log_path, sizeof(log_path), "%s", path);
                mf_log_reopen();
        }
}

void mf_log_reopen(void) {
        if (!log_path[0])
                return;
        FILE *f = fopen(log_path, "a");
        if (!f) {
                mf_log_error("log",
                             "cannot reopen the log file; still writing to the old one");
                return;
        }
        setvbuf(f, NULL, _IOLBF, 0);
        pthread_mutex_lock(&log_lock);
        if (log_file)
                fclose(log_file);
        log_file = f;
        pthread_mutex_unlock(&log_lock);
}

void mf_log(int level, const char *component, const char *fmt, ...) {
        if (level > log_level)
                return;
        struct timeval tv;
        gettimeofday(&tv, NULL);
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        char line[2048];
        int n =
            snprintf(line, sizeof(line),
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %-5s %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(tv.tv_usec / 1000), names[level], component);
        va_list ap;
        va_start(ap, fmt);
        if (n > 0 && (size_t)n < sizeof(line))
                vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        pthread_mutex_lock(&log_lock);
        FILE *out = log_file ? log_file : stderr;
        fprintf(out, "%s\n", line);
        fflush(out);
        pthread_mutex_unlock(&log_lock);
}
