#include "mf_store.h"

#include <stdlib.h>

#include "mf_output.h"
#include "mf_time.h"

static const size_t item_size[MF_ITEM__COUNT] = {
    sizeof(mf_contact_t), sizeof(mf_referral_t), sizeof(mf_assessment_t),
    sizeof(mf_s47_t)};

/* Every record type starts with its id handle. */
static const char **id_of(const mf_slab_t *s, uint32_t slot) {
        return (const char **)mf_slab_at(s, slot);
}

mf_ethnicity_t mf_ethnicity_group(mf_str_t code) {
        static const struct {
                const char *code;
                mf_ethnicity_t group;
        } map[] = {
            {"WBRI", MF_ETH_WHITE},      {"WIRI", MF_ETH_WHITE},
            {"WIRT", MF_ETH_WHITE},      {"WOTH", MF_ETH_WHITE},
            {"WROM", MF_ETH_WHITE},      {"MWBC", MF_ETH_MIXED},
            {"MWBA", MF_ETH_MIXED},      {"MWAS", MF_ETH_MIXED},
            {"MOTH", MF_ETH_MIXED},      {"AIND", MF_ETH_ASIAN},
            {"APKN", MF_ETH_ASIAN},      {"ABAN", MF_ETH_ASIAN},
            {"AOTH", MF_ETH_ASIAN},      {"BCRB", MF_ETH_BLACK},
            {"BAFR", MF_ETH_BLACK},      {"BOTH", MF_ETH_BLACK},
            {"CHNE", MF_ETH_OTHER},      {"OOTH", MF_ETH_OTHER},
            {"REFU", MF_ETH_NOT_STATED}, {"NOBT", MF_ETH_NOT_RECORDED},
        };
        for (size_t i = 0; i < MF_ARRAY_LEN(map); i++)
                if (mf_str_eq_cstr(code, map[i].code))
                        return map[i].group;
        return MF_ETH_NOT_RECORDED;
}

static void table_init(mf_table_t *t, size_t elsize) {
        mf_slab_init(&t->slab, elsize);
        mf_index_init(&t->ix);
}

static void table_destroy(mf_table_t *t) {
        mf_slab_destroy(&t->slab);
        mf_index_destroy(&t->ix);
}

mf_store_t *mf_store_new(mf_str_t la) {
        mf_store_t *st = calloc(1, sizeof(*st));
        if (!st)
                return NULL;
        if (!(st->strings = mf_strpool_new())) {
                free(st);
                return NULL;
        }
        size_t n = la.len < MF_LA_MAX ? la.len : MF_LA_MAX;
        memcpy(st->la, la.ptr, n);
        table_init(&st->children, sizeof(mf_child_t));
        for (int k = 0; k < MF_ITEM__COUNT; k++)
                table_init(&st->items[k], item_size[k]);
        mf_seen_init(&st->seen);
        mf_deadlines_init(&st->timers);
        st->nsources = 1;
        return st;
}

void mf_store_free(mf_store_t *st) {
        if (!st)
                return;
        table_destroy(&st->children);
        for (int k = 0; k < MF_ITEM__COUNT; k++)
                table_destroy(&st->items[k]);
        mf_seen_destroy(&st->seen);
        mf_deadlines_destroy(&st->timers);
        mf_strpool_free(st->strings);
        free(st);
}

typedef struct {
        const mf_slab_t *slab;
        mf_str_t key;
} eq_ctx_t;

static bool id_eq(const void *ctx, uint32_t slot) {
        const eq_ctx_t *c = ctx;
        return mf_str_eq(mf_strpool_get(*id_of(c->slab, slot)), c->key);
}

static uint32_t table_find(const mf_table_t *t, mf_str_t id, uint64_t h) {
        eq_ctx_t ctx = {&t->slab, id};
        return mf_index_find(&t->ix, h, id_eq, &ctx);
}

static uint32_t table_get(mf_store_t *st, mf_table_t *t, mf_str_t id, bool *created) {
        uint64_t h = mf_hash(id);
        uint32_t slot = table_find(t, id, h);
        *created = false;
        if (slot != MF_INDEX_NONE)
                return slot;
        const char *copy = mf_strpool_put(st->strings, id);
        if (!copy)
                return MF_SLOT_NONE;
        slot = mf_slab_alloc(&t->slab);
        if (slot == MF_SLOT_NONE || mf_index_insert(&t->ix, h, slot) != MF_OK) {
                if (slot != MF_SLOT_NONE)
                        mf_slab_release(&t->slab, slot);
                mf_strpool_release(st->strings, copy);
                return MF_SLOT_NONE;
        }
        *id_of(&t->slab, slot) = copy;
        *created = true;
        return slot;
}

