/*
 * mf_output.h — output records (EVENTS.md "Outputs") and their encodings.
 *
 * The pipeline hands each output to a sink as an mf_output_t whose fields are
 * views into pipeline state, valid only during the sink call. The encoders
 * here turn one into a MessagePack map or a JSON line, and give its Kafka key;
 * the same record always encodes to the same bytes.
 */
#ifndef MF_OUTPUT_H
#define MF_OUTPUT_H

#include "mf_buf.h"
#include "mf_event.h"
#include "mf_indicators.h"

typedef enum {
        MF_OUT_REFERRAL = 0, /* referral_enriched */
        MF_OUT_INDICATORS,
        MF_OUT_DEADLETTER,
        MF_OUT_ALERT,
        MF_OUT__COUNT
} mf_output_kind_t;

typedef enum {
        MF_ALERT_DUE_SOON = 0,
        MF_ALERT_OVERDUE,
        MF_ALERT_COMPLETED_LATE,
        MF_ALERT__COUNT
} mf_alert_kind_t;

const char *mf_alert_kind_name(mf_alert_kind_t k);
/* "contact", "assessment" or "s47", by mf_item_kind_t. */
const char *mf_alert_item_type(int item_kind);

typedef struct {
        mf_str_t la;
        mf_alert_kind_t kind;
        int item_kind; /* mf_item_kind_t: contact, assessment or S47 */
        mf_str_t item_id;
        mf_str_t child;
        mf_instant_t started_at; /* contacts; MF_INSTANT_NONE otherwise */
        mf_date_t start_date;    /* assessments, S47s; MF_DATE_NONE otherwise */
        mf_instant_t due_at;
        int32_t working_days_elapsed;
        mf_instant_t raised_at;
} mf_alert_out_t;

/* The wire type name ("referral_enriched", "indicators", "deadletter"). */
const char *mf_output_type_name(mf_output_kind_t k);

typedef struct {
        mf_str_t la;
        mf_str_t referral_id;
        mf_str_t child;
        mf_date_t referral_date;
        mf_str_t source;     /* len 0: null */
        mf_str_t contact_id; /* len 0: null */
        bool nfa;
        uint32_t previous_referrals_12m;
        mf_date_t previous_referral_date; /* MF_DATE_NONE: null */
        uint32_t revision;
} mf_referral_out_t;

typedef struct {
        mf_str_t la; /* len 0: unknown (null) */
        mf_reason_t reason;
        const char *detail;
        mf_str_t topic;
        int32_t partition;
        int64_t offset;
        mf_str_t payload; /* the original bytes */
} mf_deadletter_out_t;

typedef struct {
        const mf_indicators_t *ind;
        const mf_store_t *store; /* names the source codes of the breakdowns */
        mf_instant_t computed_at;
} mf_indicators_out_t;

typedef struct {
        mf_output_kind_t kind;
        union {
                const mf_referral_out_t *referral;
                const mf_indicators_out_t *indicators;
                const mf_deadletter_out_t *deadletter;
                const mf_alert_out_t *alert;
        } u;
} mf_output_t;

/* Appends the record's Kafka key (EVENTS.md): la:referral_id, la,
 * topic:partition:offset, or la:item_type:item_id:kind. */
mf_err_t mf_output_key(mf_buf_t *out, const mf_output_t *o);
/* Appends the record as one JSON object and a newline. A dead letter's
 * payload is base64 in JSON. */
mf_err_t mf_output_json(mf_buf_t *out, const mf_output_t *o);
/* Appends the record as one MessagePack map; a dead letter's payload is bin. */
mf_err_t mf_output_msgpack(mf_buf_t *out, const mf_output_t *o);

/* What replaces a withheld figure: "c" (confidential), the mark the
 * Department for Education's published children's social care tables use. */
#define MF_OUTPUT_SUPPRESSED "c"

typedef struct {
        bool json; /* JSON (as mf_output_json) rather than MessagePack */
        /* Small-number suppression for indicators records that leave the
         * authority: a count from 1 to suppress_below - 1 becomes
         * MF_OUTPUT_SUPPRESSED, and so does every percentage, mean, ratio or
         * rate computed from such a count. 0 or 1: nothing is withheld.
         * Other record types are never changed. */
        uint32_t suppress_below;
} mf_output_opts_t;

/* Appends the record encoded as opts say. */
mf_err_t mf_output_encode(mf_buf_t *out, const mf_output_t *o,
                          const mf_output_opts_t *opts);

#endif
