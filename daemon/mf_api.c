/*
 * mf_api.c — the HTTP endpoint's resources.
 *
 * Everything here reads the daemon's state on the loop's thread, between
 * two records, so what a response shows is one consistent moment. Only
 * live partitions' authorities are shown: a partition still restoring has
 * figures that are not yet true (/readyz says so).
 *
 * Metric names follow Prometheus's conventions: counters end in _total,
 * units are base units (seconds, bytes), and DOMAIN.md's percentages are
 * ratios from 0 to 1 (`…_pct_6m` becomes `…_ratio_6m`); a ratio with no
 * denominator has no sample rather than a made-up value. Labels carry
 * authority codes, topics, partitions, types and reasons: never a child.
 */
#include "mf_api.h"

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mf_expo.h"
#include "mf_indicators.h"
#include "mf_output.h"
#include "mf_time.h"

/* Health: the one-second tick must have run within this long. */
#define TICK_STALE_MS 5000
#define CACHE_MS      1000
#define NEAREST_MAX   20
#define NEAREST_LIMIT 200

extern const char mf_dashboard_html[];
extern const size_t mf_dashboard_html_len;

enum { C_METRICS = 0, C_INDICATORS, C_TREND, C_DEADLINES, C__N };

typedef struct {
        mf_buf_t body;
        int status;
        uint64_t at_ms;
        bool valid;
} cache_t;

struct mf_api_s {
        mf_run_t *run;
        cache_t cache[C__N];
        mf_buf_t scratch;
        mf_indicators_t ind;
        mf_nearest_t nearest[NEAREST_LIMIT];
};

/* An authority of a live partition. */
typedef struct {
        mf_str_t la;
        part_t *part;
} la_ref_t;

mf_api_t *mf_api_new(mf_run_t *run) {
        mf_api_t *a = calloc(1, sizeof(*a));
        if (!a)
                return NULL;
        a->run = run;
        for (int i = 0; i < C__N; i++)
                mf_buf_init(&a->cache[i].body);
        mf_buf_init(&a->scratch);
        return a;
}

void mf_api_free(mf_api_t *a) {
        if (!a)
                return;
        for (int i = 0; i < C__N; i++)
                mf_buf_destroy(&a->cache[i].body);
        mf_buf_destroy(&a->scratch);
        free(a);
}

static int cmp_la(const void *x, const void *y) {
        const la_ref_t *a = x, *b = y;
        size_t n = a->la.len < b->la.len ? a->la.len : b->la.len;
        int c = memcmp(a->la.ptr, b->la.ptr, n);
        return c ? c : (a->la.len > b->la.len) - (a->la.len < b->la.len);
}

/* Every authority of every live partition, in code order. The caller frees. */
static la_ref_t *live_las(mf_run_t *r, size_t *n) {
        size_t total = 0;
        for (size_t i = 0; i < r->nparts; i++)
                if (r->parts[i]->live)
                        total += mf_pipeline_la_count(r->parts[i]->pipeline);
        la_ref_t *v = malloc(sizeof(*v) * (total ? total : 1));
        *n = 0;
        if (!v)
                return NULL;
        for (size_t i = 0; i < r->nparts; i++) {
                part_t *p = r->parts[i];
                if (!p->live)
                        continue;
                for (size_t k = 0; k < mf_pipeline_la_count(p->pipeline); k++)
                        v[(*n)++] = (la_ref_t){mf_pipeline_la(p->pipeline, k), p};
        }
        qsort(v, *n, sizeof(*v), cmp_la);
        return v;
}

/* A NUL-terminated copy of an authority code, for labels. */
static const char *la_cstr(mf_str_t la, char *buf, size_t len) {
        size_t n = la.len < len - 1 ? la.len : len - 1;
        memcpy(buf, la.ptr, n);
        buf[n] = '\0';
        return buf;
}

/* The value of query parameter `name`, copied into buf; false if absent. */
static bool query_param(const char *query, const char *name, char *buf, size_t len) {
        size_t nl = strlen(name);
        for (const char *q = query; q && *q;) {
                const char *end = strchr(q, '&');
                size_t seg = end ? (size_t)(end - q) : strlen(q);
                if (seg > nl && !strncmp(q, name, nl) && q[nl] == '=') {
                        size_t vl = seg - nl - 1;
                        if (vl >= len)
                                vl = len - 1;
                        memcpy(buf, q + nl + 1, vl);
                        buf[vl] = '\0';
                        return true;
                }
                q = end ? end + 1 : NULL;
        }
        return false;
}

