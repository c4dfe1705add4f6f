/*
 * mf_http.c — the HTTP/1.1 endpoint's server.
 *
 * One connection is a TCP handle, a timer and an http-parser. Bytes are fed
 * to the parser as they arrive; its callbacks collect the URL (bounded) and
 * count header and body bytes; at the end of each message the handler runs
 * and the response is queued with uv_write, so pipelined requests are
 * answered in order. A response that must end the connection (an error, or
 * "Connection: close") stops the parsing of anything after it and closes the
 * connection once every queued write has completed.
 *
 * The timer bounds time, not bytes: a request has request_timeout_ms from
 * its first byte to its last (a client that trickles headers cannot hold a
 * connection open), and an idle keep-alive connection idle_timeout_ms.
 *
 * A detached connection (mf_http_conn_new) is the same conn_t with a sink
 * instead of a socket and a timer: what it reads goes through the same
 * conn_input, and what uv_write would send is appended to the sink.
 */
#include "mf_http.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "mf_log.h"

#define URL_MAX 2048
/* Connections past the limit still get a 503; beyond this many more they
 * are closed at once without one. */
#define OVERFLOW_SLACK 16

typedef struct conn_s conn_t;

struct mf_http_s {
        uv_loop_t *loop;
        uv_tcp_t listener;
        mf_http_conf_t conf;
        mf_http_handler_t handler;
        void *opaque;
        http_parser_settings settings;
        conn_t *conns; /* doubly linked */
        int nconns;
        int port;
        bool closing;
        bool listener_closed;
};

struct conn_s {
        mf_http_t *srv;
        conn_t *prev, *next;
        uv_tcp_t tcp;
        uv_timer_t timer;
        http_parser parser;
        char url[URL_MAX + 1];
        size_t url_len;
        size_t header_bytes;
        size_t body_bytes;
        int error;       /* a status to answer with instead of the handler's */
        bool in_request; /* between the first byte and the end of a message */
        bool done;       /* no more requests on this connection */
        bool linger;     /* refused: input is drained until the client closes */
        int writes;      /* queued, not yet completed */
        int open_handles;
        mf_http_resp_t resp;
        mf_buf_t *sink; /* detached: no tcp or timer; writes land here */
        bool closed;    /* detached: conn_close was called */
};

struct mf_http_conn_s {
        mf_http_t srv; /* only its conf, handler and settings are used */
        conn_t conn;
};

typedef struct {
        uv_write_t req;
        conn_t *c;
        size_t len;
        char data[];
} write_t;

static const char *reason(int status) {
        switch (status) {
                case 200:
                        return "OK";
                case 400:
                        return "Bad Request";
                case 404:
                        return "Not Found";
                case 405:
                        return "Method Not Allowed";
                case 408:
                        return "Request Timeout";
                case 413:
                        return "Content Too Large";
                case 414:
                        return "URI Too Long";
                case 422:
                        return "Unprocessable Content";
                case 431:
                        return "Request Header Fields Too Large";
                case 503:
                        return "Service Unavailable";
                default:
                        return "Internal Server Error";
        }
}

/* ---- closing ---- */

static void free_srv_if_done(mf_http_t *s) {
        if (s->closing && s->listener_closed && s->nconns == 0)
                free(s);
}

static void on_conn_handle_closed(uv_handle_t *h) {
        conn_t *c = h->data;
        if (--c->open_handles > 0)
                return;
        mf_http_t *s = c->srv;
        mf_buf_destroy(&c->resp.body);
        free(c);
        s->nconns--;
        free_srv_if_done(s);
}

static void conn_close(conn_t *c) {
        if (c->sink) {
                c->closed = true;
                return;
        }
        if (uv_is_closing((uv_handle_t *)&c->tcp))
                return;
        mf_http_t *s = c->srv;
        if (c->prev)
                c->prev->next = c->next;
        else
                s->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        c->prev = c->next = NULL;
        uv_timer_stop(&c->timer);
        uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
        uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
}

/* ---- writing ---- */

static void on_written(uv_write_t *req, int status) {
        write_t *w = (write_t *)req;
        conn_t *c = w->c;
        free(w);
        c->writes--;
        if (status < 0 || (c->done && c->writes == 0 && !c->linger))
                conn_close(c);
}