const char *mf_store_item_id(const mf_store_t *st, mf_item_kind_t k, uint32_t slot) {
        return *id_of(&st->items[k].slab, slot);
}

uint32_t mf_store_find(const mf_store_t *st, mf_item_kind_t k, mf_str_t id) {
        uint32_t slot = table_find(&st->items[k], id, mf_hash(id));
        return slot == MF_INDEX_NONE ? MF_SLOT_NONE : slot;
}

uint32_t mf_store_get(mf_store_t *st, mf_item_kind_t k, mf_str_t id, bool *created) {
        uint32_t slot = table_get(st, &st->items[k], id, created);
        if (slot != MF_SLOT_NONE && *created) {
                /* Fresh records start with no child and no dates. */
                switch (k) {
                        case MF_ITEM_CONTACT: {
                                mf_contact_t *c = mf_store_item(st, k, slot);
                                c->child = MF_SLOT_NONE;
                                c->received_at = c->due_at = c->decided_at =
                                    MF_INSTANT_NONE;
                                c->birth_date = MF_DATE_NONE;
                                break;
                        }
                        case MF_ITEM_REFERRAL: {
                                mf_referral_t *r = mf_store_item(st, k, slot);
                                r->child = r->next = MF_SLOT_NONE;
                                r->date = r->prev_date = MF_DATE_NONE;
                                r->seq = st->seq++;
                                break;
                        }
                        case MF_ITEM_ASSESSMENT: {
                                mf_assessment_t *a = mf_store_item(st, k, slot);
                                a->child = MF_SLOT_NONE;
                                a->start = a->authorised = MF_DATE_NONE;
                                break;
                        }
                        case MF_ITEM_S47: {
                                mf_s47_t *s = mf_store_item(st, k, slot);
                                s->child = MF_SLOT_NONE;
                                s->strategy = s->completed = s->icpc = MF_DATE_NONE;
                                break;
                        }
                        default:
                                break;
                }
        }
        return slot;
}

static uint32_t *child_field(mf_store_t *st, mf_item_kind_t k, uint32_t slot) {
        switch (k) {
                case MF_ITEM_CONTACT:
                        return &((mf_contact_t *)mf_store_item(st, k, slot))->child;
                case MF_ITEM_REFERRAL:
                        return &((mf_referral_t *)mf_store_item(st, k, slot))->child;
                case MF_ITEM_ASSESSMENT:
                        return &((mf_assessment_t *)mf_store_item(st, k, slot))->child;
                case MF_ITEM_S47:
                        return &((mf_s47_t *)mf_store_item(st, k, slot))->child;
                default:
                        return NULL;
        }
}

static void unlink_referral(mf_store_t *st, uint32_t child, uint32_t slot) {
        uint32_t *link = &mf_store_child(st, child)->referrals;
        while (*link != MF_SLOT_NONE) {
                mf_referral_t *r = mf_store_item(st, MF_ITEM_REFERRAL, *link);
                if (*link == slot) {
                        *link = r->next;
                        r->next = MF_SLOT_NONE;
                        return;
                }
                link = &r->next;
        }
}

static void release_child(mf_store_t *st, uint32_t child) {
        mf_child_t *c = mf_store_child(st, child);
        mf_strpool_release(st->strings, c->id);
        c->id = NULL;
        mf_slab_release(&st->children.slab, child);
        /* The index entry stays until the next sweep rebuilds the index; a
         * free slot's NULL id never compares equal, so it is never found. */
}

static void deref_child(mf_store_t *st, uint32_t child) {
        mf_child_t *c = mf_store_child(st, child);
        if (--c->refs == 0)
                release_child(st, child);
}