static void json_error(mf_http_resp_t *resp, int status, const char *msg) {
        resp->status = status;
        resp->content_type = "application/json";
        mf_buf_reset(&resp->body);
        mf_buf_append(&resp->body, "{\"error\":", 9);
        mf_buf_json_str(&resp->body, msg, strlen(msg));
        mf_buf_append(&resp->body, "}\n", 2);
}

/* ---- /indicators ---- */

static int write_indicators(mf_api_t *a, mf_buf_t *out, mf_date_t as_of) {
        size_t n;
        la_ref_t *las = live_las(a->run, &n);
        if (!las)
                return 500;
        size_t written = 0;
        mf_buf_putc(out, '[');
        for (size_t i = 0; i < n; i++) {
                mf_pipeline_t *p = las[i].part->pipeline;
                mf_date_t d = as_of == MF_DATE_NONE ? mf_pipeline_today(p) : as_of;
                if (mf_pipeline_indicators(p, las[i].la, d, &a->ind) != MF_OK)
                        continue;
                mf_indicators_out_t io = {&a->ind, mf_pipeline_store(p, las[i].la),
                                          mf_pipeline_now(p)};
                mf_output_t o = {.kind = MF_OUT_INDICATORS, .u.indicators = &io};
                if (written++)
                        mf_buf_putc(out, ',');
                mf_output_json(out, &o);
                if (out->len && out->data[out->len - 1] == '\n')
                        out->len--;
        }
        mf_buf_append(out, "]\n", 2);
        free(las);
        return n && !written && as_of != MF_DATE_NONE ? 422 : 200;
}

/* ---- /trend ---- */

static int write_trend(mf_api_t *a, mf_buf_t *out, int months) {
        size_t n;
        la_ref_t *las = live_las(a->run, &n);
        if (!las)
                return 500;
        mf_month_t m[MF_TREND_MAX_MONTHS];
        mf_buf_putc(out, '[');
        size_t written = 0;
        for (size_t i = 0; i < n; i++) {
                mf_pipeline_t *p = las[i].part->pipeline;
                mf_date_t today = mf_pipeline_today(p);
                if (mf_pipeline_trend(p, las[i].la, today, months, m) != MF_OK)
                        continue;
                char d1[16], d2[16];
                mf_date_format(today, d1);
                if (written++)
                        mf_buf_putc(out, ',');
                mf_buf_append(out, "{\"la\":", 6);
                mf_buf_json_str(out, las[i].la.ptr, las[i].la.len);
                mf_buf_printf(out, ",\"as_of\":\"%s\",\"months\":[", d1);
                for (int k = 0; k < months; k++) {
                        mf_date_format(m[k].from, d1);
                        mf_date_format(m[k].to, d2);
                        mf_buf_printf(out,
                                      "%s{\"from\":\"%s\",\"to\":\"%s\",\"contacts\":%u,"
                                      "\"referrals\":%u,\"rereferrals\":%u,"
                                      "\"rereferral_pct\":",
                                      k ? "," : "", d1, d2, m[k].contacts, m[k].referrals,
                                      m[k].rereferrals.num);
                        double pct;
                        if (mf_ratio_pct(m[k].rereferrals, &pct))
                                mf_buf_printf(out, "%.6g}", pct);
                        else
                                mf_buf_append(out, "null}", 5);
                }
                mf_buf_append(out, "]}", 2);
        }
        mf_buf_append(out, "]\n", 2);
        free(las);
        return 200;
}

/* ---- /deadlines ---- */

