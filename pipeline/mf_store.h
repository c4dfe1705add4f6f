/*
 * mf_store.h — the state of one local authority: its children and its open
 * and recent items (contacts, referrals, assessments, S47 enquiries).
 *
 * Every input event is about one item, named by its item id; a later event
 * for the same item id is a correction and replaces what that event type
 * carried. The store keeps each item's latest values, and the child each item
 * belongs to. An item's child is set by its opening event (contact, referral,
 * assessment_started, s47_started); a closing event that arrives first sets it
 * until the opener comes.
 *
 * Records live in slabs and refer to each other by slot number. Children are
 * reference-counted by the items that name them and released with the last
 * one. mf_store_sweep releases every item whose latest date is before the
 * horizon, so memory follows the 24-month window, not the stream's length.
 *
 * Child demographics (gender, birth date, ethnicity, disability) arrive only
 * on contacts. A child's are taken, field by field, from their latest contact
 * (by received_at) that carries the field; referrals, assessments and S47s are
 * broken down by them.
 */
#ifndef MF_STORE_H
#define MF_STORE_H

#include "mf_deadline.h"
#include "mf_event.h"
#include "mf_index.h"
#include "mf_pool.h"

/* CIN ethnicity groups, as ChAT shows them. */
typedef enum {
        MF_ETH_NOT_RECORDED = 0, /* NOBT, missing, or a code outside the CIN list */
        MF_ETH_WHITE,
        MF_ETH_MIXED,
        MF_ETH_ASIAN,
        MF_ETH_BLACK,
        MF_ETH_OTHER,
        MF_ETH_NOT_STATED, /* REFU */
        MF_ETH__COUNT
} mf_ethnicity_t;

mf_ethnicity_t mf_ethnicity_group(mf_str_t code);

/* Source codes are interned per store: 0 is "not recorded". */
#define MF_SOURCE_NONE 0
#define MF_SOURCE_MAX  255

typedef struct {
        const char *id;
        uint32_t referrals; /* head of this child's referral list (slots) */
        uint32_t refs;      /* items naming this child */
        mf_date_t birth_date;
        mf_instant_t gender_at, birth_at, eth_at, dis_at; /* which contact set each */
        uint8_t gender;                                   /* mf_gender_t */
        uint8_t ethnicity;                                /* mf_ethnicity_t */
        uint8_t disability;                               /* mf_tri_t */
        /* Scratch for figures: valid when mark == the computation's stamp. */
        uint32_t mark;
        uint32_t count;
        uint32_t latest; /* a referral slot */
} mf_child_t;

typedef struct {
        const char *id;
        uint32_t child;
        bool opened;              /* the contact event itself has arrived */
        mf_instant_t received_at; /* MF_INSTANT_NONE until opened */
        mf_instant_t due_at;      /* decision due (DOMAIN.md), when opened */
        mf_instant_t decided_at;  /* MF_INSTANT_NONE: no decision */
        uint8_t outcome;          /* mf_decision_outcome_t */
        uint8_t source;
        uint8_t gender, ethnicity, disability;
        mf_date_t birth_date;
        uint32_t stamp; /* timers set with another stamp are stale */
        uint8_t raised; /* alerts raised, a bit per mf_alert_kind_t */
} mf_contact_t;

typedef struct {
        const char *id;
        const char *contact_id; /* NULL when not sent */
        uint32_t child;
        uint32_t next; /* next referral of the same child */
        uint64_t seq;  /* order of first arrival, for two referrals on one date */
        mf_date_t date;
        uint8_t source;
        bool nfa;
        /* The answer last emitted in a referral_enriched record. */
        bool emitted;
        uint16_t prev12;
        mf_date_t prev_date; /* MF_DATE_NONE: no previous referral */
        uint32_t revision;
} mf_referral_t;

typedef struct {
        const char *id;
        const char *referral_id;
        uint32_t child;
        bool opened;
        mf_date_t start;      /* MF_DATE_NONE until opened */
        mf_date_t authorised; /* MF_DATE_NONE: open */
        uint8_t child_seen;   /* mf_tri_t */
        uint8_t outcome;      /* mf_assessment_outcome_t */
        uint32_t stamp;
        uint8_t raised;
} mf_assessment_t;

