#include "mf_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

#include "mf_rereferral.h"
#include "mf_time.h"

struct mf_pipeline_s {
        mf_pipeline_conf_t conf;
        mf_decoder_t *dec;
        mf_buf_t scratch;    /* a mutable copy of a JSON record */
        mf_store_t **stores; /* sorted by authority code */
        int64_t *population;
        /* Each store's earliest timer (INT64_MAX: none), beside the stores so
         * that finding the stores with a timer due reads one small array,
         * not every store's heap: at 150 authorities that scan ran twice an
         * event. next_due is their minimum. */
        mf_instant_t *due;
        mf_instant_t next_due;
        size_t nstores;
        size_t capstores;
        mf_instant_t now;
        mf_date_t today;
        mf_date_t horizon; /* mf_horizon_first(today), kept as today moves */
        mf_date_t last_sweep;
        /* No item or event id in any store is dated before this: the oldest
         * event date applied since the last sweep, or that sweep's first
         * kept date. Until the horizon passes it a sweep would release
         * nothing, and is skipped. */
        mf_date_t oldest;
        mf_pipeline_stats_t stats;
        mf_alert_leads_t leads;
};

mf_date_t mf_horizon_first(mf_date_t d) {
        return mf_window_start(d, MF_HORIZON_MONTHS);
}

mf_pipeline_t *mf_pipeline_new(const mf_pipeline_conf_t *conf) {
        mf_pipeline_t *p = calloc(1, sizeof(*p));
        if (!p)
                return NULL;
        p->conf = *conf;
        p->leads = conf->leads ? *conf->leads : MF_ALERT_LEADS_DEFAULT;
        p->conf.leads = NULL;
        p->now = MF_INSTANT_NONE;
        p->today = p->last_sweep = MF_DATE_NONE;
        p->horizon = mf_horizon_first(MF_DATE_NONE);
        p->oldest = INT32_MAX;
        p->next_due = INT64_MAX;
        mf_buf_init(&p->scratch);
        if (!(p->dec = mf_decoder_new())) {
                free(p);
                return NULL;
        }
        return p;
}

void mf_pipeline_free(mf_pipeline_t *p) {
        if (!p)
                return;
        for (size_t i = 0; i < p->nstores; i++)
                mf_store_free(p->stores[i]);
        free(p->stores);
        free(p->due);
        free(p->population);
        mf_decoder_free(p->dec);
        mf_buf_destroy(&p->scratch);
        free(p);
}

/* ---- authorities ---- */

static int la_cmp(mf_str_t a, const char *b) {
        size_t bl = strlen(b);
        int c = memcmp(a.ptr, b, a.len < bl ? a.len : bl);
        return c ? c : (a.len < bl ? -1 : a.len > bl);
}

/* Binary search: index of la, or where it would be inserted. */
static size_t la_pos(const mf_pipeline_t *p, mf_str_t la, bool *found) {
        size_t lo = 0, hi = p->nstores;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = la_cmp(la, p->stores[mid]->la);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        *found = false;
        return lo;
}

static mf_store_t *get_store(mf_pipeline_t *p, mf_str_t la, size_t *index) {
        bool found;
        size_t i = la_pos(p, la, &found);
        if (!found) {
                if (p->nstores == p->capstores) {
                        size_t cap = p->capstores ? p->capstores * 2 : 8;
                        mf_store_t **s = realloc(p->stores, sizeof(*s) * cap);
                        if (!s)
                                return NULL;
                        p->stores = s;
                        int64_t *pop = realloc(p->population, sizeof(*pop) * cap);
                        if (!pop)
                                return NULL;
                        p->population = pop;
                        mf_instant_t *due = realloc(p->due, sizeof(*due) * cap);
                        if (!due)
                                return NULL;
                        p->due = due;
                        p->capstores = cap;
                }
                mf_store_t *st = mf_store_new(la);
                if (!st)
                        return NULL;
                memmove(&p->stores[i + 1], &p->stores[i],
                        sizeof(*p->stores) * (p->nstores - i));
                memmove(&p->population[i + 1], &p->population[i],
                        sizeof(*p->population) * (p->nstores - i));
                memmove(&p->due[i + 1], &p->due[i], sizeof(*p->due) * (p->nstores - i));
                p->stores[i] = st;
                p->population[i] = 0;
                p->due[i] = INT64_MAX;
                p->nstores++;
        }
        if (index)
                *index = i;
        return p->stores[i];
}

