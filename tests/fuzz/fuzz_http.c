/*
 * fuzz_http.c — libFuzzer target for the HTTP server's request handling
 * (daemon/mf_http.c).
 *
 * The input is the bytes a client sends on one connection. They go through
 * a detached connection (mf_http_conn_new): the server's own read path,
 * http-parser callbacks, limits and response writer, without a socket or a
 * loop. The limits are the daemon's (mf_run.c: 8192 bytes of request line
 * and headers, 1024 of body). The handler stands in for mf_api_handle: it
 * is deterministic and answers with the shapes the API uses (an HTML page
 * with an extra header, text, a large body, 404, any status).
 *
 * The input is fed twice, on two connections: as one read, and split into
 * reads of varying sizes (1 byte and up) drawn from the input itself. TCP
 * may split a request anywhere, so both must produce the same responses and
 * leave the connection in the same state, with one exception: a request
 * that breaks two rules (a URL past 2048 bytes that also holds a byte
 * http-parser refuses, say) may be refused for either. http-parser hands
 * the URL and headers to the server's callbacks at the end of each read,
 * so the server's own limits (414, 431, 413) are checked at read
 * boundaries while the parser's errors (400) are found at a byte. Then the
 * last response may differ, provided both are such a refusal and close the
 * connection; anything else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mf_buf.h"
#include "fuzz_check.h"
#include "mf_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define URL_MAX 2048 /* mf_http.c's bound on the request target */

static const mf_http_conf_t conf = {
    .host = "127.0.0.1",
    .port = 0,
    .max_connections = 64,
    .max_header_bytes = 8192,
    .max_body_bytes = 1024,
    .request_timeout_ms = 10000,
    .idle_timeout_ms = 30000,
};

/* Every body ends with a newline, so that a response starts at 0 or after
 * "\n" (see last_response). */
static char big[64 * 1024];

static void handler(void *opaque, const mf_http_req_t *req, mf_http_resp_t *resp) {
        (void)opaque;
        /* What mf_http.h promises a handler. */
        FUZZ_CHECK(req->path && req->query);
        FUZZ_CHECK(strlen(req->path) <= URL_MAX && strlen(req->query) <= URL_MAX);
        FUZZ_CHECK(!strchr(req->path, '?'));
        FUZZ_CHECK(!strchr(req->query, '#'));
        FUZZ_CHECK(resp->status == 200 && resp->body.len == 0);
        if (!strcmp(req->path, "/")) {
                resp->content_type = "text/html; charset=utf-8";
                resp->extra_headers =
                    "Content-Security-Policy: default-src 'self'; "
                    "style-src 'self' 'unsafe-inline'; script-src 'self' "
                    "'unsafe-inline'; img-src 'self' data:\r\n";
                mf_buf_printf(&resp->body, "<!doctype html><title>mashflow</title>\n");
        } else if (!strcmp(req->path, "/metrics")) {
                resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
                mf_buf_printf(&resp->body, "# path %s query %s\nup 1\n", req->path,
                              req->query);
        } else if (!strcmp(req->path, "/big")) {
                mf_buf_append(&resp->body, big, sizeof(big));
        } else if (!strcmp(req->path, "/empty")) {
                resp->status = 204;
        } else if (!strcmp(req->path, "/status")) {
                /* ?NNN: any status, known to the server's reason table or not. */
                int code = atoi(req->query);
                resp->status = code >= 100 && code <= 599 ? code : 500;
                resp->content_type = "application/json";
                mf_buf_printf(&resp->body, "{\"status\":%d}\n", resp->status);
        } else {
                resp->status = 404;
                mf_buf_printf(&resp->body, "404 Not Found\n");
        }
}

static mf_buf_t whole, split;

/* Where the last response in out starts: no body holds "\nHTTP/1.1 ". */
static size_t last_response(const mf_buf_t *out) {
        for (size_t i = out->len; i-- > 0;)
                if (out->data[i] == '\n' && out->len - i > 9 &&
                    !memcmp(out->data + i + 1, "HTTP/1.1 ", 9))
                        return i + 1;
        return 0;
}