static int write_deadlines(mf_api_t *a, mf_buf_t *out, int limit) {
        size_t n;
        la_ref_t *las = live_las(a->run, &n);
        if (!las)
                return 500;
        mf_buf_putc(out, '[');
        for (size_t i = 0; i < n; i++) {
                mf_pipeline_t *p = las[i].part->pipeline;
                mf_instant_t now = mf_pipeline_now(p);
                size_t k = mf_pipeline_nearest(p, las[i].la, a->nearest, (size_t)limit);
                if (i)
                        mf_buf_putc(out, ',');
                mf_buf_append(out, "{\"la\":", 6);
                mf_buf_json_str(out, las[i].la.ptr, las[i].la.len);
                mf_buf_printf(out, ",\"now\":%lld,\"items\":[", (long long)now);
                for (size_t j = 0; j < k; j++) {
                        const mf_nearest_t *e = &a->nearest[j];
                        char d[16];
                        mf_date_format(e->start_date, d);
                        mf_buf_printf(out, "%s{\"item_type\":\"%s\",\"item_id\":",
                                      j ? "," : "", mf_alert_item_type(e->item_kind));
                        mf_buf_json_str(out, e->item_id.ptr, e->item_id.len);
                        mf_buf_printf(out,
                                      ",\"start_date\":\"%s\",\"due_at\":%lld,"
                                      "\"overdue\":%s}",
                                      d, (long long)e->due_at,
                                      now > e->due_at ? "true" : "false");
                }
                mf_buf_append(out, "]}", 2);
        }
        mf_buf_append(out, "]\n", 2);
        free(las);
        return 200;
}

/* ---- /metrics ---- */

typedef enum { F_COUNT, F_RATIO, F_MEAN } figure_kind_t;

typedef struct {
        const char *name;
        figure_kind_t kind;
        size_t off;
        const char *help;
} figure_t;

#define FIG(n, k, field, h) \
        { "mashflow_" n, k, offsetof(mf_indicators_t, field), h }

static const figure_t figures[] = {
    FIG("contacts_6m", F_COUNT, contacts_6m, "Contacts received in the last 6 months."),
    FIG("children_multiple_contacts_6m", F_COUNT, children_multiple_contacts_6m,
        "Children with 2 or more contacts in the last 6 months."),
    FIG("contact_decisions_overdue", F_COUNT, contact_decisions_overdue,
        "Contacts with no decision whose decision is past due, now."),
    FIG("contact_decisions_in_time_ratio_6m", F_RATIO, contact_decisions_in_time_6m,
        "Of decisions made in the last 6 months, the share made by their due instant."),
    FIG("contact_to_referral_ratio_6m", F_RATIO, contact_to_referral_6m,
        "Of contacts in the last 6 months with a decision, the share decided referral."),
    FIG("referrals_6m", F_COUNT, referrals_6m, "Referrals in the last 6 months."),
    FIG("referrals_nfa_6m", F_COUNT, referrals_nfa_6m,
        "Referrals in the last 6 months ending in no further action."),
    FIG("rereferral_ratio_6m", F_RATIO, rereferral_6m,
        "Share of referrals in the last 6 months that are re-referrals within 12 "
        "months."),
    FIG("rereferral_children_ratio_6m", F_RATIO, rereferral_children_6m,
        "Share of children referred in the last 6 months whose latest referral is a "
        "re-referral."),
    FIG("assessments_6m", F_COUNT, assessments_6m,
        "Assessments started in the last 6 months, or open."),
    FIG("assessments_completed_6m", F_COUNT, assessments_completed_6m,
        "Assessments authorised in the last 6 months."),
    FIG("assessments_open", F_COUNT, assessments_open,
        "Assessments with no authorised date, now."),
    FIG("assessments_in_time_ratio_6m", F_RATIO, assessments_in_time_6m,
        "Of assessments authorised in the last 6 months, the share within 45 working "
        "days."),
    FIG("assessment_mean_wd_6m", F_MEAN, assessments_in_time_6m,
        "Mean duration in working days of assessments authorised in the last 6 months."),
    FIG("assessments_overdue", F_COUNT, assessments_overdue,
        "Open assessments past their due date, now."),
    FIG("s47_6m", F_COUNT, s47_6m,
        "Section 47 enquiries with a strategy discussion in the last 6 months."),
    FIG("icpc_6m", F_COUNT, icpc_6m,
        "Initial child protection conferences in the last 6 months that followed an "
        "S47."),
    FIG("icpc_in_time_ratio_6m", F_RATIO, icpc_in_time_6m,
        "Of those conferences, the share held within 15 working days of the strategy "
        "discussion."),
    FIG("icpc_overdue", F_COUNT, icpc_overdue,
        "Open S47s past their ICPC due date, now."),
    FIG("assessment_date_errors_6m", F_COUNT, assessment_date_errors_6m,
        "Assessments authorised in the last 6 months with an end before their start."),
    FIG("icpc_date_errors_6m", F_COUNT, icpc_date_errors_6m,
        "ICPCs in the last 6 months dated before their strategy discussion."),
};