mf_err_t mf_pipeline_set_population(mf_pipeline_t *p, mf_str_t la, int64_t population) {
        size_t i;
        if (!get_store(p, la, &i))
                return MF_ERR_NOMEM;
        p->population[i] = population;
        return MF_OK;
}

size_t mf_pipeline_la_count(const mf_pipeline_t *p) {
        return p->nstores;
}

mf_str_t mf_pipeline_la(const mf_pipeline_t *p, size_t i) {
        return mf_str(p->stores[i]->la, strlen(p->stores[i]->la));
}

mf_store_t *mf_pipeline_store(mf_pipeline_t *p, mf_str_t la) {
        bool found;
        size_t i = la_pos(p, la, &found);
        return found ? p->stores[i] : NULL;
}

/* ---- clock ---- */

static mf_err_t sweep(mf_pipeline_t *p) {
        mf_date_t first = p->horizon;
        p->last_sweep = p->today;
        if (first <= p->oldest)
                return MF_OK;
        for (size_t i = 0; i < p->nstores; i++) {
                mf_err_t rc = mf_store_sweep(p->stores[i], first);
                if (rc != MF_OK)
                        return rc;
        }
        p->oldest = first;
        p->stats.sweeps++;
        return MF_OK;
}

static void fire_due(mf_pipeline_t *p);

mf_err_t mf_pipeline_tick(mf_pipeline_t *p, mf_instant_t now) {
        if (p->now != MF_INSTANT_NONE && now <= p->now)
                return MF_OK;
        p->now = now;
        mf_date_t d = mf_civil_date(now);
        mf_err_t rc = MF_OK;
        if (p->today == MF_DATE_NONE) {
                p->today = p->last_sweep = d;
                p->horizon = mf_horizon_first(d);
        } else if (d > p->today) {
                p->today = d;
                p->horizon = mf_horizon_first(d);
                if (d - p->last_sweep >= MF_SWEEP_DAYS)
                        rc = sweep(p);
        }
        fire_due(p);
        return rc;
}

mf_instant_t mf_pipeline_now(const mf_pipeline_t *p) {
        return p->now;
}

mf_date_t mf_pipeline_today(const mf_pipeline_t *p) {
        return p->today;
}

/* ---- outputs ---- */

static void sink(mf_pipeline_t *p, const mf_output_t *o) {
        p->stats.outputs[o->kind]++;
        if (p->conf.sink)
                p->conf.sink(p->conf.opaque, o);
}

static void dead_letter(mf_pipeline_t *p, mf_str_t la, mf_reason_t reason,
                        const char *detail, mf_str_t payload, const mf_origin_t *origin) {
        static const mf_origin_t none = {{"", 0}, -1, -1};
        if (!origin)
                origin = &none;
        mf_deadletter_out_t d = {
            .la = la,
            .reason = reason,
            .detail = detail,
            .topic = origin->topic,
            .partition = origin->partition,
            .offset = origin->offset,
            .payload = payload,
        };
        mf_output_t o = {.kind = MF_OUT_DEADLETTER, .u.deadletter = &d};
        p->stats.rejected[reason]++;
        sink(p, &o);
}

static mf_err_t emit_referral(void *opaque, mf_store_t *st, uint32_t slot) {
        mf_pipeline_t *p = opaque;
        const mf_referral_t *r = mf_store_item(st, MF_ITEM_REFERRAL, slot);
        mf_referral_out_t out = {
            .la = mf_str(st->la, strlen(st->la)),
            .referral_id = mf_strpool_get(r->id),
            .child = mf_strpool_get(mf_store_child(st, r->child)->id),
            .referral_date = r->date,
            .source = r->source ? mf_store_source_name(st, r->source) : MF_STR_NULL,
            .contact_id = mf_strpool_get(r->contact_id),
            .nfa = r->nfa,
            .previous_referrals_12m = r->prev12,
            .previous_referral_date = r->prev_date,
            .revision = r->revision,
        };
        mf_output_t o = {.kind = MF_OUT_REFERRAL, .u.referral = &out};
        sink(p, &o);
        return MF_OK;
}

/* ---- stages ---- */

static bool item_opened(mf_store_t *st, mf_item_kind_t k, uint32_t slot) {
        switch (k) {
                case MF_ITEM_CONTACT:
                        return ((mf_contact_t *)mf_store_item(st, k, slot))->opened;
                case MF_ITEM_ASSESSMENT:
                        return ((mf_assessment_t *)mf_store_item(st, k, slot))->opened;
                case MF_ITEM_S47:
                        return ((mf_s47_t *)mf_store_item(st, k, slot))->opened;
                default:
                        return true;
        }
}