mf_err_t mf_store_set_child(mf_store_t *st, mf_item_kind_t k, uint32_t slot,
                            mf_str_t id) {
        uint32_t old = *child_field(st, k, slot);
        if (old != MF_SLOT_NONE &&
            mf_str_eq(mf_strpool_get(mf_store_child(st, old)->id), id))
                return MF_OK;
        bool created;
        uint32_t child = table_get(st, &st->children, id, &created);
        if (child == MF_SLOT_NONE)
                return MF_ERR_NOMEM;
        mf_child_t *c = mf_store_child(st, child);
        if (created) {
                c->referrals = MF_SLOT_NONE;
                c->birth_date = MF_DATE_NONE;
                c->gender_at = c->birth_at = c->eth_at = c->dis_at = MF_INSTANT_NONE;
        }
        c->refs++;
        if (k == MF_ITEM_REFERRAL) {
                if (old != MF_SLOT_NONE)
                        unlink_referral(st, old, slot);
                mf_referral_t *r = mf_store_item(st, k, slot);
                r->next = c->referrals;
                c->referrals = slot;
        }
        *child_field(st, k, slot) = child;
        if (old != MF_SLOT_NONE)
                deref_child(st, old);
        return MF_OK;
}

uint8_t mf_store_source(mf_store_t *st, mf_str_t code) {
        if (code.len == 0)
                return MF_SOURCE_NONE;
        for (unsigned i = 1; i < st->nsources; i++)
                if (mf_str_eq(mf_strpool_get(st->sources[i]), code))
                        return (uint8_t)i;
        if (st->nsources > MF_SOURCE_MAX)
                return MF_SOURCE_MAX;
        const char *copy = mf_strpool_put(st->strings, code);
        if (!copy)
                return MF_SOURCE_NONE;
        st->sources[st->nsources] = copy;
        return (uint8_t)st->nsources++;
}

mf_str_t mf_store_source_name(const mf_store_t *st, uint8_t source) {
        if (source == MF_SOURCE_NONE || source >= st->nsources)
                return MF_STR_LIT("not_recorded");
        return mf_strpool_get(st->sources[source]);
}

mf_err_t mf_store_set_str(mf_store_t *st, const char **slot, mf_str_t s) {
        if (*slot && mf_str_eq(mf_strpool_get(*slot), s))
                return MF_OK;
        const char *copy = NULL;
        if (s.len && !(copy = mf_strpool_put(st->strings, s)))
                return MF_ERR_NOMEM;
        mf_strpool_release(st->strings, *slot);
        *slot = copy;
        return MF_OK;
}

void mf_store_child_demographics(mf_store_t *st, uint32_t child, const mf_event_t *ev) {
        mf_child_t *c = mf_store_child(st, child);
        mf_instant_t at = ev->u.contact.received_at;
        if (ev->u.contact.gender != MF_GENDER_NONE && at >= c->gender_at) {
                c->gender = (uint8_t)ev->u.contact.gender;
                c->gender_at = at;
        }
        if (ev->u.contact.birth_date != MF_DATE_NONE && at >= c->birth_at) {
                c->birth_date = ev->u.contact.birth_date;
                c->birth_at = at;
        }
        if (ev->u.contact.ethnicity.len && at >= c->eth_at) {
                c->ethnicity = (uint8_t)mf_ethnicity_group(ev->u.contact.ethnicity);
                c->eth_at = at;
        }
        if (ev->u.contact.disability != MF_TRI_NONE && at >= c->dis_at) {
                c->disability = (uint8_t)ev->u.contact.disability;
                c->dis_at = at;
        }
}

static mf_date_t max_date(mf_date_t a, mf_date_t b) {
        return a > b ? a : b;
}

static mf_date_t latest_date(const mf_store_t *st, mf_item_kind_t k, uint32_t slot) {
        switch (k) {
                case MF_ITEM_CONTACT: {
                        const mf_contact_t *c = mf_store_item(st, k, slot);
                        mf_date_t d = MF_DATE_NONE;
                        if (c->received_at != MF_INSTANT_NONE)
                                d = mf_civil_date(c->received_at);
                        if (c->decided_at != MF_INSTANT_NONE)
                                d = max_date(d, mf_civil_date(c->decided_at));
                        return d;
                }
                case MF_ITEM_REFERRAL:
                        return ((const mf_referral_t *)mf_store_item(st, k, slot))->date;
                case MF_ITEM_ASSESSMENT: {
                        const mf_assessment_t *a = mf_store_item(st, k, slot);
                        return max_date(a->start, a->authorised);
                }
                case MF_ITEM_S47: {
                        const mf_s47_t *s = mf_store_item(st, k, slot);
                        return max_date(max_date(s->strategy, s->completed), s->icpc);
                }
                default:
                        return MF_DATE_NONE;
        }
}