static void send_response(conn_t *c, int status, const char *content_type,
                          const char *extra, const char *body, size_t body_len, bool head,
                          bool keep_alive) {
        char header[512];
        int n = snprintf(header, sizeof(header),
                         "HTTP/1.1 %d %s\r\n"
                         "Content-Type: %s\r\n"
                         "Content-Length: %zu\r\n"
                         "Cache-Control: no-store\r\n"
                         "X-Content-Type-Options: nosniff\r\n"
                         "%s%s\r\n",
                         status, reason(status), content_type, body_len,
                         extra ? extra : "", keep_alive ? "" : "Connection: close\r\n");
        if (n < 0 || (size_t)n >= sizeof(header)) {
                conn_close(c);
                return;
        }
        size_t send_body = head ? 0 : body_len;
        write_t *w = malloc(sizeof(*w) + (size_t)n + send_body);
        if (!w) {
                conn_close(c);
                return;
        }
        w->c = c;
        w->len = (size_t)n + send_body;
        memcpy(w->data, header, (size_t)n);
        if (send_body)
                memcpy(w->data + n, body, send_body);
        if (!keep_alive)
                c->done = true;
        if (c->sink) {
                /* Detached: the bytes the write would send, sent at once. */
                if (!c->closed && mf_buf_append(c->sink, w->data, w->len) != MF_OK)
                        conn_close(c);
                free(w);
                return;
        }
        uv_buf_t buf = uv_buf_init(w->data, (unsigned)w->len);
        if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0) {
                free(w);
                conn_close(c);
                return;
        }
        c->writes++;
}

/* A status answered by the server itself, as plain text. */
static void send_status(conn_t *c, int status, const char *extra, bool keep_alive) {
        char body[128];
        int n = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
        send_response(c, status, "text/plain; charset=utf-8", extra, body, (size_t)n,
                      false, keep_alive);
}

/* An error of the request itself: answered, then the connection closed. */
static void send_error(conn_t *c, int status, const char *extra) {
        send_status(c, status, extra, false);
}

/* ---- timers ---- */

static void arm(conn_t *c, unsigned ms);

static void on_timeout(uv_timer_t *t) {
        conn_t *c = t->data;
        if (c->in_request && !c->done) {
                send_error(c, 408, NULL); /* closes once written */
        } else {
                conn_close(c);
        }
}

static void arm(conn_t *c, unsigned ms) {
        if (!c->sink) /* a detached connection has no timer */
                uv_timer_start(&c->timer, on_timeout, ms, 0);
}

/* ---- parsing ---- */

static conn_t *conn_of(http_parser *p) {
        return p->data;
}

static int on_message_begin(http_parser *p) {
        conn_t *c = conn_of(p);
        c->url_len = c->header_bytes = c->body_bytes = 0;
        c->error = 0;
        if (!c->in_request) {
                c->in_request = true;
                arm(c, c->srv->conf.request_timeout_ms);
        }
        return 0;
}

static int on_url(http_parser *p, const char *at, size_t len) {
        conn_t *c = conn_of(p);
        if (c->url_len + len > URL_MAX) {
                c->error = 414;
                return 1;
        }
        memcpy(c->url + c->url_len, at, len);
        c->url_len += len;
        return 0;
}

static int on_header_bytes(http_parser *p, const char *at, size_t len) {
        conn_t *c = conn_of(p);
        (void)at;
        c->header_bytes += len;
        if (c->header_bytes + c->url_len > c->srv->conf.max_header_bytes) {
                c->error = 431;
                return 1;
        }
        return 0;
}

static int on_headers_complete(http_parser *p) {
        conn_t *c = conn_of(p);
        if (p->content_length != ULLONG_MAX && p->content_length > 0 &&
            p->content_length > c->srv->conf.max_body_bytes) {
                c->error = 413;
                return -1; /* 1 and 2 mean "no body" and "upgrade" here */
        }
        return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
        conn_t *c = conn_of(p);
        (void)at;
        c->body_bytes += len;
        if (c->body_bytes > c->srv->conf.max_body_bytes) {
                c->error = 413;
                return 1;
        }
        return 0;
}