/* Finds or creates the event's item and, for an opening event (or a closing
 * one that arrives before its opener), points it at the event's child. */
static mf_err_t item_for(mf_store_t *st, mf_item_kind_t k, const mf_event_t *ev,
                         bool opener, uint32_t *slot) {
        bool created;
        *slot = mf_store_get(st, k, ev->item_id, &created);
        if (*slot == MF_SLOT_NONE)
                return MF_ERR_NOMEM;
        if (opener || created || !item_opened(st, k, *slot))
                return mf_store_set_child(st, k, *slot, ev->child);
        return MF_OK;
}

/* Each apply_ function sets *slot to the event's item. */
static mf_err_t apply_contact(mf_pipeline_t *p, mf_store_t *st, const mf_event_t *ev,
                              uint32_t *slot) {
        MF_TRY(item_for(st, MF_ITEM_CONTACT, ev, true, slot));
        uint32_t s = *slot;
        mf_contact_t *c = mf_store_item(st, MF_ITEM_CONTACT, s);
        c->opened = true;
        c->received_at = ev->u.contact.received_at;
        c->due_at = mf_calendar_decision_due(p->conf.calendar, c->received_at);
        c->source = mf_store_source(st, ev->u.contact.source);
        c->gender = (uint8_t)ev->u.contact.gender;
        c->birth_date = ev->u.contact.birth_date;
        c->ethnicity = ev->u.contact.ethnicity.len
                           ? (uint8_t)mf_ethnicity_group(ev->u.contact.ethnicity)
                           : MF_ETH_NOT_RECORDED;
        c->disability = (uint8_t)ev->u.contact.disability;
        mf_store_child_demographics(st, c->child, ev);
        return MF_OK;
}

static mf_err_t apply_decision(mf_store_t *st, const mf_event_t *ev, uint32_t *slot) {
        MF_TRY(item_for(st, MF_ITEM_CONTACT, ev, false, slot));
        mf_contact_t *c = mf_store_item(st, MF_ITEM_CONTACT, *slot);
        c->decided_at = ev->u.decision.decided_at;
        c->outcome = (uint8_t)ev->u.decision.outcome;
        return MF_OK;
}

static mf_err_t apply_referral(mf_pipeline_t *p, mf_store_t *st, const mf_event_t *ev,
                               uint32_t *slot) {
        bool created;
        uint32_t s = *slot = mf_store_get(st, MF_ITEM_REFERRAL, ev->item_id, &created);
        if (s == MF_SLOT_NONE)
                return MF_ERR_NOMEM;
        uint32_t old_child =
            ((mf_referral_t *)mf_store_item(st, MF_ITEM_REFERRAL, s))->child;
        MF_TRY(mf_store_set_child(st, MF_ITEM_REFERRAL, s, ev->child));
        mf_referral_t *r = mf_store_item(st, MF_ITEM_REFERRAL, s);
        r->date = ev->u.referral.referral_date;
        r->source = mf_store_source(st, ev->u.referral.source);
        r->nfa = ev->u.referral.nfa;
        MF_TRY(mf_store_set_str(st, &r->contact_id, ev->u.referral.contact_id));
        mf_date_t first = p->horizon;
        MF_TRY(mf_rereferral_update(st, r->child, s, first, emit_referral, p));
        /* A correction that moved the referral to another child changes the
         * answers of the first child's other referrals too. */
        if (old_child != MF_SLOT_NONE && old_child != r->child &&
            mf_store_child(st, old_child)->id)
                MF_TRY(mf_rereferral_update(st, old_child, MF_SLOT_NONE, first,
                                            emit_referral, p));
        return MF_OK;
}

static mf_err_t apply_assessment(mf_store_t *st, const mf_event_t *ev, uint32_t *slot) {
        bool opener = ev->type == MF_EV_ASSESSMENT_STARTED;
        MF_TRY(item_for(st, MF_ITEM_ASSESSMENT, ev, opener, slot));
        mf_assessment_t *a = mf_store_item(st, MF_ITEM_ASSESSMENT, *slot);
        if (opener) {
                a->opened = true;
                a->start = ev->u.assessment_started.start_date;
                return mf_store_set_str(st, &a->referral_id,
                                        ev->u.assessment_started.referral_id);
        }
        a->authorised = ev->u.assessment_authorised.authorised_date;
        a->child_seen = (uint8_t)ev->u.assessment_authorised.child_seen;
        a->outcome = (uint8_t)ev->u.assessment_authorised.outcome;
        return MF_OK;
}

