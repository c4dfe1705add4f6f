/*
 * mf_run.c — `mashflow run`: the daemon.
 *
 * One libuv loop drives everything. librdkafka's consumer and producer queues
 * wake the loop through file descriptors (rd_kafka_queue_io_event_enable), so
 * an idle daemon sleeps in epoll; a one-second timer advances every
 * partition's clock with wall time; signals arrive as loop events.
 *
 * State is owned per assigned partition: one pipeline each. On assignment a
 * partition is rebuilt by consuming it from the 24-month horizon (found with
 * offsets-for-times) with its outputs muted up to the group's committed
 * offset, then it goes live. On revocation its state is dropped.
 *
 * The clock: each pipeline's clock is the latest of its events' times and
 * the processing clock (wall time, or a clock file for tests), so deadlines
 * fire with no traffic at all.
 *
 * Exactly-once: outputs of a batch of input records and the batch's consumer
 * offsets are committed in one Kafka transaction (KIP-447 style, with the
 * consumer group's metadata). A batch closes after batch_max_records records
 * or batch_max_ms milliseconds. An error that requires aborting the
 * transaction aborts it and rebuilds every assigned partition from the
 * committed offsets, so state never runs ahead of what was committed.
 * at_least_once flushes the producer and then commits the offsets.
 */
#include "mf_run.h"
#include "mf_run_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <librdkafka/rdkafka.h>

#include "mf_api.h"
#include "mf_files.h"
#include "mf_http.h"
#include "mf_log.h"
#include "mf_notify.h"
#include "mf_snapfile.h"
#include "mf_snapshot.h"
#include "mf_time.h"

#define KAFKA_TIMEOUT_MS 30000
/* Consumption pauses when the producer's queue is this full (a share of
 * queue.buffering.max.messages) and resumes when it has drained to half. */
#define OUTQ_PAUSE_SHARE 0.8
/* A stop (SIGTERM, SIGINT) that takes longer than this ends the process. */
#define STOP_DEADLINE_S 60
/* Records handled per wake-up before other loop events get a turn. */
#define POLL_CHUNK 2000
/* One attempt of the producer's transaction set-up at start. */
#define INIT_ATTEMPT_MS 5000

uint64_t mf_run_wall_ms(void) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* Reads the clock file: milliseconds since the epoch, or YYYY-MM-DD for the
 * end of that day in England. */
static bool read_clock_file(const char *path, mf_instant_t *out) {
        char buf[64] = "";
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
                fclose(f);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
                n--;
        buf[n] = '\0';
        mf_date_t d;
        char *end = NULL;
        long long ms = strtoll(buf, &end, 10);
        if (n == 10 && mf_date_parse(buf, n, &d))
                *out = mf_day_end(d);
        else if (n && end == buf + n && ms >= 0)
                *out = (mf_instant_t)ms;
        else
                return false;
        return true;
}

/* The processing clock: wall time, or the clock file's instant (for tests
 * and drills), re-read on every call. A file that cannot be read leaves the
 * clock where it was, with a warning. */
mf_instant_t mf_run_clock(mf_run_t *r) {
        if (!r->clock_file)
                return (mf_instant_t)mf_run_wall_ms();
        if (!read_clock_file(r->clock_file, &r->clock_set))
                mf_log_warn("run",
                            "clock file %s: want milliseconds since the epoch or "
                            "YYYY-MM-DD; the clock stays where it was",
                            r->clock_file);
        return r->clock_set;
}

/* ---- counts for the metrics ---- */

int mf_run_topic_index(const mf_run_t *r, const char *topic) {
        for (int i = 0; i < r->cfg->n_input_topics; i++)
                if (!strcmp(r->cfg->input_topics[i], topic))
                        return i;
        return -1;
}

/* Adds what a live partition's pipeline counted since it went live. */
static void add_live_counts(const part_t *p, mf_counts_t *c) {
        const mf_pipeline_stats_t *now = mf_pipeline_stats(p->pipeline);
        const mf_pipeline_stats_t *b = &p->baseline;
        c->records += now->records - b->records;
        c->duplicates += now->duplicates - b->duplicates;
        for (int i = 0; i < MF_EV__COUNT; i++)
                c->by_type[i] += now->by_type[i] - b->by_type[i];
        for (int i = 0; i < MF_REASON__COUNT; i++)
                c->rejected[i] += now->rejected[i] - b->rejected[i];
}

void mf_run_counts(const mf_run_t *r, int topic, mf_counts_t *out) {
        *out = r->retired[topic];
        for (size_t i = 0; i < r->nparts; i++) {
                const part_t *p = r->parts[i];
                if (p->live && mf_run_topic_index(r, p->topic) == topic)
                        add_live_counts(p, out);
        }
}

/* ---- outputs ---- */

static const char *output_topic(const mf_run_t *r, mf_output_kind_t k) {
        switch (k) {
                case MF_OUT_REFERRAL:
                        return r->cfg->referrals_topic;
                case MF_OUT_INDICATORS:
                        return r->cfg->indicators_topic;
                case MF_OUT_ALERT:
                        return r->cfg->alerts_topic;
                default:
                        return r->cfg->deadletter_topic;
        }
}

static void open_batch(mf_run_t *r);
static void on_batch_timer(uv_timer_t *h);
static void pause_input(mf_run_t *r, bool pause);
static void on_more(uv_idle_t *h);

static bool produce(mf_run_t *r, const char *topic) {
        for (;;) {
                rd_kafka_resp_err_t err = rd_kafka_producev(
                    r->producer, RD_KAFKA_V_TOPIC(topic),
                    RD_KAFKA_V_KEY(r->key.data, r->key.len),
                    RD_KAFKA_V_VALUE(r->val.data, r->val.len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        r->stats.produced++;
                        return true;
                }
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        mf_log_error("sink", "cannot produce: %s topic=%s",
                                     rd_kafka_err2str(err), topic);
                        r->rebuild_pending = true;
                        return false;
                }
                /* The producer's queue is full: wait for deliveries rather
                 * than drop a record, and stop taking input until it drains. */
                r->stats.queue_full++;
                pause_input(r, true);
                rd_kafka_poll(r->producer, 100);
        }
}

static void sink(void *opaque, const mf_output_t *o) {
        part_t *p = opaque;
        mf_run_t *r = p->run;
        if (!p->live)
                return; /* restoring: these outputs were committed before */
        open_batch(r);
        mf_buf_reset(&r->key);
        mf_buf_reset(&r->val);
        /* With a key, the child leaves as its pseudonym. */
        mf_output_t po;
        mf_referral_out_t ref;
        mf_alert_out_t alert;
        char pseudonym[MF_PSEUDO_LEN + 1];
        if (r->pseudo.key_len &&
            (o->kind == MF_OUT_REFERRAL || o->kind == MF_OUT_ALERT)) {
                po = *o;
                if (o->kind == MF_OUT_REFERRAL) {
                        ref = *o->u.referral;
                        mf_pseudo_apply(&r->pseudo, ref.child, pseudonym);
                        ref.child = mf_str(pseudonym, MF_PSEUDO_LEN);
                        po.u.referral = &ref;
                } else {
                        alert = *o->u.alert;
                        mf_pseudo_apply(&r->pseudo, alert.child, pseudonym);
                        alert.child = mf_str(pseudonym, MF_PSEUDO_LEN);
                        po.u.alert = &alert;
                }
                o = &po;
        }
        mf_output_opts_t opts = {.json = r->cfg->output_encoding == MF_ENCODING_JSON,
                                 .suppress_below = (uint32_t)r->cfg->suppress_below};
        mf_err_t rc = mf_output_key(&r->key, o);
        if (rc == MF_OK)
                rc = mf_output_encode(&r->val, o, &opts);
        if (rc != MF_OK) {
                mf_log_error("sink", "cannot encode a %s record: %s",
                             mf_output_type_name(o->kind), mf_err_str(rc));
                return;
        }
        if (r->cfg->output_encoding == MF_ENCODING_JSON && r->val.len &&
            r->val.data[r->val.len - 1] == '\n')
                r->val.len--; /* one record per message: no line ending */
        if (produce(r, output_topic(r, o->kind)))
                r->produced_by_kind[o->kind]++;
}

