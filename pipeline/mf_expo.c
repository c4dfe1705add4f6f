/*
 * mf_expo.c — Prometheus text exposition writer.
 */
#include "mf_expo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Escapes backslash and newline, and the double quote when `quote`. */
static mf_err_t escaped(mf_buf_t *b, const char *s, bool quote) {
        for (const char *run = s;; s++) {
                char c = *s;
                if (c && c != '\\' && c != '\n' && !(quote && c == '"'))
                        continue;
                MF_TRY(mf_buf_append(b, run, (size_t)(s - run)));
                if (!c)
                        return MF_OK;
                MF_TRY(mf_buf_append(b,
                                     c == '\n'  ? "\\n"
                                     : c == '"' ? "\\\""
                                                : "\\\\",
                                     2));
                run = s + 1;
        }
}

mf_err_t mf_expo_label_value(mf_buf_t *b, const char *value) {
        return escaped(b, value, true);
}

mf_err_t mf_expo_family(mf_buf_t *b, const char *name, const char *type,
                        const char *help) {
        MF_TRY(mf_buf_printf(b, "# HELP %s ", name));
        MF_TRY(escaped(b, help, false));
        return mf_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

mf_err_t mf_expo_value(mf_buf_t *b, double v) {
        if (isnan(v))
                return mf_buf_append(b, "NaN", 3);
        if (isinf(v))
                return v > 0 ? mf_buf_append(b, "+Inf", 4) : mf_buf_append(b, "-Inf", 4);
        if (v == floor(v) && fabs(v) < 9007199254740992.0)
                return mf_buf_printf(b, "%lld", (long long)v);
        /* The shortest of 15, 16 or 17 significant digits that reads back as
         * the same double, as Prometheus's own clients write floats. */
        char text[32];
        for (int digits = 15; digits <= 17; digits++) {
                snprintf(text, sizeof(text), "%.*g", digits, v);
                if (strtod(text, NULL) == v)
                        break;
        }
        return mf_buf_append(b, text, strlen(text));
}

static mf_err_t labels_open(mf_buf_t *b, const mf_label_t *labels, size_t n, bool more) {
        if (!n && !more)
                return MF_OK;
        MF_TRY(mf_buf_putc(b, '{'));
        for (size_t i = 0; i < n; i++) {
                MF_TRY(mf_buf_printf(b, "%s%s=\"", i ? "," : "", labels[i].name));
                MF_TRY(escaped(b, labels[i].value, true));
                MF_TRY(mf_buf_putc(b, '"'));
        }
        return MF_OK;
}

mf_err_t mf_expo_sample(mf_buf_t *b, const char *name, const mf_label_t *labels,
                        size_t nlabels, double value) {
        MF_TRY(mf_buf_append(b, name, strlen(name)));
        MF_TRY(labels_open(b, labels, nlabels, false));
        if (nlabels)
                MF_TRY(mf_buf_putc(b, '}'));
        MF_TRY(mf_buf_putc(b, ' '));
        MF_TRY(mf_expo_value(b, value));
        return mf_buf_putc(b, '\n');
}

mf_err_t mf_histo_init(mf_histo_t *h, const double *bounds, size_t n) {
        memset(h, 0, sizeof(*h));
        if (n == 0 || n > MF_HISTO_MAX_BUCKETS)
                return MF_ERR_INVALID;
        for (size_t i = 0; i < n; i++)
                if (isnan(bounds[i]) || (i && bounds[i] <= bounds[i - 1]))
                        return MF_ERR_INVALID;
        memcpy(h->bounds, bounds, n * sizeof(*bounds));
        h->n = n;
        return MF_OK;
}

void mf_histo_observe(mf_histo_t *h, double v) {
        size_t i = 0;
        while (i < h->n && v > h->bounds[i])
                i++;
        h->counts[i]++;
        h->count++;
        h->sum += v;
}

mf_err_t mf_expo_histogram(mf_buf_t *b, const char *name, const mf_label_t *labels,
                           size_t nlabels, const mf_histo_t *h) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= h->n; i++) {
                cumulative += h->counts[i];
                MF_TRY(mf_buf_printf(b, "%s_bucket", name));
                MF_TRY(labels_open(b, labels, nlabels, true));
                MF_TRY(mf_buf_printf(b, "%sle=\"", nlabels ? "," : ""));
                MF_TRY(i < h->n ? mf_expo_value(b, h->bounds[i])
                                : mf_buf_append(b, "+Inf", 4));
                MF_TRY(mf_buf_printf(b, "\"} %llu\n", (unsigned long long)cumulative));
        }
        char full[256];
        snprintf(full, sizeof(full), "%s_sum", name);
        MF_TRY(mf_expo_sample(b, full, labels, nlabels, h->sum));
        snprintf(full, sizeof(full), "%s_count", name);
        return mf_expo_sample(b, full, labels, nlabels, (double)h->count);
}