static mf_err_t apply_s47(mf_store_t *st, const mf_event_t *ev, uint32_t *slot) {
        bool opener = ev->type == MF_EV_S47_STARTED;
        MF_TRY(item_for(st, MF_ITEM_S47, ev, opener, slot));
        mf_s47_t *e = mf_store_item(st, MF_ITEM_S47, *slot);
        switch (ev->type) {
                case MF_EV_S47_STARTED:
                        e->opened = true;
                        e->strategy = ev->u.s47_started.strategy_date;
                        return mf_store_set_str(st, &e->referral_id,
                                                ev->u.s47_started.referral_id);
                case MF_EV_S47_OUTCOME:
                        e->completed = ev->u.s47_outcome.completed_date;
                        e->icpc_required =
                            ev->u.s47_outcome.icpc_required ? MF_TRI_TRUE : MF_TRI_FALSE;
                        return MF_OK;
                default:
                        e->icpc = ev->u.icpc.icpc_date;
                        e->cp_plan = ev->u.icpc.cp_plan;
                        return MF_OK;
        }
}

/* ---- timeliness: deadlines and alerts ---- */

/* An open-able item's timescale, as DOMAIN.md defines it. */
typedef struct {
        mf_date_t start_date;
        mf_instant_t started_at; /* contacts only */
        mf_instant_t soon, due;  /* due_soon and due instants */
        bool open;
        mf_instant_t closed_at; /* when closed: the completing event's time */
        uint32_t *stamp;
        uint8_t *raised;
        uint32_t child;
} deadline_t;

static bool item_deadline(const mf_pipeline_t *p, mf_store_t *st, int kind, uint32_t slot,
                          deadline_t *d) {
        const mf_calendar_t *cal = p->conf.calendar;
        memset(d, 0, sizeof(*d));
        d->started_at = MF_INSTANT_NONE;
        switch (kind) {
                case MF_ITEM_CONTACT: {
                        mf_contact_t *c = mf_store_item(st, MF_ITEM_CONTACT, slot);
                        if (!c->id || !c->opened)
                                return false;
                        d->start_date = mf_civil_date(c->received_at);
                        d->started_at = c->received_at;
                        d->due = c->due_at;
                        d->soon = c->due_at - p->leads.decision_due_soon_ms;
                        d->open = c->decided_at == MF_INSTANT_NONE;
                        d->closed_at = c->decided_at;
                        d->stamp = &c->stamp, d->raised = &c->raised, d->child = c->child;
                        return true;
                }
                case MF_ITEM_ASSESSMENT: {
                        mf_assessment_t *a = mf_store_item(st, MF_ITEM_ASSESSMENT, slot);
                        if (!a->id || !a->opened)
                                return false;
                        d->start_date = a->start;
                        d->due = mf_day_end(
                            mf_calendar_add_wd(cal, a->start, MF_ASSESSMENT_WD));
                        d->soon = mf_day_start(mf_calendar_add_wd(
                            cal, a->start, p->leads.assessment_due_soon_wd));
                        d->open = a->authorised == MF_DATE_NONE;
                        d->closed_at =
                            d->open ? MF_INSTANT_NONE : mf_day_start(a->authorised);
                        d->stamp = &a->stamp, d->raised = &a->raised, d->child = a->child;
                        return true;
                }
                case MF_ITEM_S47: {
                        mf_s47_t *e = mf_store_item(st, MF_ITEM_S47, slot);
                        if (!e->id || !e->opened)
                                return false;
                        d->start_date = e->strategy;
                        d->due =
                            mf_day_end(mf_calendar_add_wd(cal, e->strategy, MF_ICPC_WD));
                        d->soon = mf_day_start(mf_calendar_add_wd(
                            cal, e->strategy, p->leads.icpc_due_soon_wd));
                        bool not_required = e->icpc_required == MF_TRI_FALSE &&
                                            e->completed != MF_DATE_NONE;
                        d->open = e->icpc == MF_DATE_NONE && !not_required;
                        d->closed_at = e->icpc != MF_DATE_NONE ? mf_day_start(e->icpc)
                                       : not_required ? mf_day_start(e->completed)
                                                      : MF_INSTANT_NONE;
                        d->stamp = &e->stamp, d->raised = &e->raised, d->child = e->child;
                        return true;
                }
                default:
                        return false;
        }
}