/* ---- partitions ---- */

/* Every record looks its partition up: an array per input topic, indexed by
 * partition number, rather than a scan of what may be a thousand. */
static part_t *find_part(mf_run_t *r, const char *topic, int32_t partition) {
        int t = mf_run_topic_index(r, topic);
        if (t < 0 || partition < 0 || partition >= r->by_partition_len[t])
                return NULL;
        return r->by_partition[t][partition];
}

static void unindex_parts(mf_run_t *r) {
        for (int t = 0; t < MF_CONFIG_MAX_TOPICS; t++) {
                free(r->by_partition[t]);
                r->by_partition[t] = NULL;
                r->by_partition_len[t] = 0;
        }
}

/* Builds find_part's arrays from r->parts; false when out of memory. */
static bool index_parts(mf_run_t *r) {
        unindex_parts(r);
        for (size_t i = 0; i < r->nparts; i++) {
                int t = mf_run_topic_index(r, r->parts[i]->topic);
                if (t >= 0 && r->parts[i]->partition >= r->by_partition_len[t])
                        r->by_partition_len[t] = r->parts[i]->partition + 1;
        }
        for (int t = 0; t < MF_CONFIG_MAX_TOPICS; t++)
                if (r->by_partition_len[t] &&
                    !(r->by_partition[t] =
                          calloc((size_t)r->by_partition_len[t], sizeof(part_t *))))
                        return false;
        for (size_t i = 0; i < r->nparts; i++) {
                int t = mf_run_topic_index(r, r->parts[i]->topic);
                if (t >= 0)
                        r->by_partition[t][r->parts[i]->partition] = r->parts[i];
        }
        return true;
}

static void free_part(part_t *p) {
        int t = mf_run_topic_index(p->run, p->topic);
        if (p->live && t >= 0)
                add_live_counts(p, &p->run->retired[t]);
        mf_pipeline_free(p->pipeline);
        free(p->topic);
        free(p);
}

/* A fresh pipeline for a partition, its clock at the processing clock. */
static mf_pipeline_t *part_pipeline(mf_run_t *r, part_t *p) {
        mf_alert_leads_t leads = {r->cfg->decision_due_soon_minutes * 60000,
                                  (int32_t)r->cfg->assessment_due_soon_wd,
                                  (int32_t)r->cfg->icpc_due_soon_wd};
        mf_pipeline_conf_t conf = {
            .calendar = r->cal, .sink = sink, .opaque = p, .leads = &leads};
        mf_pipeline_t *pl = mf_pipeline_new(&conf);
        char err[512];
        if (pl && r->population &&
            mf_population_load(pl, r->population, err, sizeof(err)) != MF_OK) {
                mf_pipeline_free(pl);
                return NULL;
        }
        if (pl)
                mf_pipeline_tick(pl, mf_run_clock(r));
        return pl;
}

static part_t *new_part(mf_run_t *r, const char *topic, int32_t partition) {
        part_t *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->run = r;
        p->topic = strdup(topic);
        p->partition = partition;
        p->snapshot = -1;
        if (!p->topic || !(p->pipeline = part_pipeline(r, p))) {
                free_part(p);
                return NULL;
        }
        return p;
}

static void go_live(part_t *p, const char *why) {
        if (p->live)
                return;
        p->live = true;
        p->baseline = *mf_pipeline_stats(p->pipeline);
        mf_log_info("source",
                    "partition live topic=%s partition=%d restored_records=%llu (%s)",
                    p->topic, (int)p->partition, (unsigned long long)p->records, why);
}

/* READY=1 and STATUS= for systemd (mf_notify.h). Ready means what /readyz
 * means once the brokers answer: every assigned partition live, none
 * assigned included. Called once an assignment is handled (not from
 * go_live: assign() lists its partitions only as it goes), when a restored
 * partition goes live, and every second. */
static void notify_progress(mf_run_t *r) {
        mf_notify_progress_t np = {.waiting =
                                       !r->producer_ready  ? "the transaction coordinator"
                                       : !r->assigned_once ? "partitions from the group"
                                                           : NULL,
                                   .assigned = r->nparts,
                                   .records = r->stats.consumed};
        for (size_t i = 0; i < r->nparts; i++)
                np.live += r->parts[i]->live;
        for (int t = 0; t < r->cfg->n_input_topics; t++)
                np.restored += r->restored[t];
        mf_notify_progress(&np);
}

/* Loads a partition's snapshot, if it has a usable one: its offset, from
 * which the log is replayed up to the committed offset. -1 otherwise, with
 * the pipeline as fresh as before (a failed load's part-state is dropped). */
static int64_t restore_snapshot(mf_run_t *r, part_t *p, int64_t low) {
        mf_buf_t buf;
        mf_buf_init(&buf);
        char why[300] = "";
        int64_t at = -1;
        int rc = mf_snapfile_read(r->cfg->snapshot_dir, p->topic, p->partition, &buf, why,
                                  sizeof(why));
        mf_snapshot_meta_t meta;
        if (rc == 1) {
                r->snap.absent++;
                mf_log_info("source", "partition snapshot none topic=%s partition=%d",
                            p->topic, (int)p->partition);
        } else if (rc == 0 && mf_snapshot_peek(buf.data, buf.len, &meta, why,
                                               sizeof(why)) == MF_OK) {
                if (!mf_str_eq(meta.build, MF_STR_LIT(MF_VERSION)))
                        snprintf(why, sizeof(why), "written by mashflow %.*s",
                                 (int)meta.build.len, meta.build.ptr);
                else if (!mf_str_eq(meta.topic, mf_str(p->topic, strlen(p->topic))) ||
                         meta.partition != p->partition)
                        snprintf(why, sizeof(why), "written for another partition");
                else if (meta.offset > p->committed)
                        snprintf(why, sizeof(why),
                                 "its offset %lld is past the committed offset",
                                 (long long)meta.offset);
                else if (meta.offset < low)
                        snprintf(why, sizeof(why),
                                 "the log no longer holds the records after its offset "
                                 "%lld (it starts at %lld)",
                                 (long long)meta.offset, (long long)low);
                else if (mf_snapshot_load(p->pipeline, buf.data, buf.len, &meta, why,
                                          sizeof(why)) == MF_OK)
                        at = meta.offset;
                else {
                        mf_pipeline_free(p->pipeline);
                        p->pipeline = part_pipeline(r, p);
                }
        }
        if (at >= 0) {
                r->snap.loaded++;
                p->snapshot = at;
                mf_pipeline_tick(p->pipeline, mf_run_clock(r)); /* muted: not live yet */
                mf_log_info("source",
                            "partition snapshot loaded topic=%s partition=%d offset=%lld "
                            "records_to_replay=%lld",
                            p->topic, (int)p->partition, (long long)at,
                            (long long)(p->committed - at));
        } else if (rc != 1) {
                r->snap.refused++;
                mf_log_warn("source",
                            "partition snapshot refused topic=%s partition=%d: %s: "
                            "replaying the input log instead",
                            p->topic, (int)p->partition, why);
        }
        mf_buf_destroy(&buf);
        return at;
}

/* Builds state for newly assigned partitions: from the horizon's first day
 * (offsets for times) to the committed offset, muted. Blocking calls: a
 * rebalance is rare and the loop has nothing better to do meanwhile. */
