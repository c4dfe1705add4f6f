#include "mf_deadline.h"

#include <stdlib.h>

void mf_deadlines_init(mf_deadlines_t *d) {
        memset(d, 0, sizeof(*d));
}

void mf_deadlines_destroy(mf_deadlines_t *d) {
        free(d->h);
        mf_deadlines_init(d);
}

static bool earlier(const mf_timer_t *a, const mf_timer_t *b) {
        return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void swap(mf_timer_t *a, mf_timer_t *b) {
        mf_timer_t t = *a;
        *a = *b;
        *b = t;
}

mf_err_t mf_deadlines_push(mf_deadlines_t *d, mf_timer_t t) {
        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 256;
                mf_timer_t *h = realloc(d->h, cap * sizeof(*h));
                if (!h)
                        return MF_ERR_NOMEM;
                d->h = h;
                d->cap = cap;
        }
        t.seq = d->seq++;
        size_t i = d->n++;
        d->h[i] = t;
        while (i > 0 && earlier(&d->h[i], &d->h[(i - 1) / 2])) {
                swap(&d->h[i], &d->h[(i - 1) / 2]);
                i = (i - 1) / 2;
        }
        return MF_OK;
}

bool mf_deadlines_pop_due(mf_deadlines_t *d, mf_instant_t now, mf_timer_t *out) {
        if (d->n == 0 || d->h[0].at > now)
                return false;
        *out = d->h[0];
        d->h[0] = d->h[--d->n];
        size_t i = 0;
        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;
                if (l < d->n && earlier(&d->h[l], &d->h[m]))
                        m = l;
                if (r < d->n && earlier(&d->h[r], &d->h[m]))
                        m = r;
                if (m == i)
                        break;
                swap(&d->h[i], &d->h[m]);
                i = m;
        }
        return true;
}

void mf_deadlines_save(const mf_deadlines_t *d, mf_snap_writer_t *w) {
        mf_snap_u64(w, d->seq);
        mf_snap_u64(w, d->n);
        for (size_t i = 0; i < d->n; i++) {
                /* Field by field: a timer set from a compound literal may
                 * carry stray padding, and a snapshot's bytes should not. */
                mf_timer_t t;
                memset(&t, 0, sizeof(t));
                t.at = d->h[i].at;
                t.seq = d->h[i].seq;
                t.slot = d->h[i].slot;
                t.stamp = d->h[i].stamp;
                t.item = d->h[i].item;
                t.alert = d->h[i].alert;
                mf_snap_put(w, &t, sizeof(t));
        }
}

bool mf_deadlines_load(mf_deadlines_t *d, mf_snap_reader_t *r) {
        if (d->n || d->h)
                return mf_snap_fail(r, "timer heap not empty");
        uint64_t seq = mf_snap_get_u64(r), n = mf_snap_get_u64(r);
        if (r->bad)
                return false;
        if (n > r->left / sizeof(mf_timer_t))
                return mf_snap_fail(r, "timer count beyond the snapshot");
        if (n) {
                size_t cap = 256;
                while (cap < n)
                        cap *= 2;
                if (!(d->h = malloc(cap * sizeof(*d->h))))
                        return mf_snap_fail(r, "out of memory");
                d->cap = cap;
                if (!mf_snap_get(r, d->h, sizeof(*d->h) * n))
                        return false;
                d->n = (size_t)n;
        }
        for (size_t i = 1; i < d->n; i++)
                if (earlier(&d->h[i], &d->h[(i - 1) / 2]) || d->h[i].seq >= seq)
                        return mf_snap_fail(r, "timer heap out of order");
        if (d->n && d->h[0].seq >= seq)
                return mf_snap_fail(r, "timer heap out of order");
        d->seq = seq;
        return true;
}