static void raise_alert(mf_pipeline_t *p, mf_store_t *st, int kind, uint32_t slot,
                        const deadline_t *d, mf_alert_kind_t alert) {
        *d->raised |= (uint8_t)(1u << alert);
        mf_date_t until = alert == MF_ALERT_COMPLETED_LATE ? mf_civil_date(d->closed_at)
                                                           : mf_civil_date(p->now);
        mf_alert_out_t a = {
            .la = mf_str(st->la, strlen(st->la)),
            .kind = alert,
            .item_kind = kind,
            .item_id = mf_strpool_get(mf_store_item_id(st, (mf_item_kind_t)kind, slot)),
            .child = d->child != MF_SLOT_NONE
                         ? mf_strpool_get(mf_store_child(st, d->child)->id)
                         : MF_STR_NULL,
            .started_at = d->started_at,
            .start_date = kind == MF_ITEM_CONTACT ? MF_DATE_NONE : d->start_date,
            .due_at = d->due,
            .working_days_elapsed =
                mf_calendar_wd(p->conf.calendar, d->start_date, until),
            .raised_at = p->now,
        };
        mf_output_t o = {.kind = MF_OUT_ALERT, .u.alert = &a};
        sink(p, &o);
}

/* After any event on an item: a fresh stamp (older timers go stale), timers
 * for what is still to come, or completed_late if it closed after its due
 * instant. Items dated before the horizon raise nothing. */
static mf_err_t reschedule(mf_pipeline_t *p, mf_store_t *st, int kind, uint32_t slot) {
        deadline_t d;
        if (!item_deadline(p, st, kind, slot, &d))
                return MF_OK;
        *d.stamp = ++st->timer_stamps;
        if (d.start_date < p->horizon)
                return MF_OK;
        if (!d.open) {
                if (d.closed_at > d.due && !(*d.raised & (1u << MF_ALERT_COMPLETED_LATE)))
                        raise_alert(p, st, kind, slot, &d, MF_ALERT_COMPLETED_LATE);
                return MF_OK;
        }
        mf_timer_t t = {.slot = slot, .stamp = *d.stamp, .item = (uint8_t)kind};
        mf_err_t rc = MF_OK;
        if (!(*d.raised & (1u << MF_ALERT_DUE_SOON))) {
                t.at = d.soon, t.alert = MF_ALERT_DUE_SOON;
                rc = mf_deadlines_push(&st->timers, t);
        }
        if (rc == MF_OK && !(*d.raised & (1u << MF_ALERT_OVERDUE))) {
                /* Overdue once the clock has passed the due instant. */
                t.at = d.due + 1, t.alert = MF_ALERT_OVERDUE;
                rc = mf_deadlines_push(&st->timers, t);
        }
        return rc;
}

static inline mf_instant_t earliest(const mf_deadlines_t *d) {
        return d->n ? d->h[0].at : INT64_MAX;
}

/* Raises every alert whose instant the clock has reached, store by store in
 * code order. */
static void fire_due(mf_pipeline_t *p) {
        if (p->now < p->next_due)
                return;
        mf_date_t first = p->horizon;
        mf_instant_t next = INT64_MAX;
        for (size_t i = 0; i < p->nstores; i++) {
                if (p->due[i] > p->now) {
                        next = p->due[i] < next ? p->due[i] : next;
                        continue;
                }
                mf_store_t *st = p->stores[i];
                mf_timer_t t;
                while (mf_deadlines_pop_due(&st->timers, p->now, &t)) {
                        deadline_t d;
                        if (t.slot >= st->items[t.item].slab.len ||
                            !item_deadline(p, st, t.item, t.slot, &d) ||
                            *d.stamp != t.stamp || !d.open ||
                            (*d.raised & (1u << t.alert)) || d.start_date < first)
                                continue; /* stale, closed, already raised, or too old */
                        raise_alert(p, st, t.item, t.slot, &d, (mf_alert_kind_t)t.alert);
                }
                p->due[i] = earliest(&st->timers);
                next = p->due[i] < next ? p->due[i] : next;
        }
        p->next_due = next;
}

static int item_kind_of(mf_event_type_t t) {
        switch (t) {
                case MF_EV_CONTACT:
                case MF_EV_CONTACT_DECISION:
                        return MF_ITEM_CONTACT;
                case MF_EV_REFERRAL:
                        return MF_ITEM_REFERRAL;
                case MF_EV_ASSESSMENT_STARTED:
                case MF_EV_ASSESSMENT_AUTHORISED:
                        return MF_ITEM_ASSESSMENT;
                default:
                        return MF_ITEM_S47;
        }
}