static void assign(mf_run_t *r, rd_kafka_topic_partition_list_t *parts) {
        r->assigned_once = true;
        rd_kafka_resp_err_t err =
            rd_kafka_committed(r->consumer, parts, KAFKA_TIMEOUT_MS);
        if (err)
                mf_log_warn("source", "cannot read committed offsets: %s",
                            rd_kafka_err2str(err));
        rd_kafka_topic_partition_list_t *times =
            rd_kafka_topic_partition_list_copy(parts);
        mf_date_t today = mf_civil_date(mf_run_clock(r));
        int64_t horizon_ms = mf_day_start(mf_horizon_first(today));
        for (int i = 0; i < times->cnt; i++)
                times->elems[i].offset = horizon_ms;
        err = r->cfg->restore_from == 0
                  ? rd_kafka_offsets_for_times(r->consumer, times, KAFKA_TIMEOUT_MS)
                  : RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;
        if (err && r->cfg->restore_from == 0)
                mf_log_warn("source",
                            "offsets for times failed (%s): restoring from the start",
                            rd_kafka_err2str(err));
        for (int i = 0; i < parts->cnt; i++) {
                rd_kafka_topic_partition_t *tp = &parts->elems[i];
                part_t *p = new_part(r, tp->topic, tp->partition);
                if (!p) {
                        mf_log_error("source", "out of memory building partition state");
                        r->exit_code = 1;
                        uv_stop(r->loop);
                        return;
                }
                p->committed = tp->offset >= 0 ? tp->offset : -1;
                p->restore_end = p->committed;
                p->next_offset = p->committed;
                int64_t start = err ? RD_KAFKA_OFFSET_BEGINNING : times->elems[i].offset;
                if (start < 0)
                        start = start == RD_KAFKA_OFFSET_END && p->committed >= 0
                                    ? p->committed
                                    : RD_KAFKA_OFFSET_BEGINNING;
                int64_t low = 0, high = 0;
                rd_kafka_query_watermark_offsets(r->consumer, tp->topic, tp->partition,
                                                 &low, &high, KAFKA_TIMEOUT_MS);
                mf_log_debug(
                    "source",
                    "assign topic=%s partition=%d committed=%lld start=%lld low=%lld "
                    "high=%lld",
                    tp->topic, (int)tp->partition, (long long)p->committed,
                    (long long)start, (long long)low, (long long)high);
                /* Live at once when no retained record precedes the committed
                 * offset; otherwise once the records before it are replayed,
                 * from a snapshot's offset if there is a usable one. */
                bool nothing = p->committed < 0 ||
                               (start >= 0 && start >= p->committed) ||
                               low >= p->committed || high == 0;
                int64_t snap = -1;
                if (!nothing && r->cfg->snapshot_dir[0] && p->pipeline)
                        snap = restore_snapshot(r, p, low);
                if (snap >= 0)
                        start = snap;
                if (!p->pipeline) {
                        mf_log_error("source", "out of memory building partition state");
                        free_part(p);
                        r->exit_code = 1;
                        uv_stop(r->loop);
                        return;
                }
                if (nothing || snap == p->committed)
                        go_live(p, p->committed < 0 ? "no committed offset"
                                   : nothing        ? "nothing to restore"
                                                    : "restored from a snapshot");
                else
                        mf_log_info(
                            "source",
                            "partition restoring topic=%s partition=%d from=%lld to=%lld",
                            p->topic, (int)p->partition, (long long)start,
                            (long long)p->committed);
                tp->offset = start;
                part_t **np = realloc(r->parts, sizeof(*np) * (r->nparts + 1));
                if (!np) {
                        free_part(p);
                        continue;
                }
                r->parts = np;
                r->parts[r->nparts++] = p;
        }
        rd_kafka_topic_partition_list_destroy(times);
        if (!index_parts(r)) {
                mf_log_error("source", "out of memory indexing the assignment: stopping");
                r->exit_code = 1;
                uv_stop(r->loop);
                return;
        }
        /* An assignment is itself proof the group coordinator answers (an
         * "all brokers down" from before it may only now be served). */
        __atomic_store_n(&r->consumer_reaches, true, __ATOMIC_RELAXED);
        rd_kafka_resp_err_t aerr = rd_kafka_assign(r->consumer, parts);
        if (aerr)
                mf_log_error("source", "assign failed: %s", rd_kafka_err2str(aerr));
        notify_progress(r);
}

static void commit_batch(mf_run_t *r);
static void snapshot_round(mf_run_t *r, bool sync);

static void revoke_all(mf_run_t *r) {
        for (size_t i = 0; i < r->nparts; i++) {
                mf_log_info("source", "partition revoked topic=%s partition=%d",
                            r->parts[i]->topic, (int)r->parts[i]->partition);
                free_part(r->parts[i]);
        }
        free(r->parts);
        r->parts = NULL;
        r->nparts = 0;
        unindex_parts(r);
        rd_kafka_assign(r->consumer, NULL);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        mf_run_t *r = opaque;
        (void)rk;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                assign(r, parts);
        } else {
                /* Commit what was processed before giving the partitions up,
                 * and keep a snapshot in case they come back. */
                commit_batch(r);
                snapshot_round(r, true); /* none if a round is being written */
                revoke_all(r);
        }
}

/* After an aborted transaction or a failed delivery, state may be ahead of
 * what was committed: rebuild every partition from the committed offsets. */
static void rebuild(mf_run_t *r) {
        r->rebuild_pending = false;
        __atomic_store_n(&r->delivery_lost, false, __ATOMIC_RELEASE);
        rd_kafka_topic_partition_list_t *cur = NULL;
        if (rd_kafka_assignment(r->consumer, &cur) != 0 || !cur)
                return;
        mf_log_warn("source", "rebuilding %d partitions from their committed offsets",
                    cur->cnt);
        revoke_all(r);
        if (cur->cnt)
                assign(r, cur);
        rd_kafka_topic_partition_list_destroy(cur);
}

/* ---- batches and transactions ---- */

/* Between batches the batch timer checks for a rebuild this often. */
static uint64_t batch_check_ms(const mf_config_t *cfg) {
        return (uint64_t)cfg->batch_max_ms < 50 ? (uint64_t)cfg->batch_max_ms : 50;
}

static void open_batch(mf_run_t *r) {
        if (r->in_batch)
                return;
        if (r->eos) {
                rd_kafka_error_t *e = rd_kafka_begin_transaction(r->producer);
                if (e) {
                        mf_log_error("sink", "begin transaction: %s",
                                     rd_kafka_error_string(e));
                        if (rd_kafka_error_is_fatal(e)) {
                                r->exit_code = 1;
                                uv_stop(r->loop);
                        }
                        rd_kafka_error_destroy(e);
                        return;
                }
        }
        r->in_batch = true;
        r->batch_records = 0;
        r->batch_ts_len = 0; /* an aborted batch's records are processed again */
        /* The batch timer fires when the batch is due (from now, not from
         * the loop's cached time), then checks again every period: a batch
         * open when it fires is due, or its commit is under way or retried. */
        uv_update_time(r->loop);
        uv_timer_start(&r->batch, on_batch_timer, (uint64_t)r->cfg->batch_max_ms,
                       batch_check_ms(r->cfg));
}

static rd_kafka_topic_partition_list_t *batch_offsets(mf_run_t *r) {
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new((int)r->nparts);
        for (size_t i = 0; i < r->nparts; i++) {
                part_t *p = r->parts[i];
                if (p->live && p->next_offset > p->committed)
                        rd_kafka_topic_partition_list_add(l, p->topic, p->partition)
                            ->offset = p->next_offset;
        }
        return l;
}

static void batch_committed(mf_run_t *r, rd_kafka_topic_partition_list_t *offsets) {
        for (int i = 0; i < offsets->cnt; i++) {
                part_t *p =
                    find_part(r, offsets->elems[i].topic, offsets->elems[i].partition);
                if (p)
                        p->committed = offsets->elems[i].offset;
        }
        r->stats.batches++;
        r->in_batch = false;
        /* The batch's outputs are readable now: end-to-end latency. */
        uint64_t now = mf_run_wall_ms();
        for (size_t i = 0; i < r->batch_ts_len; i++)
                mf_histo_observe(&r->end_to_end,
                                 (double)((int64_t)now - r->batch_ts[i]) / 1000.0);
        r->batch_ts_len = 0;
}

/* Committing a batch. The Kafka side (commit_kafka) runs on libuv's thread
 * pool, so that a slow or lost broker holds up input but not the HTTP
 * endpoint or the clock; its outcome is applied on the loop (commit_apply).
 * While a commit is in flight the loop takes no input and emits nothing;
 * the producer's callbacks may run on either thread (they touch only atomic
 * fields). */