static void release_item(mf_store_t *st, mf_item_kind_t k, uint32_t slot) {
        uint32_t child = *child_field(st, k, slot);
        const char **extra = NULL;
        switch (k) {
                case MF_ITEM_REFERRAL:
                        extra =
                            &((mf_referral_t *)mf_store_item(st, k, slot))->contact_id;
                        if (child != MF_SLOT_NONE)
                                unlink_referral(st, child, slot);
                        break;
                case MF_ITEM_ASSESSMENT:
                        extra =
                            &((mf_assessment_t *)mf_store_item(st, k, slot))->referral_id;
                        break;
                case MF_ITEM_S47:
                        extra = &((mf_s47_t *)mf_store_item(st, k, slot))->referral_id;
                        break;
                default:
                        break;
        }
        if (extra) {
                mf_strpool_release(st->strings, *extra);
                *extra = NULL;
        }
        const char **id = id_of(&st->items[k].slab, slot);
        mf_strpool_release(st->strings, *id);
        *id = NULL;
        mf_slab_release(&st->items[k].slab, slot);
        if (child != MF_SLOT_NONE)
                deref_child(st, child);
}

static mf_err_t reindex(mf_table_t *t) {
        mf_index_clear(&t->ix);
        for (uint32_t s = 0; s < t->slab.len; s++) {
                const char *id = *id_of(&t->slab, s);
                if (!id)
                        continue;
                mf_err_t rc = mf_index_insert(&t->ix, mf_hash(mf_strpool_get(id)), s);
                if (rc != MF_OK)
                        return rc;
        }
        return MF_OK;
}

mf_err_t mf_store_sweep(mf_store_t *st, mf_date_t first_kept) {
        for (int k = 0; k < MF_ITEM__COUNT; k++) {
                mf_slab_t *slab = &st->items[k].slab;
                for (uint32_t s = 0; s < slab->len; s++) {
                        if (!*id_of(slab, s))
                                continue;
                        mf_date_t d = latest_date(st, (mf_item_kind_t)k, s);
                        if (d < first_kept)
                                release_item(st, (mf_item_kind_t)k, s);
                }
        }
        mf_err_t rc = reindex(&st->children);
        for (int k = 0; rc == MF_OK && k < MF_ITEM__COUNT; k++)
                rc = reindex(&st->items[k]);
        if (rc == MF_OK)
                rc = mf_seen_sweep(&st->seen, first_kept);
        return rc;
}

size_t mf_store_count(const mf_store_t *st, mf_item_kind_t k) {
        return mf_slab_live(&st->items[k].slab);
}

size_t mf_store_children(const mf_store_t *st) {
        return mf_slab_live(&st->children.slab);
}

size_t mf_store_bytes(const mf_store_t *st) {
        size_t n = sizeof(*st) + mf_strpool_bytes(st->strings) + mf_seen_bytes(&st->seen);
        n += (size_t)st->children.slab.cap * st->children.slab.elsize +
             mf_index_bytes(&st->children.ix);
        for (int k = 0; k < MF_ITEM__COUNT; k++)
                n += (size_t)st->items[k].slab.cap * st->items[k].slab.elsize +
                     mf_index_bytes(&st->items[k].ix);
        return n;
}

/* ---- snapshots ---- */

/* The string handles of each record type, after its id. */
static const size_t child_strs[] = {offsetof(mf_child_t, id)};
static const size_t item_strs[MF_ITEM__COUNT][2] = {
    {offsetof(mf_contact_t, id)},
    {offsetof(mf_referral_t, id), offsetof(mf_referral_t, contact_id)},
    {offsetof(mf_assessment_t, id), offsetof(mf_assessment_t, referral_id)},
    {offsetof(mf_s47_t, id), offsetof(mf_s47_t, referral_id)}};
static const size_t item_nstrs[MF_ITEM__COUNT] = {1, 2, 2, 2};

void mf_store_save(const mf_store_t *st, mf_snap_writer_t *w) {
        mf_snap_u64(w, st->seq);
        mf_snap_u32(w, st->stamp);
        mf_snap_u32(w, st->timer_stamps);
        mf_snap_u32(w, st->nsources);
        for (unsigned i = 1; i < st->nsources; i++)
                mf_snap_handle(w, st->sources[i]);
        mf_slab_save(&st->children.slab, child_strs, 1, w);
        for (int k = 0; k < MF_ITEM__COUNT; k++)
                mf_slab_save(&st->items[k].slab, item_strs[k], item_nstrs[k], w);
        mf_seen_save(&st->seen, w);
        mf_deadlines_save(&st->timers, w);
}

static bool slot_ok(uint32_t slot, const mf_slab_t *s) {
        return slot == MF_SLOT_NONE || slot < s->len;
}

