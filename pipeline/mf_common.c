/* mf_common.c — the shared error codes as words for logs and messages, and
 * memory for large tables. */
#include "mf_common.h"

#include <stdlib.h>
#include <sys/mman.h>

const char *mf_err_str(mf_err_t err) {
        switch (err) {
                case MF_OK:
                        return "success";
                case MF_ERR_NOMEM:
                        return "out of memory";
                case MF_ERR_INVALID:
                        return "invalid input";
                case MF_ERR_IO:
                        return "input/output error";
                case MF_ERR_RANGE:
                        return "value out of range";
        }
        /* A value cast from elsewhere that is none of the above. */
        return "unknown error";
}

#define HUGE_PAGE ((size_t)2 << 20)

void *mf_table_alloc(size_t n) {
        if (n < HUGE_PAGE)
                return calloc(1, n);
        void *p = aligned_alloc(HUGE_PAGE, (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
        if (!p)
                return NULL;
        /* Only the whole huge pages inside the table: a partial last one
         * would be resident in full once touched. A hint: refused is fine. */
        (void)madvise(p, n & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
        memset(p, 0, n);
        return p;
}