typedef enum {
        COMMIT_DONE,    /* outputs and offsets committed */
        COMMIT_AGAIN,   /* not committed: the batch stays open and is retried */
        COMMIT_REBUILD, /* aborted or outputs lost: rebuild from committed offsets */
        COMMIT_FATAL,   /* the producer cannot go on: stop */
} commit_outcome_t;

typedef struct {
        uv_work_t work;
        mf_run_t *run;
        rd_kafka_topic_partition_list_t *offsets;
        commit_outcome_t outcome;
        bool aborted; /* the transaction was aborted */
} commit_job_t;

/* Handles a transactional error: retry, abort and rebuild, or stop. Returns
 * true when the operation should be retried. */
static bool txn_error(commit_job_t *j, rd_kafka_error_t *e, const char *what) {
        bool retry = false;
        mf_log_warn("sink", "%s: %s", what, rd_kafka_error_string(e));
        if (rd_kafka_error_is_fatal(e)) {
                mf_log_error("sink",
                             "fatal producer error: stopping (systemd restarts the "
                             "daemon, which resumes from the committed offsets)");
                j->outcome = COMMIT_FATAL;
        } else if (rd_kafka_error_txn_requires_abort(e)) {
                rd_kafka_error_t *a =
                    rd_kafka_abort_transaction(j->run->producer, KAFKA_TIMEOUT_MS);
                if (a) {
                        mf_log_error("sink", "abort transaction: %s",
                                     rd_kafka_error_string(a));
                        rd_kafka_error_destroy(a);
                }
                j->aborted = true;
                j->outcome = COMMIT_REBUILD;
        } else if (rd_kafka_error_is_retriable(e)) {
                retry = true;
        }
        rd_kafka_error_destroy(e);
        return retry;
}

/* Any thread: only librdkafka calls and the job. */
static void commit_kafka(commit_job_t *j) {
        mf_run_t *r = j->run;
        rd_kafka_topic_partition_list_t *offsets = j->offsets;
        rd_kafka_error_t *e = NULL;
        j->outcome = COMMIT_AGAIN;
        if (r->eos) {
                if (offsets->cnt) {
                        rd_kafka_consumer_group_metadata_t *md =
                            rd_kafka_consumer_group_metadata(r->consumer);
                        while ((e = rd_kafka_send_offsets_to_transaction(
                                    r->producer, offsets, md, KAFKA_TIMEOUT_MS)) &&
                               txn_error(j, e, "send offsets to transaction"))
                                ;
                        rd_kafka_consumer_group_metadata_destroy(md);
                        if (e)
                                return;
                }
                while ((e = rd_kafka_commit_transaction(r->producer, KAFKA_TIMEOUT_MS)) &&
                       txn_error(j, e, "commit transaction"))
                        ;
                if (e)
                        return;
        } else {
                rd_kafka_resp_err_t err = rd_kafka_flush(r->producer, KAFKA_TIMEOUT_MS);
                if (err || __atomic_load_n(&r->delivery_lost, __ATOMIC_ACQUIRE)) {
                        mf_log_warn("sink",
                                    "outputs not all delivered (%s): not committing",
                                    err ? rd_kafka_err2str(err) : "delivery failed");
                        j->outcome = COMMIT_REBUILD;
                        return;
                }
        }
        if (offsets->cnt && (!r->eos || r->cfg->mirror_offsets)) {
                rd_kafka_resp_err_t err = rd_kafka_commit(r->consumer, offsets, 0);
                if (err)
                        mf_log_warn("source", "commit offsets: %s",
                                    rd_kafka_err2str(err));
        }
        j->outcome = COMMIT_DONE;
}

/* On the loop. */
static void commit_apply(mf_run_t *r, commit_job_t *j) {
        switch (j->outcome) {
                case COMMIT_DONE:
                        batch_committed(r, j->offsets);
                        /* Both clients just talked to the cluster. */
                        __atomic_store_n(&r->consumer_reaches, true, __ATOMIC_RELAXED);
                        __atomic_store_n(&r->producer_reaches, true, __ATOMIC_RELAXED);
                        break;
                case COMMIT_AGAIN:
                        break;
                case COMMIT_REBUILD:
                        if (j->aborted)
                                r->stats.aborted++;
                        r->in_batch = false;
                        r->rebuild_pending = true;
                        break;
                case COMMIT_FATAL:
                        r->exit_code = 1;
                        uv_stop(r->loop);
                        break;
        }
        rd_kafka_topic_partition_list_destroy(j->offsets);
}

/* ---- snapshots ----
 *
 * After a commit, at most once an interval, every live partition whose
 * state is exactly its committed offset (nothing processed past it, so not
 * ahead of what Kafka holds) is serialised on the loop and written on the
 * thread pool. A write that fails (a full or read-only disk) costs nothing
 * but restore time: the log says so once, /readyz and the metrics while it
 * lasts, and the next round tries again. */

typedef struct {
        char *topic;
        int32_t partition;
        int64_t offset;
        mf_buf_t data;
        bool ok;
} snap_item_t;

typedef struct {
        uv_work_t work;
        mf_run_t *run;
        snap_item_t *items;
        size_t n;
        char error[256]; /* the first failure */
} snap_job_t;

static void snap_work(uv_work_t *w) {
        snap_job_t *j = w->data;
        const char *dir = j->run->cfg->snapshot_dir;
        if (mf_snapfile_prepare(dir, j->error, sizeof(j->error)) != 0)
                return;
        for (size_t i = 0; i < j->n; i++) {
                snap_item_t *it = &j->items[i];
                if (mf_snapfile_write(dir, it->topic, it->partition, it->data.data,
                                      it->data.len, j->error, sizeof(j->error)) != 0)
                        return; /* a full or read-only disk fails them all alike */
                it->ok = true;
        }
}

static void snap_job_free(snap_job_t *j) {
        for (size_t i = 0; i < j->n; i++) {
                free(j->items[i].topic);
                mf_buf_destroy(&j->items[i].data);
        }
        free(j->items);
        free(j);
}

static void snap_after(uv_work_t *w, int status) {
        snap_job_t *j = w->data;
        mf_run_t *r = j->run;
        (void)status;
        r->snap.writing = false;
        size_t ok = 0;
        for (size_t i = 0; i < j->n; i++) {
                snap_item_t *it = &j->items[i];
                if (!it->ok)
                        continue;
                ok++;
                r->snap.bytes = it->data.len;
                part_t *p = find_part(r, it->topic, it->partition);
                if (p)
                        p->snapshot = it->offset;
        }
        r->snap.written += ok;
        r->snap.failed += j->n - ok;
        if (ok < j->n) {
                if (!r->snap.failing)
                        mf_log_warn("snapshot",
                                    "snapshots cannot be written (%s): restores will "
                                    "replay the input log until they can",
                                    j->error);
                else
                        mf_log_debug("snapshot", "still cannot write snapshots (%s)",
                                     j->error);
                snprintf(r->snap.error, sizeof(r->snap.error), "%s", j->error);
                r->snap.failing = true;
        } else {
                if (r->snap.failing)
                        mf_log_info("snapshot", "snapshots written again to %s",
                                    r->cfg->snapshot_dir);
                r->snap.failing = false;
                r->snap.error[0] = '\0';
                mf_log_debug("snapshot", "%zu partition snapshots written", ok);
        }
        snap_job_free(j);
}

/* Snapshots of the partitions whose state stands at their committed offset
 * and has moved since their last snapshot. sync: written before returning
 * (a stop, a revoke); else on the thread pool. */