/* What a loaded field may hold. Records are loaded as bytes, so a damaged
 * snapshot could put 22 in a bool or a date a million years out: every
 * field whose value the pipeline branches on or computes with is checked
 * (through its bytes, since reading a bad bool is itself undefined). */
typedef enum { F_BOOL, F_BYTE, F_DATE, F_INSTANT } field_kind_t;

typedef struct {
        size_t off;
        field_kind_t kind;
        unsigned max; /* F_BYTE: largest value */
} field_t;

#define F(type, field, kind, max) \
        { offsetof(type, field), kind, max }

static const field_t child_fields[] = {
    F(mf_child_t, birth_date, F_DATE, 0),
    F(mf_child_t, gender_at, F_INSTANT, 0),
    F(mf_child_t, birth_at, F_INSTANT, 0),
    F(mf_child_t, eth_at, F_INSTANT, 0),
    F(mf_child_t, dis_at, F_INSTANT, 0),
    F(mf_child_t, gender, F_BYTE, MF_GENDER_U),
    F(mf_child_t, ethnicity, F_BYTE, MF_ETH__COUNT - 1),
    F(mf_child_t, disability, F_BYTE, MF_TRI_TRUE)};
static const field_t contact_fields[] = {
    F(mf_contact_t, opened, F_BOOL, 0),
    F(mf_contact_t, received_at, F_INSTANT, 0),
    F(mf_contact_t, due_at, F_INSTANT, 0),
    F(mf_contact_t, decided_at, F_INSTANT, 0),
    F(mf_contact_t, outcome, F_BYTE, MF_OUTCOME__COUNT - 1),
    F(mf_contact_t, gender, F_BYTE, MF_GENDER_U),
    F(mf_contact_t, ethnicity, F_BYTE, MF_ETH__COUNT - 1),
    F(mf_contact_t, disability, F_BYTE, MF_TRI_TRUE),
    F(mf_contact_t, birth_date, F_DATE, 0)};
static const field_t referral_fields[] = {
    F(mf_referral_t, date, F_DATE, 0), F(mf_referral_t, nfa, F_BOOL, 0),
    F(mf_referral_t, emitted, F_BOOL, 0), F(mf_referral_t, prev_date, F_DATE, 0)};
static const field_t assessment_fields[] = {
    F(mf_assessment_t, opened, F_BOOL, 0), F(mf_assessment_t, start, F_DATE, 0),
    F(mf_assessment_t, authorised, F_DATE, 0),
    F(mf_assessment_t, child_seen, F_BYTE, MF_TRI_TRUE),
    F(mf_assessment_t, outcome, F_BYTE, MF_AOUTCOME__COUNT - 1)};
static const field_t s47_fields[] = {
    F(mf_s47_t, opened, F_BOOL, 0),    F(mf_s47_t, strategy, F_DATE, 0),
    F(mf_s47_t, completed, F_DATE, 0), F(mf_s47_t, icpc_required, F_BYTE, MF_TRI_TRUE),
    F(mf_s47_t, icpc, F_DATE, 0),      F(mf_s47_t, cp_plan, F_BOOL, 0)};

static const struct {
        const field_t *f;
        size_t n;
} item_fields[MF_ITEM__COUNT] = {{contact_fields, MF_ARRAY_LEN(contact_fields)},
                                 {referral_fields, MF_ARRAY_LEN(referral_fields)},
                                 {assessment_fields, MF_ARRAY_LEN(assessment_fields)},
                                 {s47_fields, MF_ARRAY_LEN(s47_fields)}};

static bool fields_ok(const mf_slab_t *slab, const field_t *f, size_t n) {
        for (uint32_t s = 0; s < slab->len; s++) {
                const char *rec = mf_slab_at(slab, s);
                for (size_t i = 0; i < n; i++) {
                        uint8_t b;
                        int32_t d;
                        int64_t t;
                        switch (f[i].kind) {
                                case F_BOOL:
                                case F_BYTE:
                                        memcpy(&b, rec + f[i].off, 1);
                                        if (b > (f[i].kind == F_BOOL ? 1u : f[i].max))
                                                return false;
                                        break;
                                case F_DATE:
                                        memcpy(&d, rec + f[i].off, sizeof(d));
                                        if (!mf_snap_date_ok(d))
                                                return false;
                                        break;
                                case F_INSTANT:
                                        memcpy(&t, rec + f[i].off, sizeof(t));
                                        if (!mf_snap_instant_ok(t))
                                                return false;
                                        break;
                        }
                }
        }
        return true;
}