static int on_message_complete(http_parser *p) {
        conn_t *c = conn_of(p);
        mf_http_t *s = c->srv;
        bool keep_alive = http_should_keep_alive(p) && !s->closing;
        c->in_request = false;
        arm(c, s->conf.idle_timeout_ms);
        if (p->method != HTTP_GET && p->method != HTTP_HEAD) {
                send_status(c, 405, "Allow: GET, HEAD\r\n", keep_alive);
                goto next;
        }
        c->url[c->url_len] = '\0';
        char *query = strchr(c->url, '?');
        if (query)
                *query++ = '\0';
        char *hash = query ? strchr(query, '#') : strchr(c->url, '#');
        if (hash)
                *hash = '\0';
        mf_http_req_t req = {
            .head = p->method == HTTP_HEAD, .path = c->url, .query = query ? query : ""};
        mf_http_resp_t *r = &c->resp;
        mf_buf_reset(&r->body);
        r->status = 200;
        r->content_type = "text/plain; charset=utf-8";
        r->extra_headers = NULL;
        s->handler(s->opaque, &req, r);
        send_response(c, r->status, r->content_type, r->extra_headers, r->body.data,
                      r->body.len, req.head, keep_alive);
next:
        /* Anything after a response that closes the connection is ignored. */
        return c->done ? 1 : 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
        (void)h;
        buf->base = malloc(suggested);
        buf->len = buf->base ? suggested : 0;
}

static void stop_reading(conn_t *c) {
        if (!c->sink)
                uv_read_stop((uv_stream_t *)&c->tcp);
}

/* The bytes of one read (len > 0), while the connection still takes input. */
static void conn_input(conn_t *c, const char *data, size_t len) {
        size_t used = http_parser_execute(&c->parser, &c->srv->settings, data, len);
        /* http-parser stops after a request that asks to switch protocols
         * (Upgrade, CONNECT) and leaves the rest of the read to the new
         * protocol. This server switches to none: the request was answered
         * as any other (RFC 9110 7.8 lets a server ignore Upgrade), so what
         * follows is the next request, parsed on as it would be had it come
         * in a later read (instead of a 400 that depended on where the read
         * happened to end). */
        while (c->parser.upgrade && used < len && !c->done &&
               HTTP_PARSER_ERRNO(&c->parser) == HPE_OK) {
                size_t n = http_parser_execute(&c->parser, &c->srv->settings, data + used,
                                               len - used);
                if (n == 0)
                        break;
                used += n;
        }
        if (c->done) {
                stop_reading(c);
                if (c->writes == 0)
                        conn_close(c);
                return;
        }
        enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
        if (e != HPE_OK || used != len) {
                int status = c->error ? c->error : e == HPE_HEADER_OVERFLOW ? 431 : 400;
                send_error(c, status, NULL);
                stop_reading(c);
        }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
        conn_t *c = stream->data;
        if (nread < 0) {
                free(buf->base);
                conn_close(c);
                return;
        }
        if (nread == 0 || c->done) {
                /* After a refusal input is read and dropped until the client
                 * closes or the timer fires: closing with unread input would
                 * reset the connection before the client reads the answer. */
                free(buf->base);
                return;
        }
        conn_input(c, buf->base, (size_t)nread);
        free(buf->base);
}

/* ---- accepting ---- */

static void on_connection(uv_stream_t *listener, int status) {
        mf_http_t *s = listener->data;
        if (status < 0 || s->closing)
                return;
        conn_t *c = calloc(1, sizeof(*c));
        if (!c)
                return;
        c->srv = s;
        mf_buf_init(&c->resp.body);
        uv_tcp_init(s->loop, &c->tcp);
        uv_timer_init(s->loop, &c->timer);
        c->tcp.data = c->timer.data = c;
        c->open_handles = 2;
        s->nconns++;
        c->next = s->conns;
        if (s->conns)
                s->conns->prev = c;
        s->conns = c;
        if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
                conn_close(c);
                return;
        }
        uv_tcp_nodelay(&c->tcp, 1);
        if (s->nconns > s->conf.max_connections) {
                if (s->nconns > s->conf.max_connections + OVERFLOW_SLACK)
                        conn_close(c);
                else {
                        send_error(c, 503, "Retry-After: 1\r\n");
                        c->linger = true;
                        arm(c, 1000);
                        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
                                conn_close(c);
                }
                return;
        }
        http_parser_init(&c->parser, HTTP_REQUEST);
        c->parser.data = c;
        arm(c, s->conf.idle_timeout_ms);
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
                conn_close(c);
}