static void snapshot_round(mf_run_t *r, bool sync) {
        if (!r->cfg->snapshot_dir[0] || r->snap.writing)
                return;
        r->snap.last_round_ms = mf_run_wall_ms();
        snap_job_t *j = calloc(1, sizeof(*j));
        if (j && r->nparts && !(j->items = calloc(r->nparts, sizeof(*j->items)))) {
                free(j);
                j = NULL;
        }
        if (!j) {
                mf_log_warn("snapshot", "out of memory: no snapshots this round");
                return;
        }
        j->run = r;
        for (size_t i = 0; i < r->nparts; i++) {
                part_t *p = r->parts[i];
                if (!p->live || p->committed < 0 || p->next_offset != p->committed ||
                    p->committed == p->snapshot)
                        continue;
                snap_item_t *it = &j->items[j->n];
                mf_buf_init(&it->data);
                mf_snapshot_meta_t meta = {MF_STR_LIT(MF_VERSION),
                                           mf_str(p->topic, strlen(p->topic)),
                                           p->partition, p->committed};
                if (!(it->topic = strdup(p->topic)) ||
                    mf_snapshot_write(p->pipeline, &meta, &it->data) != MF_OK) {
                        free(it->topic);
                        mf_buf_destroy(&it->data);
                        mf_log_warn("snapshot",
                                    "out of memory: no snapshot of topic=%s partition=%d",
                                    p->topic, (int)p->partition);
                        continue;
                }
                it->partition = p->partition;
                it->offset = p->committed;
                j->n++;
        }
        if (!j->n) {
                snap_job_free(j);
                return;
        }
        j->work.data = j;
        r->snap.writing = true;
        if (sync || uv_queue_work(r->loop, &j->work, snap_work, snap_after) != 0) {
                snap_work(&j->work);
                snap_after(&j->work, 0);
        }
}

static void snapshot_due(mf_run_t *r) {
        if (!r->stopping && r->cfg->snapshot_dir[0] &&
            mf_run_wall_ms() - r->snap.last_round_ms >=
                (uint64_t)r->cfg->snapshot_interval_s * 1000)
                snapshot_round(r, false);
}

/* Commits the open batch before returning: for a revoke and the stop, which
 * must not give partitions up before their outputs are committed. */
static void commit_batch(mf_run_t *r) {
        if (!r->in_batch)
                return;
        commit_job_t j = {.run = r, .offsets = batch_offsets(r)};
        commit_kafka(&j);
        commit_apply(r, &j);
}

static void commit_work(uv_work_t *w) {
        commit_kafka(w->data);
}

static void on_producer_events(mf_run_t *r);

static void commit_after(uv_work_t *w, int status) {
        commit_job_t *j = w->data;
        mf_run_t *r = j->run;
        (void)status; /* only uv_cancel gives an error, and it is never called */
        r->committing = false;
        bool done = j->outcome == COMMIT_DONE;
        commit_apply(r, j);
        free(j);
        if (done)
                snapshot_due(r);
        on_producer_events(r);
        if (!r->stopping)
                uv_idle_start(&r->more, on_more); /* input waited for the commit */
}

/* Starts committing the open batch in the background. */
static void commit_start(mf_run_t *r) {
        if (!r->in_batch || r->committing)
                return;
        commit_job_t *j = calloc(1, sizeof(*j));
        if (!j) {
                commit_batch(r);
                return;
        }
        j->run = r;
        j->offsets = batch_offsets(r);
        j->work.data = j;
        r->committing = true;
        if (uv_queue_work(r->loop, &j->work, commit_work, commit_after) != 0) {
                r->committing = false;
                commit_kafka(j);
                commit_apply(r, j);
                free(j);
        }
}

/* ---- input ---- */

static void pause_input(mf_run_t *r, bool pause) {
        rd_kafka_topic_partition_list_t *cur = NULL;
        if (r->paused == pause || rd_kafka_assignment(r->consumer, &cur) != 0 || !cur)
                return;
        if (pause)
                rd_kafka_pause_partitions(r->consumer, cur);
        else
                rd_kafka_resume_partitions(r->consumer, cur);
        rd_kafka_topic_partition_list_destroy(cur);
        r->paused = pause;
        /* The consumer queue keeps the pause's stale fetches until a poll
         * discards them, and while it is not empty no wake-up comes for
         * the records fetched after the resume: read it now. */
        if (!pause)
                uv_idle_start(&r->more, on_more);
        mf_log_info("source", "%s input: %d outputs queued", pause ? "paused" : "resumed",
                    rd_kafka_outq_len(r->producer));
}

/* Keeps the record's timestamp until its batch commits, for the end-to-end
 * latency histogram. */
static void note_timestamp(mf_run_t *r, const rd_kafka_message_t *m) {
        int64_t ts = rd_kafka_message_timestamp(m, NULL);
        if (ts < 0)
                return;
        if (r->batch_ts_len == r->batch_ts_cap) {
                size_t cap = r->batch_ts_cap ? r->batch_ts_cap * 2 : 1024;
                int64_t *n = realloc(r->batch_ts, cap * sizeof(*n));
                if (!n)
                        return; /* a latency sample lost, nothing else */
                r->batch_ts = n;
                r->batch_ts_cap = cap;
        }
        r->batch_ts[r->batch_ts_len++] = ts;
}

static void handle_message(mf_run_t *r, rd_kafka_message_t *m) {
        if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                        mf_log_warn("source", "consume: %s", rd_kafka_message_errstr(m));
                return;
        }
        const char *topic = rd_kafka_topic_name(m->rkt);
        part_t *p = find_part(r, topic, m->partition);
        if (!p)
                return; /* a record fetched just before its partition was revoked */
        mf_origin_t o = {mf_str(topic, strlen(topic)), m->partition, m->offset};
        bool live = p->live;
        struct timespec t0, t1;
        if (live) {
                open_batch(r);
                clock_gettime(CLOCK_MONOTONIC, &t0);
        }
        mf_err_t rc =
            r->cfg->input_encoding == MF_ENCODING_JSON
                ? mf_pipeline_push_json(p->pipeline, m->payload, m->len, &o)
                : mf_pipeline_push_msgpack(p->pipeline, m->payload, m->len, NULL, &o);
        if (rc != MF_OK) {
                mf_log_error(
                    "pipeline", "%s at topic=%s partition=%d offset=%lld: stopping",
                    mf_err_str(rc), topic, (int)m->partition, (long long)m->offset);
                r->exit_code = 1;
                uv_stop(r->loop);
                return;
        }
        if (live) {
                clock_gettime(CLOCK_MONOTONIC, &t1);
                mf_histo_observe(&r->processing,
                                 (double)(t1.tv_sec - t0.tv_sec) +
                                     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
                note_timestamp(r, m);
        } else {
                int t = mf_run_topic_index(r, topic);
                if (t >= 0)
                        r->restored[t]++;
        }
        p->records++;
        r->stats.consumed++;
        p->next_offset = m->offset + 1;
        if (!p->live && p->next_offset >= p->restore_end) {
                go_live(p, "caught up with the committed offset");
                notify_progress(r); /* READY=1 if it was the last one */
        } else if (p->live)
                r->batch_records++;
        if (r->in_batch && r->batch_records >= (uint64_t)r->cfg->batch_max_records)
                commit_start(r);
        if (!r->paused && rd_kafka_outq_len(r->producer) > r->outq_high)
                pause_input(r, true);
}

static void consume(mf_run_t *r);

static void on_more(uv_idle_t *h) {
        consume(h->data);
}

/* Input and emission wait: for a commit in flight, or for the producer to
 * be able to write at all. */
static bool held(const mf_run_t *r) {
        return r->committing || !r->producer_ready;
}

/* Whether state must be rebuilt from the committed offsets: a batch was
 * aborted, or (at least once) an output was lost. */
static bool rebuild_due(mf_run_t *r) {
        return r->rebuild_pending || __atomic_load_n(&r->delivery_lost, __ATOMIC_ACQUIRE);
}