/* A refusal of the request itself, closing the connection. */
static bool is_refusal(const mf_buf_t *out, size_t at) {
        static const char *const statuses[] = {"400", "413", "414", "431"};
        if (out->len - at < 12)
                return false;
        bool known = false;
        for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
                known |= !memcmp(out->data + at + 9, statuses[i], 3);
        static const char close[] = "\r\nConnection: close\r\n";
        return known &&
               memmem(out->data + at, out->len - at, close, sizeof(close) - 1) != NULL;
}

static bool same(const mf_buf_t *a, const mf_buf_t *b) {
        return a->len == b->len && (a->len == 0 || !memcmp(a->data, b->data, a->len));
}

/* Feeds data to a new connection, in one read or in split reads; returns
 * whether the connection still takes input. */
static bool run(const uint8_t *data, size_t size, mf_buf_t *out, bool chunked) {
        mf_buf_reset(out);
        mf_http_conn_t *c = mf_http_conn_new(&conf, handler, NULL, out);
        FUZZ_CHECK(c != NULL);
        bool open = true;
        /* Read sizes from a small generator seeded by the input, so that a
         * given input always splits the same way. */
        uint32_t state = (uint32_t)size * 2654435761u;
        for (size_t i = 0; i < size && i < 16; i++)
                state = state * 31 + data[i];
        size_t off = 0;
        while (off < size) {
                size_t n = size - off;
                if (chunked) {
                        state = state * 1103515245u + 12345u;
                        uint32_t r = state >> 16;
                        /* Mostly small reads, sometimes single bytes. */
                        size_t max = r & 1 ? 1 : (r & 2 ? 16 : 512);
                        size_t want = 1 + (r >> 2) % max;
                        if (want < n)
                                n = want;
                }
                open = mf_http_conn_feed(c, (const char *)data + off, n);
                off += n;
        }
        mf_http_conn_free(c);
        return open;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!big[0]) {
                memset(big, 'x', sizeof(big));
                big[sizeof(big) - 1] = '\n';
        }
        bool open1 = run(data, size, &whole, false);
        bool open2 = run(data, size, &split, true);
        /* FUZZ_HTTP_SHOW=1: print what the server answered (for reading
         * a corpus: fuzz_http -runs=0 FILE...). */
        static int show = -1;
        if (show < 0)
                show = getenv("FUZZ_HTTP_SHOW") != NULL;
        if (show)
                fprintf(stderr, "--- %zu bytes in, %zu out, connection %s\n%.*s\n", size,
                        whole.len, open1 ? "open" : "closed",
                        (int)(whole.len < 4096 ? whole.len : 4096),
                        whole.data ? whole.data : "");
        if (whole.len)
                FUZZ_CHECK(whole.len >= 9 && !memcmp(whole.data, "HTTP/1.1 ", 9));
        bool ok = open1 == open2 && same(&whole, &split);
        if (!ok && !open1 && !open2) {
                /* Two refusals of the same request (see the top). */
                size_t a = last_response(&whole), b = last_response(&split);
                ok = a == b && (a == 0 || !memcmp(whole.data, split.data, a)) &&
                     is_refusal(&whole, a) && is_refusal(&split, b);
        }
        if (!ok) {
                fprintf(stderr,
                        "responses differ with the reads' sizes: one read gave %zu "
                        "bytes (%s), split reads %zu bytes (%s)\n--- one read:\n%.*s\n"
                        "--- split reads:\n%.*s\n",
                        whole.len, open1 ? "open" : "closed", split.len,
                        open2 ? "open" : "closed",
                        (int)(whole.len < 2000 ? whole.len : 2000),
                        whole.data ? whole.data : "",
                        (int)(split.len < 2000 ? split.len : 2000),
                        split.data ? split.data : "");
                abort();
        }
        return 0;
}