static bool figure_value(const figure_t *f, const mf_indicators_t *ind, double *v) {
        const char *base = (const char *)ind + f->off;
        switch (f->kind) {
                case F_COUNT:
                        *v = *(const uint32_t *)base;
                        return true;
                case F_RATIO: {
                        const mf_ratio_t *r = (const mf_ratio_t *)base;
                        if (!r->den)
                                return false;
                        *v = (double)r->num / (double)r->den;
                        return true;
                }
                default:
                        return mf_indicators_mean_wd(ind, v);
        }
}

static void counter(mf_buf_t *b, const char *name, const char *help, double v) {
        mf_expo_family(b, name, "counter", help);
        mf_expo_sample(b, name, NULL, 0, v);
}

static void gauge(mf_buf_t *b, const char *name, const char *help, double v) {
        mf_expo_family(b, name, "gauge", help);
        mf_expo_sample(b, name, NULL, 0, v);
}

/* Only with snapshot_dir set: without it there is nothing to say. */
static void snapshot_metrics(mf_buf_t *b, const mf_run_t *r) {
        const mf_snapshots_t *s = &r->snap;
        if (!r->cfg->snapshot_dir[0])
                return;
        mf_expo_family(b, "mashflow_snapshots_total", "counter",
                       "Partition snapshot files written, or that could not be.");
        mf_label_t w[] = {{"result", "written"}}, f[] = {{"result", "failed"}};
        mf_expo_sample(b, "mashflow_snapshots_total", w, 1, (double)s->written);
        mf_expo_sample(b, "mashflow_snapshots_total", f, 1, (double)s->failed);
        gauge(b, "mashflow_snapshot_writable",
              "0 while snapshots cannot be written (restores replay the input log "
              "meanwhile), else 1.",
              !s->failing);
        gauge(b, "mashflow_snapshot_bytes", "Size of the last snapshot file written.",
              (double)s->bytes);
        mf_expo_family(b, "mashflow_snapshot_restores_total", "counter",
                       "Partition restores by how they started: from a snapshot, from "
                       "the log with a snapshot refused (damaged, another build, past "
                       "the committed offset), or from the log with none.");
        mf_label_t lo[] = {{"result", "loaded"}}, re[] = {{"result", "refused"}},
                   no[] = {{"result", "none"}};
        mf_expo_sample(b, "mashflow_snapshot_restores_total", lo, 1, (double)s->loaded);
        mf_expo_sample(b, "mashflow_snapshot_restores_total", re, 1, (double)s->refused);
        mf_expo_sample(b, "mashflow_snapshot_restores_total", no, 1, (double)s->absent);
}