static void consume(mf_run_t *r) {
        for (int i = 0; i < POLL_CHUNK; i++) {
                if (r->stopping || held(r)) {
                        /* The commit's completion (or the producer's start)
                         * comes back here. */
                        uv_idle_stop(&r->more);
                        return;
                }
                if (rebuild_due(r)) {
                        rebuild(r);
                        continue;
                }
                size_t queued = rd_kafka_queue_length(r->cq);
                rd_kafka_message_t *m = rd_kafka_consumer_poll(r->consumer, 0);
                if (!m) {
                        /* A poll that served an event (statistics, an error,
                         * a stale fetch) returns nothing even with records
                         * behind it, and the queue's wake-up only fires when
                         * it turns non-empty: keep reading while it shrinks. */
                        size_t left = rd_kafka_queue_length(r->cq);
                        if (left && left < queued)
                                continue;
                        uv_idle_stop(&r->more);
                        return;
                }
                handle_message(r, m);
                rd_kafka_message_destroy(m);
        }
        /* There may be more: come back after other loop events. */
        uv_idle_start(&r->more, on_more);
}

static void drain_fd(int fd) {
        char buf[256];
        while (read(fd, buf, sizeof(buf)) > 0)
                ;
}

static void on_consumer(uv_poll_t *h, int status, int events) {
        mf_run_t *r = h->data;
        (void)status, (void)events;
        drain_fd(r->cfd[0]);
        consume(r);
}

/* Delivery reports, producer errors and statistics; also while a commit is
 * in flight (their callbacks touch only atomic fields). */
static void on_producer_events(mf_run_t *r) {
        rd_kafka_poll(r->producer, 0);
        if (r->paused && rd_kafka_outq_len(r->producer) < r->outq_high / 2)
                pause_input(r, false);
}

static void on_producer(uv_poll_t *h, int status, int events) {
        mf_run_t *r = h->data;
        (void)status, (void)events;
        drain_fd(r->pfd[0]);
        on_producer_events(r);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        mf_run_t *r = opaque;
        (void)rk;
        /* On the loop, or on the thread of a commit in flight. */
        if (m->err) {
                __atomic_add_fetch(&r->stats.delivery_failed, 1, __ATOMIC_RELAXED);
                mf_log_error("sink", "delivery failed: %s", rd_kafka_err2str(m->err));
                if (!r->eos) /* at least once: redo from the committed offsets */
                        __atomic_store_n(&r->delivery_lost, true, __ATOMIC_RELEASE);
        }
}

/* ---- clock and lifecycle ---- */

static void on_tick(uv_timer_t *h) {
        mf_run_t *r = h->data;
        /* librdkafka counts an application that stops polling as gone
         * (max.poll.interval.ms) even when there is simply nothing to read:
         * poll once a second whatever the traffic. */
        consume(r);
        uint64_t now = mf_run_wall_ms();
        r->last_tick_ms = now;
        notify_progress(r);
        if (held(r))
                return;
        mf_instant_t clock = mf_run_clock(r);
        bool indicators =
            now - r->last_indicators_ms >= (uint64_t)r->cfg->indicators_interval_s * 1000;
        for (size_t i = 0; i < r->nparts; i++) {
                part_t *p = r->parts[i];
                mf_pipeline_tick(p->pipeline, clock);
                if (indicators && p->live && mf_pipeline_la_count(p->pipeline))
                        mf_pipeline_emit_indicators(p->pipeline,
                                                    mf_pipeline_today(p->pipeline));
        }
        if (indicators)
                r->last_indicators_ms = now;
}

static void on_batch_timer(uv_timer_t *h) {
        mf_run_t *r = h->data;
        if (r->committing)
                return;
        if (r->in_batch) /* armed for its close when it opened: due */
                commit_start(r);
        else if (rebuild_due(r))
                rebuild(r);
}

/* SIGTERM and SIGINT: a plain handler rather than uv_signal, so that the
 * stop's deadline is armed at once even while the loop is held up in a
 * blocking librdkafka call (a rebalance's offset queries, a full producer
 * queue with the broker gone). alarm() and uv_async_send() are
 * async-signal-safe; the rest of the stop happens on the loop. A broker that
 * never answers cannot hold the stop forever: the default SIGALRM action
 * ends the process (systemd sees a failure, and the next start resumes from
 * the committed offsets). */
static uv_async_t *stop_async; /* the handler's one way to the loop */
static volatile sig_atomic_t stop_signum;

static void on_stop_signal(int signum) {
        if (!stop_signum) {
                stop_signum = signum;
                alarm(STOP_DEADLINE_S);
        }
        if (stop_async)
                uv_async_send(stop_async);
}

static void on_stop(uv_async_t *h) {
        mf_run_t *r = h->data;
        if (r->stopping)
                return;
        mf_log_info("run", "signal %d: finishing the batch and leaving the group",
                    (int)stop_signum);
        __atomic_store_n(&r->stopping, true, __ATOMIC_RELEASE); /* init_work reads it */
        mf_notify_stopping();
        uv_stop(r->loop);
}

static void catch_stop_signals(void (*handler)(int)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
}

static void on_hup(uv_signal_t *h, int signum) {
        (void)h, (void)signum;
        mf_log_reopen();
        mf_log_info("run", "log re-opened");
}

/* ---- set-up ---- */

/* Broker reachability for /readyz, per client: librdkafka's statistics
 * (every couple of seconds) list each broker connection's state, any "UP"
 * is reachable; "all brokers down" is not. The producer's come on the loop
 * even while a commit holds the consumer unpolled (or on the commit's
 * thread): atomic. */
static bool *reach_flag(mf_run_t *r, rd_kafka_t *rk) {
        return rd_kafka_type(rk) == RD_KAFKA_PRODUCER ? &r->producer_reaches
                                                      : &r->consumer_reaches;
}

static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
        (void)len;
        __atomic_store_n(reach_flag(opaque, rk), strstr(json, "\"state\":\"UP\"") != NULL,
                         __ATOMIC_RELAXED);
        return 0; /* librdkafka frees json */
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
        if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
                __atomic_store_n(reach_flag(opaque, rk), false, __ATOMIC_RELAXED);
        mf_log_warn("rdkafka", "%s: %s", rd_kafka_err2name(err), reason);
}

/* librdkafka's own log lines, through ours (syslog levels). */
static void on_rdkafka_log(const rd_kafka_t *rk, int level, const char *fac,
                           const char *buf) {
        (void)rk;
        int l = level <= 3   ? MF_LOG_ERROR
                : level <= 4 ? MF_LOG_WARN
                : level <= 6 ? MF_LOG_INFO
                             : MF_LOG_DEBUG;
        mf_log(l, "rdkafka", "%s: %s", fac, buf);
}

/* The daemon's defaults for one client, each a property and its value,
 * ending at NULL; the [librdkafka] pass-through, set after them, may
 * override any of them (under any of a property's names). */
typedef struct {
        const char *name, *value;
} kafka_default_t;

static const kafka_default_t consumer_defaults[] = {
    {"statistics.interval.ms", "2000"},
    /* Every assigned partition's fetch queue forwards to the one consumer
     * queue, so librdkafka weighs queued.min.messages (its default 100000)
     * against the whole backlog: past it no partition is fetched until the
     * fetcher's next wake-up, up to a second later, while the loop empties
     * the queue and waits. Catching up (a restore) ran at half speed. The
     * prefetch stays bounded by queued.max.messages.kbytes. */
    {"queued.min.messages", "1000000"},
    {NULL, NULL}};

static const kafka_default_t producer_defaults[] = {
    {"statistics.interval.ms", "2000"},
    /* A latency-bound at-least-once deployment may lower it. */
    {"linger.ms", "5"},
    {NULL, NULL}};

static rd_kafka_conf_t *base_conf(const mf_config_t *cfg, const kafka_default_t *defaults,
                                  char *err, size_t errlen) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set_log_cb(conf, on_rdkafka_log);
        if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg->brokers, err, errlen) != 0)
                goto fail;
        /* Small requests (a commit, the last records of a batch) go out at
         * once rather than wait for the previous one's ACK, as Kafka's own
         * clients do; the pass-through may say otherwise. */
        if (rd_kafka_conf_set(conf, "socket.nagle.disable", "true", err, errlen) != 0)
                goto fail;
        for (const kafka_default_t *d = defaults; d->name; d++)
                if (rd_kafka_conf_set(conf, d->name, d->value, err, errlen) != 0)
                        goto fail;
        for (int i = 0; i < cfg->n_passthru; i++)
                if (rd_kafka_conf_set(conf, cfg->passthru[i].name, cfg->passthru[i].value,
                                      err, errlen) != 0)
                        goto fail;
        return conf;
