/* mf_common.c — the shared error codes as words for logs and messages. */
#include "mf_common.h"

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