bool mf_http_parse_listen(const char *listen, char *host, size_t hostlen, int *port) {
        const char *colon = strrchr(listen, ':');
        if (!colon || colon == listen)
                return false;
        const char *h = listen;
        size_t hl = (size_t)(colon - listen);
        if (h[0] == '[') {
                if (hl < 3 || h[hl - 1] != ']')
                        return false;
                h++, hl -= 2;
        }
        if (hl + 1 > hostlen)
                return false;
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end || p < 0 || p > 65535)
                return false;
        memcpy(host, h, hl);
        host[hl] = '\0';
        struct sockaddr_in6 a6;
        struct sockaddr_in a4;
        if (uv_ip4_addr(host, 0, &a4) != 0 && uv_ip6_addr(host, 0, &a6) != 0)
                return false;
        *port = (int)p;
        return true;
}

static void srv_init(mf_http_t *s, uv_loop_t *loop, const mf_http_conf_t *conf,
                     mf_http_handler_t handler, void *opaque) {
        s->loop = loop;
        s->conf = *conf;
        s->handler = handler;
        s->opaque = opaque;
        s->settings.on_message_begin = on_message_begin;
        s->settings.on_url = on_url;
        s->settings.on_header_field = on_header_bytes;
        s->settings.on_header_value = on_header_bytes;
        s->settings.on_headers_complete = on_headers_complete;
        s->settings.on_body = on_body;
        s->settings.on_message_complete = on_message_complete;
}

mf_http_t *mf_http_new(uv_loop_t *loop, const mf_http_conf_t *conf,
                       mf_http_handler_t handler, void *opaque, char *err,
                       size_t errlen) {
        mf_http_t *s = calloc(1, sizeof(*s));
        if (!s) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        srv_init(s, loop, conf, handler, opaque);
        struct sockaddr_storage addr;
        int rc = uv_ip4_addr(conf->host, conf->port, (struct sockaddr_in *)&addr);
        if (rc != 0)
                rc = uv_ip6_addr(conf->host, conf->port, (struct sockaddr_in6 *)&addr);
        if (rc == 0) {
                uv_tcp_init(loop, &s->listener);
                s->listener.data = s;
                rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
                if (rc == 0)
                        rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
                if (rc != 0) {
                        /* The handle is initialised: close it through the loop. */
                        snprintf(err, errlen, "cannot listen on %s:%d: %s", conf->host,
                                 conf->port, uv_strerror(rc));
                        s->closing = true;
                        mf_http_close(s);
                        return NULL;
                }
        } else {
                snprintf(err, errlen, "%s is not a numeric IP address", conf->host);
                free(s);
                return NULL;
        }
        struct sockaddr_storage bound;
        int len = sizeof(bound);
        uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len);
        s->port =
            ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                              : ((struct sockaddr_in *)&bound)->sin_port);
        return s;
}

int mf_http_port(const mf_http_t *s) {
        return s->port;
}

int mf_http_connections(const mf_http_t *s) {
        return s->nconns;
}

static void on_listener_closed(uv_handle_t *h) {
        mf_http_t *s = h->data;
        s->listener_closed = true;
        free_srv_if_done(s);
}

void mf_http_close(mf_http_t *s) {
        if (!s)
                return;
        s->closing = true;
        while (s->conns)
                conn_close(s->conns);
        if (!uv_is_closing((uv_handle_t *)&s->listener))
                uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}

/* ---- detached connections ---- */

mf_http_conn_t *mf_http_conn_new(const mf_http_conf_t *conf, mf_http_handler_t handler,
                                 void *opaque, mf_buf_t *out) {
        mf_http_conn_t *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        srv_init(&d->srv, NULL, conf, handler, opaque);
        conn_t *c = &d->conn;
        c->srv = &d->srv;
        c->sink = out;
        mf_buf_init(&c->resp.body);
        /* As on_connection, but with no handles to open or timer to arm. */
        http_parser_init(&c->parser, HTTP_REQUEST);
        c->parser.data = c;
        return d;
}

bool mf_http_conn_feed(mf_http_conn_t *d, const char *data, size_t len) {
        conn_t *c = &d->conn;
        /* As on_read: input after a refusal or a close is dropped. */
        if (len > 0 && !c->done && !c->closed)
                conn_input(c, data, len);
        return !c->done && !c->closed;
}

void mf_http_conn_free(mf_http_conn_t *d) {
        if (!d)
                return;
        mf_buf_destroy(&d->conn.resp.body);
        free(d);
}