fail:
        rd_kafka_conf_destroy(conf);
        return NULL;
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v) {
        char err[256];
        if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
                mf_log_error("run", "librdkafka %s: %s", k, err);
                return -1;
        }
        return 0;
}

static int make_clients(mf_run_t *r) {
        char err[512];
        const mf_config_t *cfg = r->cfg;
        rd_kafka_conf_t *cc = base_conf(cfg, consumer_defaults, err, sizeof(err));
        if (!cc) {
                mf_log_error("run", "consumer configuration: %s", err);
                return -1;
        }
        /* Offsets are committed by the daemon, with the outputs; set after
         * the pass-through so that no setting there can turn that off. */
        if (set(cc, "group.id", cfg->group_id) ||
            set(cc, "enable.auto.commit", "false") ||
            set(cc, "enable.auto.offset.store", "false") ||
            set(cc, "auto.offset.reset", "earliest") ||
            set(cc, "isolation.level", "read_committed")) {
                rd_kafka_conf_destroy(cc);
                return -1;
        }
        rd_kafka_conf_set_stats_cb(cc, on_stats);
        rd_kafka_conf_set_error_cb(cc, on_error);
        rd_kafka_conf_set_rebalance_cb(cc, on_rebalance);
        rd_kafka_conf_set_opaque(cc, r);
        r->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof(err));
        if (!r->consumer) {
                mf_log_error("run", "consumer: %s", err);
                return -1;
        }
        rd_kafka_poll_set_consumer(r->consumer);

        rd_kafka_conf_t *pc = base_conf(cfg, producer_defaults, err, sizeof(err));
        if (!pc)
                return -1;
        char txid[256], host[128] = "host";
        gethostname(host, sizeof(host) - 1);
        snprintf(txid, sizeof(txid), "%s-%s-%d", cfg->transactional_id, host,
                 (int)getpid());
        if (set(pc, "enable.idempotence", "true") ||
            (r->eos && set(pc, "transactional.id", txid))) {
                rd_kafka_conf_destroy(pc);
                return -1;
        }
        rd_kafka_conf_set_stats_cb(pc, on_stats);
        rd_kafka_conf_set_error_cb(pc, on_error);
        char qmax[32];
        size_t qlen = sizeof(qmax);
        r->outq_high = 100000;
        if (rd_kafka_conf_get(pc, "queue.buffering.max.messages", qmax, &qlen) ==
            RD_KAFKA_CONF_OK)
                r->outq_high = (int)(atoi(qmax) * OUTQ_PAUSE_SHARE);
        rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
        rd_kafka_conf_set_opaque(pc, r);
        r->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof(err));
        if (!r->producer) {
                mf_log_error("run", "producer: %s", err);
                return -1;
        }
        return 0;
}

/* ---- start-up: the producer's transactions, then the group ---- */

