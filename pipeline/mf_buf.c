#include "mf_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void mf_buf_init(mf_buf_t *b) {
        b->data = NULL;
        b->len = 0;
        b->cap = 0;
}

void mf_buf_destroy(mf_buf_t *b) {
        free(b->data);
        mf_buf_init(b);
}

mf_err_t mf_buf_reserve(mf_buf_t *b, size_t extra) {
        if (b->cap - b->len >= extra)
                return MF_OK;
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < extra)
                cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p)
                return MF_ERR_NOMEM;
        b->data = p;
        b->cap = cap;
        return MF_OK;
}

mf_err_t mf_buf_append(mf_buf_t *b, const void *p, size_t n) {
        mf_err_t rc = mf_buf_reserve(b, n);
        if (rc != MF_OK)
                return rc;
        if (n)
                memcpy(b->data + b->len, p, n);
        b->len += n;
        return MF_OK;
}

mf_err_t mf_buf_putc(mf_buf_t *b, char c) {
        return mf_buf_append(b, &c, 1);
}

mf_err_t mf_buf_printf(mf_buf_t *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char tmp[256];
        int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        if (n < 0)
                return MF_ERR_INVALID;
        if ((size_t)n < sizeof(tmp))
                return mf_buf_append(b, tmp, (size_t)n);
        mf_err_t rc = mf_buf_reserve(b, (size_t)n + 1);
        if (rc != MF_OK)
                return rc;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
        return MF_OK;
}

static bool json_plain(unsigned char c) {
        return c >= 0x20 && c != '"' && c != '\\';
}

mf_err_t mf_buf_json_str(mf_buf_t *b, const char *s, size_t n) {
        static const char hex[] = "0123456789abcdef";
        mf_err_t rc = mf_buf_reserve(b, n + 2);
        if (rc != MF_OK)
                return rc;
        b->data[b->len++] = '"';
        size_t i = 0;
        while (i < n) {
                /* A run of characters that need no escape, copied at once. */
                size_t run = i;
                while (run < n && json_plain((unsigned char)s[run]))
                        run++;
                if (run > i && (rc = mf_buf_append(b, s + i, run - i)) != MF_OK)
                        return rc;
                if ((i = run) == n)
                        break;
                unsigned char c = (unsigned char)s[i++];
                char esc[6] = {'\\', (char)c};
                size_t elen = 2;
                switch (c) {
                        case '"':
                        case '\\':
                                break;
                        case '\n':
                                esc[1] = 'n';
                                break;
                        case '\r':
                                esc[1] = 'r';
                                break;
                        case '\t':
                                esc[1] = 't';
                                break;
                        default:
                                memcpy(esc, "\\u00", 4);
                                esc[4] = hex[c >> 4];
                                esc[5] = hex[c & 15];
                                elen = 6;
                }
                if ((rc = mf_buf_append(b, esc, elen)) != MF_OK)
                        return rc;
        }
        return mf_buf_putc(b, '"');
}

int mf_buf_msgpack_write(void *data, const char *buf, size_t len) {
        return mf_buf_append((mf_buf_t *)data, buf, len) == MF_OK ? 0 : -1;
}
