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