static void subscribe(mf_run_t *r) {
        rd_kafka_topic_partition_list_t *topics =
            rd_kafka_topic_partition_list_new(r->cfg->n_input_topics);
        for (int i = 0; i < r->cfg->n_input_topics; i++)
                rd_kafka_topic_partition_list_add(topics, r->cfg->input_topics[i],
                                                  RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t err = rd_kafka_subscribe(r->consumer, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (err) {
                mf_log_error("run", "subscribe: %s", rd_kafka_err2str(err));
                r->exit_code = 1;
                uv_stop(r->loop);
                return;
        }
        r->producer_ready = true;
        consume(r); /* messages may already be queued before the first wake-up */
}

typedef struct {
        uv_work_t work;
        mf_run_t *run;
        bool ok;
} init_job_t;

/* On the thread pool: retried until the broker answers, so a daemon started
 * before its cluster waits for it (librdkafka backs its reconnections off)
 * while the loop serves /readyz; each attempt is short so a stop is not
 * held up for long. */
static void init_work(uv_work_t *w) {
        init_job_t *j = w->data;
        mf_run_t *r = j->run;
        rd_kafka_error_t *e;
        while ((e = rd_kafka_init_transactions(r->producer, INIT_ATTEMPT_MS))) {
                bool retriable = rd_kafka_error_is_retriable(e);
                if (!__atomic_load_n(&r->stopping, __ATOMIC_ACQUIRE))
                        mf_log_warn("run", "init transactions: %s%s",
                                    rd_kafka_error_string(e),
                                    retriable ? " (retrying)" : "");
                rd_kafka_error_destroy(e);
                if (!retriable || __atomic_load_n(&r->stopping, __ATOMIC_ACQUIRE))
                        return;
        }
        j->ok = true;
}

static void init_after(uv_work_t *w, int status) {
        init_job_t *j = w->data;
        mf_run_t *r = j->run;
        bool ok = j->ok && status == 0;
        free(j);
        r->initialising = false;
        if (r->stopping)
                return;
        if (!ok) {
                mf_log_error("run", "the producer cannot use transactions: stopping");
                r->exit_code = 1;
                uv_stop(r->loop);
                return;
        }
        mf_log_info("run", "transactions ready");
        __atomic_store_n(&r->producer_reaches, true, __ATOMIC_RELAXED);
        subscribe(r);
}

/* Joins the group once the producer can write: at once at least once, after
 * the transaction coordinator has answered for exactly once. */
static int start_clients(mf_run_t *r) {
        if (!r->eos) {
                subscribe(r);
                return 0;
        }
        init_job_t *j = calloc(1, sizeof(*j));
        if (!j)
                return -1;
        j->run = r;
        j->work.data = j;
        r->initialising = true;
        if (uv_queue_work(r->loop, &j->work, init_work, init_after) != 0) {
                r->initialising = false;
                free(j);
                return -1;
        }
        return 0;
}

static int watch_queue(mf_run_t *r, rd_kafka_queue_t *q, int fds[2], uv_poll_t *poll,
                       uv_poll_cb cb) {
        if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
                return -1;
        rd_kafka_queue_io_event_enable(q, fds[1], "1", 1);
        uv_poll_init(r->loop, poll, fds[0]);
        poll->data = r;
        return uv_poll_start(poll, UV_READABLE, cb);
}

static void close_handle(uv_handle_t *h, void *arg) {
        (void)arg;
        if (!uv_is_closing(h))
                uv_close(h, NULL);
}

/* Seconds; processing one record takes microseconds, a batch's commit up
 * to its interval plus the broker's round trip. */
static const double processing_bounds[] = {
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 1e-2, 0.1};
static const double end_to_end_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                           1,     2.5,  5,     10,   30,  60,   300};
/* And around the batch interval, where exactly-once latency gathers (a
 * record waits up to the interval, then for the commit), so that how far
 * past the interval commits land can be read off. */
static const int end_to_end_interval_permille[] = {500,  750,  1000, 1100,
                                                   1250, 1500, 2000};

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* end_to_end_bounds with the interval's multiples merged in, ascending and
 * without repeats; returns how many (at most MF_HISTO_MAX_BUCKETS). */
static size_t end_to_end_buckets(int batch_max_ms, double out[MF_HISTO_MAX_BUCKETS]) {
        _Static_assert(MF_ARRAY_LEN(end_to_end_bounds) +
                               MF_ARRAY_LEN(end_to_end_interval_permille) <=
                           MF_HISTO_MAX_BUCKETS,
                       "end-to-end buckets");
        double all[MF_ARRAY_LEN(end_to_end_bounds) +
                   MF_ARRAY_LEN(end_to_end_interval_permille)];
        size_t n = 0;
        for (size_t i = 0; i < MF_ARRAY_LEN(end_to_end_bounds); i++)
                all[n++] = end_to_end_bounds[i];
        for (size_t i = 0; i < MF_ARRAY_LEN(end_to_end_interval_permille); i++)
                /* whole microseconds, rounded once: 1.1 x 50 ms is 0.055 */
                all[n++] = (double)end_to_end_interval_permille[i] * batch_max_ms / 1e6;
        qsort(all, n, sizeof(all[0]), cmp_double);
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
                if (m == 0 || all[i] > out[m - 1]) /* equal doubles: one bound */
                        out[m++] = all[i];
        return m;
}

static int start_http(mf_run_t *r) {
        mf_histo_init(&r->processing, processing_bounds, MF_ARRAY_LEN(processing_bounds));
        double e2e[MF_HISTO_MAX_BUCKETS];
        mf_histo_init(&r->end_to_end, e2e, end_to_end_buckets(r->cfg->batch_max_ms, e2e));
        const mf_config_t *cfg = r->cfg;
        if (!cfg->http_listen[0])
                return 0;
        char host[64], err[256];
        mf_http_conf_t hc = {.host = host,
                             .max_connections = (int)cfg->http_max_connections,
                             .max_header_bytes = 8192,
                             .max_body_bytes = 1024,
                             .request_timeout_ms = (unsigned)cfg->http_request_timeout_ms,
                             .idle_timeout_ms = (unsigned)cfg->http_idle_timeout_ms};
        if (!mf_http_parse_listen(cfg->http_listen, host, sizeof(host), &hc.port)) {
                mf_log_error("http", "listen = %s is not ADDRESS:PORT", cfg->http_listen);
                return -1;
        }
        r->api = mf_api_new(r);
        r->http = r->api
                      ? mf_http_new(r->loop, &hc, mf_api_handle, r->api, err, sizeof(err))
                      : NULL;
        if (!r->http) {
                mf_log_error("http", "%s", r->api ? err : "out of memory");
                return -1;
        }
        mf_log_info("http",
                    "listening on http://%s%s%s:%d/ (metrics, healthz, readyz, "
                    "indicators, dashboard)",
                    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
                    mf_http_port(r->http));
        return 0;
}

int mf_run(mf_config_t *cfg, const char *clock_file, mf_run_stats_t *stats_out) {
        mf_run_t r;
        memset(&r, 0, sizeof(r));
        r.cfg = cfg;
        r.clock_file = clock_file;
        r.eos = cfg->guarantee == MF_GUARANTEE_EXACTLY_ONCE;
        r.cfd[0] = r.cfd[1] = r.pfd[0] = r.pfd[1] = -1;
        mf_buf_init(&r.key);
        mf_buf_init(&r.val);
        char err[768];
        const char *calendar =
            cfg->calendar_file[0] ? cfg->calendar_file : mf_default_calendar_path();
        r.cal = mf_calendar_from_file(calendar, err, sizeof(err));
        if (!r.cal) {
                mf_log_error("run", "calendar %s", err);
                return 3;
        }
        if (clock_file && !read_clock_file(clock_file, &r.clock_set)) {
                mf_log_error("run",
                             "clock file %s: cannot read it, or it holds neither "
                             "milliseconds since the epoch nor YYYY-MM-DD",
                             clock_file);
                mf_calendar_free(r.cal);
                return 2;
        }
        if (clock_file)
                mf_log_warn("run", "the clock is the clock file %s, not wall time",
                            clock_file);
        r.population = cfg->population_file[0] ? cfg->population_file : NULL;
        if (cfg->pseudonymisation_key_file[0]) {
                char why[512];
                if (mf_pseudo_load(&r.pseudo, cfg->pseudonymisation_key_file, why,
                                   sizeof(why)) != MF_OK) {
                        mf_log_error("run", "[privacy] pseudonymisation_key_file: %s",
                                     why);
                        mf_calendar_free(r.cal);
                        return 3;
                }
                mf_log_info("run", "child ids on the referrals and alerts topics are "
                                   "pseudonymised (HMAC-SHA-256)");
        }
        if (cfg->suppress_below > 1)
                mf_log_info("run",
                            "indicators records withhold counts below %lld (\"%s\")",
                            (long long)cfg->suppress_below, MF_OUTPUT_SUPPRESSED);
        r.loop = uv_default_loop();
        int status = 1;
        if (make_clients(&r) != 0)
                goto out;
        r.cq = rd_kafka_queue_get_consumer(r.consumer);
        r.pq = rd_kafka_queue_get_main(r.producer);
        if (watch_queue(&r, r.cq, r.cfd, &r.cpoll, on_consumer) != 0 ||
            watch_queue(&r, r.pq, r.pfd, &r.ppoll, on_producer) != 0) {
                mf_log_error("run", "cannot watch the Kafka queues: %s", strerror(errno));
                goto out;
        }
        uv_idle_init(r.loop, &r.more);
        r.more.data = &r;
        uv_timer_init(r.loop, &r.tick);
        r.tick.data = &r;
        uv_timer_start(&r.tick, on_tick, 1000, 1000);
        uv_timer_init(r.loop, &r.batch);
        r.batch.data = &r;
        /* Opening a batch re-arms the timer for the batch's close. */
        uv_timer_start(&r.batch, on_batch_timer, batch_check_ms(cfg),
                       batch_check_ms(cfg));
        uv_async_init(r.loop, &r.stop, on_stop);
        r.stop.data = &r;
        stop_signum = 0;
        stop_async = &r.stop;
        catch_stop_signals(on_stop_signal);
        uv_signal_init(r.loop, &r.sighup);
        r.sighup.data = &r;
        uv_signal_start(&r.sighup, on_hup, SIGHUP);
        if (mf_notify_watchdog_start(r.loop) != 0)
                goto out;
        r.last_indicators_ms = r.started_ms = r.last_tick_ms = r.snap.last_round_ms =
            mf_run_wall_ms();
        if (start_http(&r) != 0)
                goto out;

        mf_log_info("run", "started brokers=%s group=%s guarantee=%s inputs=%d",
                    cfg->brokers, cfg->group_id, r.eos ? "exactly_once" : "at_least_once",
                    cfg->n_input_topics);
        if (start_clients(&r) != 0) {
                mf_log_error("run", "cannot start the Kafka clients");
                goto out;
        }
        uv_run(r.loop, UV_RUN_DEFAULT);
        mf_notify_stopping(); /* after a fatal error too (a signal has sent it) */

        /* Stopping: finish the batch, leave the group, deliver everything. */
        __atomic_store_n(&r.stopping, true, __ATOMIC_RELEASE);
        while (r.committing || r.initialising || r.snap.writing)
                uv_run(r.loop, UV_RUN_ONCE);
        commit_batch(&r);
        snapshot_round(&r, true); /* the next start restores without replaying */
        rd_kafka_consumer_close(r.consumer);
        rd_kafka_flush(r.producer, KAFKA_TIMEOUT_MS);
        status = r.exit_code;
        mf_log_info("run", "stopped consumed=%llu produced=%llu batches=%llu",
                    (unsigned long long)r.stats.consumed,
                    (unsigned long long)r.stats.produced,
                    (unsigned long long)r.stats.batches);
out:
        stop_async = NULL; /* its handle closes below */
        mf_pseudo_clear(&r.pseudo);
        if (stats_out)
                *stats_out = r.stats;
        mf_api_free(r.api);
        mf_http_close(r.http); /* its memory goes with the loop's last run */
        uv_walk(r.loop, close_handle, NULL);
        uv_run(r.loop, UV_RUN_DEFAULT);
        uv_loop_close(r.loop);
        for (size_t i = 0; i < r.nparts; i++)
                free_part(r.parts[i]);
        free(r.parts);
        unindex_parts(&r);
        if (r.cq)
                rd_kafka_queue_destroy(r.cq);
        if (r.pq)
                rd_kafka_queue_destroy(r.pq);
        if (r.consumer)
                rd_kafka_destroy(r.consumer);
        if (r.producer)
                rd_kafka_destroy(r.producer);
        for (int i = 0; i < 2; i++) {
                if (r.cfd[i] >= 0)
                        close(r.cfd[i]);
                if (r.pfd[i] >= 0)
                        close(r.pfd[i]);
        }
        mf_calendar_free(r.cal);
        mf_buf_destroy(&r.key);
        mf_buf_destroy(&r.val);
        free(r.batch_ts);
        return status;
}
