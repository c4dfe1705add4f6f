/*
 * mf_common.h — the few types every mashflow module shares.
 *
 * Time comes in two shapes, and they are never mixed up:
 *   mf_instant_t  milliseconds since the Unix epoch, UTC (the *_at fields);
 *   mf_date_t     a civil date in England as days since 1970-01-01 (the *_date
 *                 fields, and the civil date of an instant, see mf_time.h).
 * Strings taken from a message are views (mf_str_t) into the message buffer;
 * a module that keeps one in state copies it.
 */
#ifndef MF_COMMON_H
#define MF_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef int32_t mf_date_t;
typedef int64_t mf_instant_t;

#define MF_DATE_NONE    INT32_MIN
#define MF_INSTANT_NONE INT64_MIN

/* Error codes. 0 is success; every function that can fail returns one. */
typedef enum {
        MF_OK = 0,
        MF_ERR_NOMEM,   /* an allocation failed */
        MF_ERR_INVALID, /* input rejected; details in the out-parameter */
        MF_ERR_IO,      /* reading or writing a file failed */
        MF_ERR_RANGE,   /* a value outside what the module supports */
} mf_err_t;

const char *mf_err_str(mf_err_t err);

/*
 * Memory for a large hash table of state (event ids, an index), which the
 * pipeline reads at random, an event at a time. From 2 MiB up it is
 * aligned to 2 MiB and advised for transparent huge pages (madvise
 * MADV_HUGEPAGE, a hint the kernel may ignore): one TLB entry then covers 2
 * MiB of it instead of 4 KiB, so that a lookup's cache miss does not come
 * with a page-table walk as well. Smaller tables come from calloc as they
 * are. Zeroed; freed with free(). NULL on ENOMEM.
 */
void *mf_table_alloc(size_t n);

/* Returns from the calling function with expr's error, if it has one. */
#define MF_TRY(expr)                   \
        do {                           \
                mf_err_t rc_ = (expr); \
                if (rc_ != MF_OK)      \
                        return rc_;    \
        } while (0)

/* A read-only view of bytes that are owned elsewhere; not NUL-terminated. */
typedef struct {
        const char *ptr;
        size_t len;
} mf_str_t;

#define MF_STR_NULL   ((mf_str_t){NULL, 0})
#define MF_STR_LIT(s) ((mf_str_t){(s), sizeof(s) - 1})

static inline mf_str_t mf_str(const char *p, size_t n) {
        return (mf_str_t){p, n};
}

static inline bool mf_str_eq(mf_str_t a, mf_str_t b) {
        return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Byte by byte, stopping at the first difference: most comparisons against
 * a list of short names fail on the first byte. */
static inline bool mf_str_eq_cstr(mf_str_t a, const char *s) {
        size_t i = 0;
        for (; s[i] != '\0'; i++)
                if (i == a.len || s[i] != a.ptr[i])
                        return false;
        return i == a.len;
}

#define MF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MF_UNUSED(x)    ((void)(x))

#endif