static void process_metrics(mf_buf_t *b, const mf_run_t *r) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        counter(b, "process_cpu_seconds_total",
                "User and system CPU time spent in seconds.",
                (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
        long pages_v = 0, pages_r = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (f) {
                if (fscanf(f, "%ld %ld", &pages_v, &pages_r) != 2)
                        pages_v = pages_r = 0;
                fclose(f);
        }
        long page = sysconf(_SC_PAGESIZE);
        gauge(b, "process_resident_memory_bytes", "Resident memory size in bytes.",
              (double)pages_r * (double)page);
        gauge(b, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
              (double)pages_v * (double)page);
        int fds = 0;
        DIR *d = opendir("/proc/self/fd");
        if (d) {
                struct dirent *e;
                while ((e = readdir(d)))
                        fds += e->d_name[0] != '.';
                closedir(d);
                fds--; /* the directory's own descriptor */
        }
        gauge(b, "process_open_fds", "Number of open file descriptors.", fds);
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
                gauge(b, "process_max_fds", "Maximum number of open file descriptors.",
                      (double)rl.rlim_cur);
        gauge(b, "process_start_time_seconds",
              "Start time of the process since unix epoch in seconds.",
              (double)r->started_ms / 1000.0);
}

static void pipeline_metrics(mf_buf_t *b, mf_run_t *r) {
        const mf_config_t *cfg = r->cfg;
        int nt = cfg->n_input_topics;
        mf_counts_t c[MF_CONFIG_MAX_TOPICS];
        for (int t = 0; t < nt; t++)
                mf_run_counts(r, t, &c[t]);

        mf_expo_family(b, "mashflow_input_records_total", "counter",
                       "Input records processed live (restores not counted), by topic.");
        for (int t = 0; t < nt; t++) {
                mf_label_t l[] = {{"topic", cfg->input_topics[t]}};
                mf_expo_sample(b, "mashflow_input_records_total", l, 1,
                               (double)c[t].records);
        }
        mf_expo_family(b, "mashflow_events_total", "counter",
                       "Events applied to state, by input topic and event type.");
        for (int t = 0; t < nt; t++)
                for (int e = 0; e < MF_EV__COUNT; e++) {
                        mf_label_t l[] = {
                            {"topic", cfg->input_topics[t]},
                            {"type", mf_event_type_name((mf_event_type_t)e)}};
                        mf_expo_sample(b, "mashflow_events_total", l, 2,
                                       (double)c[t].by_type[e]);
                }
        mf_expo_family(b, "mashflow_duplicate_events_total", "counter",
                       "Events whose id had been applied already (ignored), by topic.");
        for (int t = 0; t < nt; t++) {
                mf_label_t l[] = {{"topic", cfg->input_topics[t]}};
                mf_expo_sample(b, "mashflow_duplicate_events_total", l, 1,
                               (double)c[t].duplicates);
        }
        mf_expo_family(
            b, "mashflow_deadletters_total", "counter",
            "Input records rejected to the dead-letter topic, by topic and reason.");
        for (int t = 0; t < nt; t++)
                for (int e = MF_REASON_NONE + 1; e < MF_REASON__COUNT; e++) {
                        mf_label_t l[] = {{"topic", cfg->input_topics[t]},
                                          {"reason", mf_reason_name((mf_reason_t)e)}};
                        mf_expo_sample(b, "mashflow_deadletters_total", l, 2,
                                       (double)c[t].rejected[e]);
                }
        mf_expo_family(
            b, "mashflow_restored_records_total", "counter",
            "Input records replayed with outputs muted to rebuild state, by topic.");
        for (int t = 0; t < nt; t++) {
                mf_label_t l[] = {{"topic", cfg->input_topics[t]}};
                mf_expo_sample(b, "mashflow_restored_records_total", l, 1,
                               (double)r->restored[t]);
        }
        static const mf_output_kind_t kinds[] = {MF_OUT_REFERRAL, MF_OUT_ALERT,
                                                 MF_OUT_INDICATORS, MF_OUT_DEADLETTER};
        const char *topics[] = {cfg->referrals_topic, cfg->alerts_topic,
                                cfg->indicators_topic, cfg->deadletter_topic};
        mf_expo_family(b, "mashflow_outputs_total", "counter",
                       "Output records handed to the producer, by topic.");
        for (size_t k = 0; k < MF_ARRAY_LEN(kinds); k++) {
                mf_label_t l[] = {{"topic", topics[k]}};
                mf_expo_sample(b, "mashflow_outputs_total", l, 1,
                               (double)r->produced_by_kind[kinds[k]]);
        }
        mf_expo_family(b, "mashflow_batches_total", "counter",
                       "Batches of outputs and offsets committed together (one Kafka "
                       "transaction each under exactly_once), or aborted.");
        mf_label_t ok[] = {{"result", "committed"}}, ab[] = {{"result", "aborted"}};
        mf_expo_sample(b, "mashflow_batches_total", ok, 1, (double)r->stats.batches);
        mf_expo_sample(b, "mashflow_batches_total", ab, 1, (double)r->stats.aborted);
        counter(b, "mashflow_delivery_failures_total",
                "Output records the broker did not take.",
                (double)__atomic_load_n(&r->stats.delivery_failed, __ATOMIC_RELAXED));
        counter(b, "mashflow_producer_queue_full_total",
                "Waits for a full producer queue (input paused meanwhile).",
                (double)r->stats.queue_full);
        gauge(b, "mashflow_input_paused",
              "1 while input is paused for a full producer queue.", r->paused);
        gauge(b, "mashflow_batch_committing",
              "1 while a batch's commit is in flight (input waits for it).",
              r->committing);
        gauge(b, "mashflow_producer_queue_messages", "Messages in the producer's queue.",
              r->producer ? rd_kafka_outq_len(r->producer) : 0);

        int live = 0;
        for (size_t i = 0; i < r->nparts; i++)
                live += r->parts[i]->live;
        mf_expo_family(b, "mashflow_partitions", "gauge",
                       "Assigned input partitions, by state.");
        mf_label_t sl[] = {{"state", "live"}}, sr[] = {{"state", "restoring"}};
        mf_expo_sample(b, "mashflow_partitions", sl, 1, live);
        mf_expo_sample(b, "mashflow_partitions", sr, 1, (double)r->nparts - live);
        mf_expo_family(b, "mashflow_partition_live", "gauge",
                       "1 when an assigned partition is live, 0 while it is restoring.");
        char pbuf[16];
        for (size_t i = 0; i < r->nparts; i++) {
                snprintf(pbuf, sizeof(pbuf), "%d", (int)r->parts[i]->partition);
                mf_label_t l[] = {{"topic", r->parts[i]->topic}, {"partition", pbuf}};
                mf_expo_sample(b, "mashflow_partition_live", l, 2, r->parts[i]->live);
        }
        snapshot_metrics(b, r);
        mf_expo_family(b, "mashflow_consumer_lag_records", "gauge",
                       "Records in an assigned partition not yet processed (from the "
                       "high watermark last fetched).");
        for (size_t i = 0; i < r->nparts; i++) {
                part_t *p = r->parts[i];
                int64_t lo = 0, hi = 0;
                if (rd_kafka_get_watermark_offsets(r->consumer, p->topic, p->partition,
                                                   &lo,
                                                   &hi) != RD_KAFKA_RESP_ERR_NO_ERROR ||
                    hi < 0)
                        continue;
                int64_t pos = p->next_offset >= 0 ? p->next_offset : lo;
                snprintf(pbuf, sizeof(pbuf), "%d", (int)p->partition);
                mf_label_t l[] = {{"topic", p->topic}, {"partition", pbuf}};
                mf_expo_sample(b, "mashflow_consumer_lag_records", l, 2,
                               (double)(hi > pos ? hi - pos : 0));
        }
        mf_expo_family(b, "mashflow_processing_seconds", "histogram",
                       "Time to process one live input record through the pipeline.");
        mf_expo_histogram(b, "mashflow_processing_seconds", NULL, 0, &r->processing);
        mf_expo_family(b, "mashflow_end_to_end_latency_seconds", "histogram",
                       "From an input record's timestamp to the commit that makes its "
                       "outputs readable.");
        mf_expo_histogram(b, "mashflow_end_to_end_latency_seconds", NULL, 0,
                          &r->end_to_end);
}

static void figure_metrics(mf_api_t *a, mf_buf_t *b) {
        size_t n;
        la_ref_t *las = live_las(a->run, &n);
        if (!las)
                return;
        /* Computed once per authority, written family by family. */
        mf_indicators_t *ind = malloc(sizeof(*ind) * (n ? n : 1));
        mf_open_counts_t *open = malloc(sizeof(*open) * (n ? n : 1));
        bool *ok = calloc(n ? n : 1, sizeof(*ok));
        char(*la)[MF_LA_MAX + 1] = malloc(sizeof(*la) * (n ? n : 1));
        if (!ind || !open || !ok || !la)
                goto out;
        for (size_t i = 0; i < n; i++) {
                mf_pipeline_t *p = las[i].part->pipeline;
                la_cstr(las[i].la, la[i], sizeof(la[i]));
                ok[i] = mf_pipeline_indicators(p, las[i].la, mf_pipeline_today(p),
                                               &ind[i]) == MF_OK &&
                        mf_pipeline_open_counts(p, las[i].la, &open[i]) == MF_OK;
        }
        for (size_t f = 0; f < MF_ARRAY_LEN(figures); f++) {
                mf_expo_family(b, figures[f].name, "gauge", figures[f].help);
                for (size_t i = 0; i < n; i++) {
                        double v;
                        mf_label_t l[] = {{"la", la[i]}};
                        if (ok[i] && figure_value(&figures[f], &ind[i], &v))
                                mf_expo_sample(b, figures[f].name, l, 1, v);
                }
        }
        static const char *const prev[] = {"0", "1", "2", "3", "4+"};
        mf_expo_family(
            b, "mashflow_children_by_previous_referrals_6m", "gauge",
            "Children referred in the last 6 months, by the number of referrals "
            "in the 12 months before their latest one.");
        for (size_t i = 0; i < n; i++)
                for (int k = 0; ok[i] && k < 5; k++) {
                        mf_label_t l[] = {{"la", la[i]}, {"previous", prev[k]}};
                        mf_expo_sample(b, "mashflow_children_by_previous_referrals_6m", l,
                                       2, ind[i].children_by_previous_referrals_6m[k]);
                }
        mf_expo_family(
            b, "mashflow_open_deadlines", "gauge",
            "Open items with a statutory deadline, by authority and item type.");
        for (size_t i = 0; i < n; i++) {
                if (!ok[i])
                        continue;
                const char *types[] = {"contact", "assessment", "s47"};
                uint32_t v[] = {open[i].contacts, open[i].assessments, open[i].s47s};
                for (int k = 0; k < 3; k++) {
                        mf_label_t l[] = {{"la", la[i]}, {"item_type", types[k]}};
                        mf_expo_sample(b, "mashflow_open_deadlines", l, 2, v[k]);
                }
        }
out:
        free(ind);
        free(open);
        free(ok);
        free(la);
        free(las);
}

static int write_metrics(mf_api_t *a, mf_buf_t *b) {
        mf_run_t *r = a->run;
        mf_expo_family(b, "mashflow_build_info", "gauge",
                       "Always 1; the labels say which mashflow this is.");
        mf_label_t v[] = {{"version", MF_VERSION},
                          {"guarantee", r->eos ? "exactly_once" : "at_least_once"}};
        mf_expo_sample(b, "mashflow_build_info", v, 2, 1);
        process_metrics(b, r);
        pipeline_metrics(b, r);
        figure_metrics(a, b);
        return 200;
}

/* ---- health ---- */

static void healthz(mf_api_t *a, mf_http_resp_t *resp) {
        uint64_t age = mf_run_wall_ms() - a->run->last_tick_ms;
        resp->status = age <= TICK_STALE_MS ? 200 : 503;
        mf_buf_printf(&resp->body,
                      resp->status == 200 ? "ok\n" : "loop stalled: %llu ms\n",
                      (unsigned long long)age);
}

static void readyz(mf_api_t *a, mf_http_resp_t *resp) {
        mf_run_t *r = a->run;
        size_t live = 0;
        for (size_t i = 0; i < r->nparts; i++)
                live += r->parts[i]->live;
        resp->status = 503;
        if (r->stopping)
                mf_buf_printf(&resp->body, "not ready: stopping\n");
        else if (!mf_run_brokers_up(r))
                mf_buf_printf(&resp->body, "not ready: no broker reachable\n");
        else if (!r->producer_ready)
                mf_buf_printf(&resp->body,
                              "not ready: waiting for the transaction coordinator\n");
        else if (!r->assigned_once)
                mf_buf_printf(&resp->body,
                              "not ready: waiting for partitions from the group\n");
        else if (live < r->nparts)
                mf_buf_printf(&resp->body, "not ready: %zu of %zu partitions restoring\n",
                              r->nparts - live, r->nparts);
        else {
                resp->status = 200;
                mf_buf_printf(&resp->body, "ready: %zu partitions live\n", r->nparts);
                /* Ready all the same: snapshots only shorten restores. */
                if (r->snap.failing)
                        mf_buf_printf(&resp->body,
                                      "degraded: snapshots cannot be written (%s); "
                                      "restores replay the input log\n",
                                      r->snap.error);
        }
}

/* ---- routing ---- */

static bool parse_int(const char *s, int lo, int hi, int *out) {
        char *end;
        long v = strtol(s, &end, 10);
        if (!*s || *end || v < lo || v > hi)
                return false;
        *out = (int)v;
        return true;
}

/* Serves a cached body, recomputing it when older than CACHE_MS. */
static void cached(mf_api_t *a, int which, mf_http_resp_t *resp, int arg,
                   int (*fill)(mf_api_t *, mf_buf_t *, int)) {
        cache_t *c = &a->cache[which];
        uint64_t now = mf_run_wall_ms();
        if (!c->valid || now - c->at_ms >= CACHE_MS) {
                mf_buf_reset(&c->body);
                c->status = fill(a, &c->body, arg);
                c->at_ms = now;
                c->valid = true;
        }
        resp->status = c->status;
        mf_buf_append(&resp->body, c->body.data, c->body.len);
}

static int fill_metrics(mf_api_t *a, mf_buf_t *b, int arg) {
        (void)arg;
        return write_metrics(a, b);
}

static int fill_indicators(mf_api_t *a, mf_buf_t *b, int arg) {
        (void)arg;
        return write_indicators(a, b, MF_DATE_NONE);
}

static int fill_trend(mf_api_t *a, mf_buf_t *b, int arg) {
        return write_trend(a, b, arg);
}

static int fill_deadlines(mf_api_t *a, mf_buf_t *b, int arg) {
        return write_deadlines(a, b, arg);
}

void mf_api_handle(void *opaque, const mf_http_req_t *req, mf_http_resp_t *resp) {
        mf_api_t *a = opaque;
        const char *path = req->path;
        char v[64];
        if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
                resp->content_type = "text/html; charset=utf-8";
                resp->extra_headers =
                    "Content-Security-Policy: default-src 'self'; "
                    "style-src 'self' 'unsafe-inline'; script-src 'self' "
                    "'unsafe-inline'; img-src 'self' data:\r\n";
                mf_buf_append(&resp->body, mf_dashboard_html, mf_dashboard_html_len);
        } else if (!strcmp(path, "/metrics")) {
                resp->content_type = MF_EXPO_CONTENT_TYPE;
                cached(a, C_METRICS, resp, 0, fill_metrics);
        } else if (!strcmp(path, "/healthz")) {
                healthz(a, resp);
        } else if (!strcmp(path, "/readyz")) {
                readyz(a, resp);
        } else if (!strcmp(path, "/indicators")) {
                resp->content_type = "application/json";
                mf_date_t d;
                if (!query_param(req->query, "as_of", v, sizeof(v))) {
                        cached(a, C_INDICATORS, resp, 0, fill_indicators);
                } else if (!mf_date_parse(v, strlen(v), &d)) {
                        json_error(resp, 400, "as_of must be a date YYYY-MM-DD");
                } else if ((resp->status = write_indicators(a, &resp->body, d)) == 422) {
                        json_error(
                            resp, 422,
                            "as_of is outside the retained state: after the clock, "
                            "or its 6 months reach before the 24-month horizon");
                }
        } else if (!strcmp(path, "/trend")) {
                int months = 6;
                resp->content_type = "application/json";
                if (query_param(req->query, "months", v, sizeof(v)) &&
                    !parse_int(v, 1, 12, &months))
                        json_error(resp, 400, "months must be an integer from 1 to 12");
                else if (months == 6)
                        cached(a, C_TREND, resp, months, fill_trend);
                else
                        resp->status = write_trend(a, &resp->body, months);
        } else if (!strcmp(path, "/deadlines")) {
                int limit = NEAREST_MAX;
                resp->content_type = "application/json";
                if (query_param(req->query, "limit", v, sizeof(v)) &&
                    !parse_int(v, 1, NEAREST_LIMIT, &limit))
                        json_error(resp, 400, "limit must be an integer from 1 to 200");
                else if (limit == NEAREST_MAX)
                        cached(a, C_DEADLINES, resp, limit, fill_deadlines);
                else
                        resp->status = write_deadlines(a, &resp->body, limit);
        } else {
                resp->status = 404;
                mf_buf_printf(&resp->body, "404 Not Found\n");
        }
        if (resp->status == 500) {
                mf_buf_reset(&resp->body);
                mf_buf_printf(&resp->body, "out of memory\n");
        }
}
