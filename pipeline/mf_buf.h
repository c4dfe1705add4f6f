/*
 * mf_buf.h — a growable byte buffer for encoders.
 *
 * Encoders append to an mf_buf_t that the caller reuses across records
 * (mf_buf_reset keeps the allocation), so steady-state encoding allocates
 * nothing. Also usable as a msgpack-c write callback target.
 */
#ifndef MF_BUF_H
#define MF_BUF_H

#include "mf_common.h"

typedef struct {
        char *data;
        size_t len;
        size_t cap;
} mf_buf_t;

void mf_buf_init(mf_buf_t *b);
void mf_buf_destroy(mf_buf_t *b);
static inline void mf_buf_reset(mf_buf_t *b) {
        b->len = 0;
}
mf_err_t mf_buf_reserve(mf_buf_t *b, size_t extra);
mf_err_t mf_buf_append(mf_buf_t *b, const void *p, size_t n);
mf_err_t mf_buf_putc(mf_buf_t *b, char c);
mf_err_t mf_buf_printf(mf_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included, escaping as RFC 8259
 * requires. Bytes are copied as they are otherwise (inputs are UTF-8). */
mf_err_t mf_buf_json_str(mf_buf_t *b, const char *s, size_t n);
/* msgpack_packer_init(&pk, buf, mf_buf_msgpack_write) appends to buf. */
int mf_buf_msgpack_write(void *data, const char *buf, size_t len);

#endif
