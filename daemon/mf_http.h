/*
 * mf_http.h — a small HTTP/1.1 server on the daemon's libuv loop.
 *
 * Requests are parsed by http-parser (Debian's libhttp-parser); this module
 * adds what a long-running daemon's endpoint needs around it: keep-alive and
 * pipelining (responses leave in request order), a bound on the number of
 * connections (one over it gets 503 and is closed), a bound on the request
 * line and headers (414, 431) and body (413), a deadline for a whole request
 * (a slow client gets 408) and for an idle keep-alive connection, and only
 * GET and HEAD (405 otherwise).
 *
 * The handler runs on the loop and answers at once: it fills a response
 * whose body buffer the server owns. It sees paths and queries, never bodies.
 */
#ifndef MF_HTTP_H
#define MF_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "mf_buf.h"

typedef struct {
        const char *host; /* numeric IPv4 or IPv6 address */
        int port;         /* 0: any free port (see mf_http_port) */
        int max_connections;
        size_t max_header_bytes; /* request line and headers */
        size_t max_body_bytes;
        unsigned request_timeout_ms; /* first byte to last of one request */
        unsigned idle_timeout_ms;    /* keep-alive with no request under way */
} mf_http_conf_t;

typedef struct {
        bool head;         /* HEAD: the server drops the body it sends */
        const char *path;  /* NUL-terminated, without the query */
        const char *query; /* after '?', NUL-terminated; "" when none */
} mf_http_req_t;

typedef struct {
        int status;                /* 200 unless the handler says otherwise */
        const char *content_type;  /* a static string */
        const char *extra_headers; /* static "Name: value\r\n" lines, or NULL */
        mf_buf_t body;
} mf_http_resp_t;

typedef void (*mf_http_handler_t)(void *opaque, const mf_http_req_t *req,
                                  mf_http_resp_t *resp);

typedef struct mf_http_s mf_http_t;

/* Binds and listens. NULL with a message in err when the address cannot be
 * used. The loop owns nothing until mf_http_close. */
mf_http_t *mf_http_new(uv_loop_t *loop, const mf_http_conf_t *conf,
                       mf_http_handler_t handler, void *opaque, char *err, size_t errlen);
/* The port listened on (useful with port 0). */
int mf_http_port(const mf_http_t *s);
/* Connections open now. */
int mf_http_connections(const mf_http_t *s);
/* Stops listening and closes every connection; the memory is released by
 * the loop's close callbacks, so run the loop once more afterwards. */
void mf_http_close(mf_http_t *s);

/* Parses "host:port" or "[v6]:port" into host (NUL-terminated) and port.
 * false when it is neither. */
bool mf_http_parse_listen(const char *listen, char *host, size_t hostlen, int *port);

/*
 * A detached connection: one connection's request handling without a socket
 * or a loop, for fuzzing and tests. Bytes go in through mf_http_conn_feed as
 * one read of a socket would bring them; the bytes the server would write
 * are appended to `out`, as they would be sent. The parser, callbacks,
 * limits (414, 431, 413, 405, 400) and handler are those of a connection
 * accepted by mf_http_new; only time and the connection count are left out:
 * no timers run (no 408, no idle close) and there is no 503.
 */
typedef struct mf_http_conn_s mf_http_conn_t;

/* NULL when out of memory. out is borrowed: it must outlive the connection. */
mf_http_conn_t *mf_http_conn_new(const mf_http_conf_t *conf, mf_http_handler_t handler,
                                 void *opaque, mf_buf_t *out);
/* Feeds the bytes of one read. false once the server has stopped reading
 * (a real connection would close when its writes are done); bytes fed after
 * that are dropped, as the server drops them. */
bool mf_http_conn_feed(mf_http_conn_t *c, const char *data, size_t len);
void mf_http_conn_free(mf_http_conn_t *c);

#endif