mf_err_t mf_pipeline_push_event(mf_pipeline_t *p, const mf_event_t *ev, mf_str_t payload,
                                const mf_origin_t *origin) {
        MF_TRY(mf_pipeline_tick(p, mf_event_time(ev)));
        mf_date_t date = mf_event_date(ev);
        if (date < p->horizon) {
                dead_letter(p, ev->la, MF_REASON_TOO_LATE,
                            "event dated before the 24-month horizon", payload, origin);
                return MF_OK;
        }
        size_t si;
        mf_store_t *st = get_store(p, ev->la, &si);
        if (!st)
                return MF_ERR_NOMEM;
        mf_err_t rc;
        if (!mf_seen_add(&st->seen, ev->id, date, &rc)) {
                if (rc != MF_OK)
                        return rc;
                p->stats.duplicates++;
                return MF_OK;
        }
        if (date < p->oldest)
                p->oldest = date;
        uint32_t slot = MF_SLOT_NONE;
        switch (ev->type) {
                case MF_EV_CONTACT:
                        rc = apply_contact(p, st, ev, &slot);
                        break;
                case MF_EV_CONTACT_DECISION:
                        rc = apply_decision(st, ev, &slot);
                        break;
                case MF_EV_REFERRAL:
                        rc = apply_referral(p, st, ev, &slot);
                        break;
                case MF_EV_ASSESSMENT_STARTED:
                case MF_EV_ASSESSMENT_AUTHORISED:
                        rc = apply_assessment(st, ev, &slot);
                        break;
                default:
                        rc = apply_s47(st, ev, &slot);
                        break;
        }
        if (rc == MF_OK && item_kind_of(ev->type) != MF_ITEM_REFERRAL) {
                rc = reschedule(p, st, item_kind_of(ev->type), slot);
                p->due[si] = earliest(&st->timers);
                if (p->due[si] < p->next_due)
                        p->next_due = p->due[si];
                fire_due(p); /* a late event's item may be due already */
        }
        if (rc == MF_OK) {
                p->stats.applied++;
                p->stats.by_type[ev->type]++;
        }
        return rc;
}

mf_err_t mf_pipeline_push_msgpack(mf_pipeline_t *p, const char *buf, size_t len,
                                  size_t *used, const mf_origin_t *origin) {
        mf_event_t ev;
        mf_reject_t rej;
        size_t n = 0;
        mf_err_t rc = mf_event_decode_msgpack(p->dec, buf, len, &n, &ev, &rej);
        if (rc == MF_ERR_RANGE) {
                if (used)
                        return rc;
                rej.reason = MF_REASON_BAD_ENCODING;
                snprintf(rej.detail, sizeof(rej.detail),
                         "record ends inside a MessagePack value");
                rc = MF_ERR_INVALID;
                n = len;
        }
        if (rc == MF_ERR_NOMEM)
                return rc;
        if (used)
                *used = n;
        else if (n != len) {
                rej.reason = MF_REASON_BAD_ENCODING;
                snprintf(rej.detail, sizeof(rej.detail),
                         "record has bytes after its map");
                rc = MF_ERR_INVALID;
                n = len;
        }
        p->stats.records++;
        if (rc == MF_ERR_INVALID) {
                dead_letter(p, ev.la, rej.reason, rej.detail, mf_str(buf, n), origin);
                return MF_OK;
        }
        return mf_pipeline_push_event(p, &ev, mf_str(buf, n), origin);
}

mf_err_t mf_pipeline_push_json(mf_pipeline_t *p, const char *buf, size_t len,
                               const mf_origin_t *origin) {
        mf_buf_reset(&p->scratch);
        MF_TRY(mf_buf_append(&p->scratch, buf, len));
        mf_event_t ev;
        mf_reject_t rej;
        p->stats.records++;
        mf_err_t rc = mf_event_decode_json(p->dec, p->scratch.data, len, &ev, &rej);
        if (rc == MF_ERR_INVALID) {
                dead_letter(p, ev.la, rej.reason, rej.detail, mf_str(buf, len), origin);
                return MF_OK;
        }
        if (rc != MF_OK)
                return rc;
        return mf_pipeline_push_event(p, &ev, mf_str(buf, len), origin);
}

/* ---- figures ---- */