typedef struct {
        const char *id;
        const char *referral_id;
        uint32_t child;
        bool opened;
        mf_date_t strategy;    /* MF_DATE_NONE until opened */
        mf_date_t completed;   /* s47_outcome's date, MF_DATE_NONE: none yet */
        uint8_t icpc_required; /* mf_tri_t */
        mf_date_t icpc;        /* MF_DATE_NONE: no ICPC yet */
        bool cp_plan;
        uint32_t stamp;
        uint8_t raised;
} mf_s47_t;

typedef enum {
        MF_ITEM_CONTACT = 0,
        MF_ITEM_REFERRAL,
        MF_ITEM_ASSESSMENT,
        MF_ITEM_S47,
        MF_ITEM__COUNT
} mf_item_kind_t;

typedef struct {
        mf_slab_t slab;
        mf_index_t ix;
} mf_table_t;

typedef struct mf_store_s {
        char la[MF_LA_MAX + 1];
        mf_strpool_t *strings;
        mf_table_t children;
        mf_table_t items[MF_ITEM__COUNT];
        mf_seen_t seen;
        uint64_t seq;
        /* Interned source codes; sources[0] is unused ("not recorded"). */
        const char *sources[MF_SOURCE_MAX + 1];
        unsigned nsources;
        uint32_t stamp;        /* for mf_child_t.mark */
        mf_deadlines_t timers; /* timeliness alerts of this authority's items */
        uint32_t timer_stamps; /* the last stamp given to an item */
} mf_store_t;

mf_store_t *mf_store_new(mf_str_t la);
void mf_store_free(mf_store_t *st);

static inline mf_child_t *mf_store_child(const mf_store_t *st, uint32_t slot) {
        return mf_slab_at(&st->children.slab, slot);
}
static inline void *mf_store_item(const mf_store_t *st, mf_item_kind_t k, uint32_t slot) {
        return mf_slab_at(&st->items[k].slab, slot);
}
/* The id of a live slot of the given kind; NULL for a free slot. */
const char *mf_store_item_id(const mf_store_t *st, mf_item_kind_t k, uint32_t slot);

/* Finds an item by id; MF_SLOT_NONE when absent. */
uint32_t mf_store_find(const mf_store_t *st, mf_item_kind_t k, mf_str_t id);
/* Finds or creates an item; *created says which. MF_SLOT_NONE on ENOMEM. */
uint32_t mf_store_get(mf_store_t *st, mf_item_kind_t k, mf_str_t id, bool *created);
/* Points an item at a child (by id), moving the reference from its previous
 * child and keeping referral lists in step. */
mf_err_t mf_store_set_child(mf_store_t *st, mf_item_kind_t k, uint32_t slot,
                            mf_str_t child);
/* Interns a source code; MF_SOURCE_NONE for an empty view. Past 255 distinct
 * codes, new codes count as the last one interned ("other"). */
uint8_t mf_store_source(mf_store_t *st, mf_str_t code);
mf_str_t mf_store_source_name(const mf_store_t *st, uint8_t source);
/* Copies a string into the store's pool, replacing *slot's old one. */
mf_err_t mf_store_set_str(mf_store_t *st, const char **slot, mf_str_t s);
/* Updates a child's demographics from a contact received at `at`. */
void mf_store_child_demographics(mf_store_t *st, uint32_t child,
                                 const mf_event_t *contact);

/* Releases every item whose latest date is before first_kept, every child
 * left without items, and every event id dated before first_kept. */
mf_err_t mf_store_sweep(mf_store_t *st, mf_date_t first_kept);
/* Live records, for tests and memory figures. */
size_t mf_store_count(const mf_store_t *st, mf_item_kind_t k);
size_t mf_store_children(const mf_store_t *st);
size_t mf_store_bytes(const mf_store_t *st);

/* Snapshots (mf_snapshot.h): everything but the authority's code, which the
 * pipeline writes first. Loading needs a store that has taken no event;
 * false (and r marked bad) on a malformed snapshot or ENOMEM. */
void mf_store_save(const mf_store_t *st, mf_snap_writer_t *w);
/* Whether the store has taken no event (it may have a population). */
bool mf_store_empty(const mf_store_t *st);
bool mf_store_load(mf_store_t *st, mf_snap_reader_t *r);

#endif
