#include "mf_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (4u << 20)

bool mf_format_parse(const char *s, mf_format_t *out) {
        if (!strcmp(s, "auto"))
                *out = MF_FORMAT_AUTO;
        else if (!strcmp(s, "msgpack"))
                *out = MF_FORMAT_MSGPACK;
        else if (!strcmp(s, "ndjson") || !strcmp(s, "json"))
                *out = MF_FORMAT_NDJSON;
        else
                return false;
        return true;
}

static mf_format_t sniff(const char *buf, size_t len) {
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)buf[i];
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                        continue;
                return (c >= 0x20 && c < 0x7f) ? MF_FORMAT_NDJSON : MF_FORMAT_MSGPACK;
        }
        return MF_FORMAT_NDJSON;
}

static bool blank(const char *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
                        return false;
        return true;
}

typedef struct {
        const mf_reader_handlers_t *h;
        mf_format_t format;
        int64_t index;
} state_t;

/* Hands every complete record in buf to the handlers; *consumed is what they
 * took. At eof, whatever is left is handed over too. */
static mf_err_t consume(state_t *s, const char *buf, size_t len, bool eof,
                        size_t *consumed) {
        size_t off = 0;
        mf_err_t rc = MF_OK;
        if (s->format == MF_FORMAT_NDJSON) {
                while (off < len && rc == MF_OK) {
                        const char *nl = memchr(buf + off, '\n', len - off);
                        if (!nl && !eof)
                                break;
                        size_t end = nl ? (size_t)(nl - buf) : len;
                        size_t n = end - off;
                        if (n && buf[off + n - 1] == '\r')
                                n--;
                        if (!blank(buf + off, n))
                                rc = s->h->json(s->h->opaque, buf + off, n, s->index);
                        s->index++;
                        off = nl ? end + 1 : len;
                }
        } else {
                while (off < len && rc == MF_OK) {
                        size_t used = 0;
                        rc = s->h->msgpack(s->h->opaque, buf + off, len - off, &used,
                                           s->index);
                        if (rc == MF_ERR_RANGE) {
                                rc = MF_OK;
                                if (!eof)
                                        break;
                                rc = s->h->truncated(s->h->opaque, buf + off, len - off,
                                                     s->index);
                                used = len - off;
                        }
                        s->index++;
                        off += used;
                }
        }
        *consumed = off;
        return rc;
}

mf_err_t mf_read_records(const char *path, mf_format_t format,
                         const mf_reader_handlers_t *h, char *errbuf, size_t errlen) {
        bool is_stdin = !strcmp(path, "-");
        int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
                return MF_ERR_IO;
        }
        size_t cap = CHUNK, len = 0;
        char *buf = malloc(cap);
        if (!buf) {
                if (!is_stdin)
                        close(fd);
                return MF_ERR_NOMEM;
        }
        state_t s = {h, format, 0};
        uint64_t total = 0;
        mf_err_t rc = MF_OK;
        bool eof = false;
        while (rc == MF_OK && !eof) {
                if (len == cap) {
                        /* One record fills the buffer: make room for more of it. */
                        char *nb = realloc(buf, cap * 2);
                        if (!nb) {
                                rc = MF_ERR_NOMEM;
                                break;
                        }
                        buf = nb;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
                        rc = MF_ERR_IO;
                        break;
                }
                eof = n == 0;
                len += (size_t)n;
                total += (uint64_t)n;
                if (s.format == MF_FORMAT_AUTO) {
                        if (!len && !eof)
                                continue;
                        s.format = sniff(buf, len);
                }
                size_t used = 0;
                rc = consume(&s, buf, len, eof, &used);
                memmove(buf, buf + used, len - used);
                len -= used;
                if (h->progress)
                        h->progress(h->opaque, total);
        }
        free(buf);
        if (!is_stdin)
                close(fd);
        return rc;
}