/* Where a figure of authority la as of as_of, over a window of `months`,
 * can be computed from: the store's index and the snapshot instant (the
 * clock for today, the end of an earlier day). The window must lie within
 * the retained state. */
static mf_err_t report_at(const mf_pipeline_t *p, mf_str_t la, mf_date_t as_of,
                          int months, size_t *store, mf_instant_t *at) {
        bool found;
        *store = la_pos(p, la, &found);
        if (!found)
                return MF_ERR_INVALID;
        if (p->today == MF_DATE_NONE || as_of > p->today ||
            mf_window_start(as_of, months) < p->horizon)
                return MF_ERR_RANGE;
        *at = as_of == p->today ? p->now : mf_day_end(as_of);
        return MF_OK;
}

mf_err_t mf_pipeline_indicators(mf_pipeline_t *p, mf_str_t la, mf_date_t as_of,
                                mf_indicators_t *out) {
        size_t i;
        mf_instant_t at;
        MF_TRY(report_at(p, la, as_of, 6, &i, &at));
        mf_indicators_compute(p->stores[i], p->conf.calendar, as_of, at, p->horizon, out);
        out->population = p->population[i];
        return MF_OK;
}

mf_err_t mf_pipeline_emit_indicators(mf_pipeline_t *p, mf_date_t as_of) {
        mf_indicators_t *ind = malloc(sizeof(*ind));
        if (!ind)
                return MF_ERR_NOMEM;
        mf_err_t rc = MF_OK;
        for (size_t i = 0; i < p->nstores && rc == MF_OK; i++) {
                rc = mf_pipeline_indicators(p, mf_pipeline_la(p, i), as_of, ind);
                if (rc != MF_OK)
                        break;
                mf_indicators_out_t io = {ind, p->stores[i], p->now};
                mf_output_t o = {.kind = MF_OUT_INDICATORS, .u.indicators = &io};
                sink(p, &o);
        }
        free(ind);
        return rc;
}

/* The kinds of item that have a statutory deadline. */
static const int deadline_kinds[] = {MF_ITEM_CONTACT, MF_ITEM_ASSESSMENT, MF_ITEM_S47};

size_t mf_pipeline_nearest(mf_pipeline_t *p, mf_str_t la, mf_nearest_t *out, size_t max) {
        mf_store_t *st = mf_pipeline_store(p, la);
        if (!st || !max)
                return 0;
        mf_date_t first = p->horizon;
        size_t n = 0;
        for (size_t k = 0; k < MF_ARRAY_LEN(deadline_kinds); k++) {
                const mf_slab_t *slab = &st->items[deadline_kinds[k]].slab;
                for (uint32_t s = 0; s < slab->len; s++) {
                        deadline_t d;
                        if (!item_deadline(p, st, deadline_kinds[k], s, &d) || !d.open ||
                            d.start_date < first ||
                            (n == max && d.due >= out[n - 1].due_at))
                                continue;
                        /* Insertion into a short sorted list: max is a screenful. */
                        size_t i = n < max ? n++ : max - 1;
                        while (i > 0 && out[i - 1].due_at > d.due) {
                                out[i] = out[i - 1];
                                i--;
                        }
                        out[i] =
                            (mf_nearest_t){deadline_kinds[k],
                                           mf_strpool_get(mf_store_item_id(
                                               st, (mf_item_kind_t)deadline_kinds[k], s)),
                                           d.start_date, d.due};
                }
        }
        return n;
}

mf_err_t mf_pipeline_open_counts(mf_pipeline_t *p, mf_str_t la, mf_open_counts_t *out) {
        memset(out, 0, sizeof(*out));
        mf_store_t *st = mf_pipeline_store(p, la);
        if (!st)
                return MF_ERR_INVALID;
        /* In the order of deadline_kinds. */
        uint32_t *count[] = {&out->contacts, &out->assessments, &out->s47s};
        mf_date_t first = p->horizon;
        for (size_t k = 0; k < MF_ARRAY_LEN(deadline_kinds); k++) {
                const mf_slab_t *slab = &st->items[deadline_kinds[k]].slab;
                for (uint32_t s = 0; s < slab->len; s++) {
                        deadline_t d;
                        if (item_deadline(p, st, deadline_kinds[k], s, &d) && d.open &&
                            d.start_date >= first)
                                (*count[k])++;
                }
        }
        return MF_OK;
}