/* Every slot a record names is one its table has, and every field holds
 * what its type allows: a damaged snapshot must fail here, not index past a
 * slab or compute with nonsense later. Clears the figures' scratch too. */
static bool check_loaded(mf_store_t *st) {
        if (!fields_ok(&st->children.slab, child_fields, MF_ARRAY_LEN(child_fields)))
                return false;
        for (int k = 0; k < MF_ITEM__COUNT; k++)
                if (!fields_ok(&st->items[k].slab, item_fields[k].f, item_fields[k].n))
                        return false;
        const mf_slab_t *children = &st->children.slab;
        const mf_slab_t *refs = &st->items[MF_ITEM_REFERRAL].slab;
        for (uint32_t s = 0; s < children->len; s++)
                if (!slot_ok(mf_store_child(st, s)->referrals, refs))
                        return false;
        for (uint32_t s = 0; s < refs->len; s++) {
                const mf_referral_t *r = mf_store_item(st, MF_ITEM_REFERRAL, s);
                if (!slot_ok(r->next, refs))
                        return false;
        }
        for (int k = 0; k < MF_ITEM__COUNT; k++)
                for (uint32_t s = 0; s < st->items[k].slab.len; s++)
                        if (!slot_ok(*child_field(st, (mf_item_kind_t)k, s), children))
                                return false;
        for (size_t i = 0; i < st->timers.n; i++) {
                const mf_timer_t *t = &st->timers.h[i];
                if (t->item >= MF_ITEM__COUNT || t->slot >= st->items[t->item].slab.len ||
                    t->alert >= MF_ALERT__COUNT || t->at == MF_INSTANT_NONE ||
                    !mf_snap_instant_ok(t->at))
                        return false;
        }
        for (uint32_t i = 0; i < st->seen.cap; i++)
                if (st->seen.e[i].a && !mf_snap_date_ok(st->seen.e[i].date))
                        return false;
        /* A figure's scratch is valid only under the stamp it was set
         * with, and every computation takes a new one: marked with the
         * spent stamp, a damaged `latest` is never read. */
        for (uint32_t s = 0; s < st->children.slab.len; s++)
                mf_store_child(st, s)->mark = st->stamp;
        return true;
}

bool mf_store_empty(const mf_store_t *st) {
        bool empty = st->nsources == 1 && st->seq == 0 && st->seen.len == 0 &&
                     st->timers.n == 0 && st->children.slab.len == 0;
        for (int k = 0; k < MF_ITEM__COUNT; k++)
                empty = empty && st->items[k].slab.len == 0;
        return empty;
}

bool mf_store_load(mf_store_t *st, mf_snap_reader_t *r) {
        if (!mf_store_empty(st))
                return mf_snap_fail(r, "store not empty");
        st->seq = mf_snap_get_u64(r);
        st->stamp = mf_snap_get_u32(r);
        st->timer_stamps = mf_snap_get_u32(r);
        uint32_t nsources = mf_snap_get_u32(r);
        if (r->bad)
                return false;
        if (nsources < 1 || nsources > MF_SOURCE_MAX + 1)
                return mf_snap_fail(r, "source count out of range");
        for (; st->nsources < nsources; st->nsources++) {
                bool null;
                mf_str_t code = mf_snap_get_str(r, &null);
                if (r->bad)
                        return false;
                if (null ||
                    !(st->sources[st->nsources] = mf_strpool_put(st->strings, code)))
                        return mf_snap_fail(r, null ? "source code missing"
                                                    : "out of memory");
        }
        if (!mf_slab_load(&st->children.slab, child_strs, 1, st->strings, r))
                return false;
        for (int k = 0; k < MF_ITEM__COUNT; k++)
                if (!mf_slab_load(&st->items[k].slab, item_strs[k], item_nstrs[k],
                                  st->strings, r))
                        return false;
        if (!mf_seen_load(&st->seen, r) || !mf_deadlines_load(&st->timers, r))
                return false;
        if (!check_loaded(st))
                return mf_snap_fail(r, "a record names a slot out of range");
        /* The indexes are not saved: they follow from the records. */
        bool ok = reindex(&st->children) == MF_OK;
        for (int k = 0; ok && k < MF_ITEM__COUNT; k++)
                ok = reindex(&st->items[k]) == MF_OK;
        return ok || mf_snap_fail(r, "out of memory");
}