mf_err_t mf_pipeline_trend(mf_pipeline_t *p, mf_str_t la, mf_date_t as_of, int months,
                           mf_month_t *out) {
        size_t i;
        mf_instant_t at;
        if (months < 1 || months > MF_TREND_MAX_MONTHS)
                return MF_ERR_RANGE;
        MF_TRY(report_at(p, la, as_of, months, &i, &at));
        mf_indicators_trend(p->stores[i], as_of, at, months, out);
        return MF_OK;
}

const mf_pipeline_stats_t *mf_pipeline_stats(const mf_pipeline_t *p) {
        return &p->stats;
}

size_t mf_pipeline_state_bytes(const mf_pipeline_t *p) {
        size_t n = sizeof(*p);
        for (size_t i = 0; i < p->nstores; i++)
                n += mf_store_bytes(p->stores[i]);
        return n;
}

/* ---- snapshots ---- */

static uint64_t hash_more(uint64_t h, const void *p, size_t n) {
        return XXH3_64bits_withSeed(p, n, h);
}

/* What a saved state depends on besides the events: the alert leads (timers
 * were set with them) and the calendar (deadlines were counted with it). */
static uint64_t settings_hash(const mf_pipeline_t *p) {
        int64_t leads[3] = {p->leads.decision_due_soon_ms,
                            p->leads.assessment_due_soon_wd, p->leads.icpc_due_soon_wd};
        uint64_t h = hash_more(0, leads, sizeof(leads));
        const mf_calendar_t *cal = p->conf.calendar;
        uint64_t n = cal ? mf_calendar_holiday_count(cal) : 0;
        h = hash_more(h, &n, sizeof(n));
        if (n)
                for (mf_date_t d = mf_calendar_first_holiday(cal);
                     d <= mf_calendar_last_holiday(cal); d++)
                        if (!mf_calendar_is_working_day(cal, d))
                                h = hash_more(h, &d, sizeof(d));
        return h;
}

void mf_pipeline_save(const mf_pipeline_t *p, mf_snap_writer_t *w) {
        mf_snap_u64(w, settings_hash(p));
        mf_snap_i64(w, p->now);
        mf_snap_i64(w, p->today);
        mf_snap_i64(w, p->last_sweep);
        mf_snap_i64(w, p->oldest);
        mf_snap_u64(w, p->nstores);
        for (size_t i = 0; i < p->nstores; i++) {
                mf_snap_str(w, mf_str(p->stores[i]->la, strlen(p->stores[i]->la)));
                mf_store_save(p->stores[i], w);
        }
}

bool mf_pipeline_load(mf_pipeline_t *p, mf_snap_reader_t *r) {
        for (size_t i = 0; i < p->nstores; i++)
                if (!mf_store_empty(p->stores[i]))
                        return mf_snap_fail(r, "the pipeline has taken records already");
        if (mf_snap_get_u64(r) != settings_hash(p) && !r->bad)
                return mf_snap_fail(r, "made with other alert leads or another calendar");
        int64_t now = mf_snap_get_i64(r), today = mf_snap_get_i64(r),
                last_sweep = mf_snap_get_i64(r), oldest = mf_snap_get_i64(r);
        uint64_t nstores = mf_snap_get_u64(r);
        if (r->bad)
                return false;
        if (!mf_snap_date_ok(today) || !mf_snap_date_ok(last_sweep) ||
            (oldest != INT32_MAX && !mf_snap_date_ok(oldest)) ||
            !mf_snap_instant_ok(now) ||
            (now == MF_INSTANT_NONE) != (today == MF_DATE_NONE) || nstores > r->left)
                return mf_snap_fail(r, "clock out of range");
        for (uint64_t i = 0; i < nstores; i++) {
                bool null;
                mf_str_t la = mf_snap_get_str(r, &null);
                if (r->bad)
                        return false;
                if (null || la.len == 0 || la.len > MF_LA_MAX)
                        return mf_snap_fail(r, "authority code malformed");
                mf_store_t *st = get_store(p, la, NULL);
                if (!st)
                        return mf_snap_fail(r, "out of memory");
                if (!mf_store_load(st, r))
                        return false;
        }
        p->now = now;
        p->today = (mf_date_t)today;
        p->horizon = mf_horizon_first(p->today);
        p->last_sweep = (mf_date_t)last_sweep;
        p->oldest = (mf_date_t)oldest;
        p->next_due = INT64_MAX;
        for (size_t i = 0; i < p->nstores; i++) {
                p->due[i] = earliest(&p->stores[i]->timers);
                if (p->due[i] < p->next_due)
                        p->next_due = p->due[i];
        }
        return true;
}
