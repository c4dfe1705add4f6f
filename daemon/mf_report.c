#include "mf_report.h"

#include <string.h>

#include "mf_time.h"

/* 10174 -> "10,174" */
static const char *thousands(uint64_t v, char *buf) {
        char tmp[32];
        int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
        int o = 0;
        for (int i = 0; i < n; i++) {
                if (i && (n - i) % 3 == 0)
                        buf[o++] = ',';
                buf[o++] = tmp[i];
        }
        buf[o] = '\0';
        return buf;
}

/* dd/mm/yyyy, as ChAT writes dates. */
static const char *uk_date(mf_date_t d, char *buf) {
        int y, m, dd;
        mf_date_to_ymd(d, &y, &m, &dd);
        snprintf(buf, 16, "%02d/%02d/%04d", dd, m, y);
        return buf;
}

static void row_count(FILE *out, const char *label, uint64_t v) {
        char b[32];
        fprintf(out, "  %-52s %10s\n", label, thousands(v, b));
}

static void row_pct(FILE *out, const char *label, mf_ratio_t r) {
        double pct;
        char a[32], b[32];
        if (!mf_ratio_pct(r, &pct)) {
                fprintf(out, "  %-52s %10s\n", label, "-");
                return;
        }
        fprintf(out, "  %-52s %9.1f%%   (%s of %s)\n", label, pct, thousands(r.num, a),
                thousands(r.den, b));
}

void mf_report_print(FILE *out, const mf_indicators_t *d) {
        char d1[16], d2[16], b[5][32];
        double mean;
        fprintf(out, "\nHeadline figures — local authority %s — as of %s\n", d->la,
                uk_date(d->as_of, d1));
        fprintf(out, "Last 6 months: from %s to %s\n",
                uk_date(mf_window_start(d->as_of, 6), d1), uk_date(d->as_of, d2));

        fprintf(out, "\nContacts\n");
        row_count(out, "Contacts in the last 6 months", d->contacts_6m);
        row_count(out, "Children with multiple contacts in the period",
                  d->children_multiple_contacts_6m);
        row_pct(out, "Decisions made within one working day",
                d->contact_decisions_in_time_6m);
        row_pct(out, "Contacts with a decision that became referrals",
                d->contact_to_referral_6m);
        row_count(out, "Contacts awaiting a decision past due (now)",
                  d->contact_decisions_overdue);

        fprintf(out, "\nReferrals\n");
        row_count(out, "Referrals in the last 6 months", d->referrals_6m);
        row_count(out, "Referrals ending in no further action", d->referrals_nfa_6m);
        row_pct(out, "Re-referrals within 12 months", d->rereferral_6m);
        row_pct(out, "Children whose latest referral is a re-referral",
                d->rereferral_children_6m);
        const uint32_t *p = d->children_by_previous_referrals_6m;
        fprintf(out, "  Children by previous referrals within 12 months\n");
        fprintf(
            out,
            "    First referral %s | 1 prev %s | 2 prev %s | 3 prev %s | 4+ prev %s\n",
            thousands(p[0], b[0]), thousands(p[1], b[1]), thousands(p[2], b[2]),
            thousands(p[3], b[3]), thousands(p[4], b[4]));

        fprintf(out, "\nSocial care assessments\n");
        row_count(out, "Total assessments (started in the period, or open)",
                  d->assessments_6m);
        row_count(out, "Assessments completed in the last 6 months",
                  d->assessments_completed_6m);
        row_count(out, "Ongoing assessments", d->assessments_open);
        row_pct(out, "Completed within 45 working days", d->assessments_in_time_6m);
        if (mf_indicators_mean_wd(d, &mean))
                fprintf(out, "  %-52s %10.1f\n",
                        "Average duration of completed (working days)", mean);
        else
                fprintf(out, "  %-52s %10s\n",
                        "Average duration of completed (working days)", "-");
        row_count(out, "Open assessments past 45 working days (now)",
                  d->assessments_overdue);
        row_count(out, "Date errors (authorised before started)",
                  d->assessment_date_errors_6m);

        fprintf(out, "\nSection 47 enquiries and initial child protection conferences\n");
        row_count(out, "Section 47 enquiries in the last 6 months", d->s47_6m);
        row_count(out, "ICPCs that started from an S47 in the last 6 months", d->icpc_6m);
        row_pct(out, "ICPCs within 15 working days of the strategy discussion",
                d->icpc_in_time_6m);
        row_count(out, "S47s awaiting an ICPC past 15 working days (now)",
                  d->icpc_overdue);
        row_count(out, "Date errors (ICPC before strategy discussion)",
                  d->icpc_date_errors_6m);

        const uint32_t *g = d->breakdown[MF_BD_CONTACTS].gender;
        uint32_t n = g[0] + g[1] + g[2];
        if (n) {
                fprintf(out,
                        "\nContacts by gender: %s males (%.0f%%), %s females (%.0f%%), "
                        "%s other "
                        "(%.0f%%)\n",
                        thousands(g[0], b[0]), 100.0 * g[0] / n, thousands(g[1], b[1]),
                        100.0 * g[1] / n, thousands(g[2], b[2]), 100.0 * g[2] / n);
        }
}

void mf_report_compact_head(FILE *out, mf_date_t as_of) {
        char d1[16];
        fprintf(out, "\nHeadline figures as of %s (last 6 months)\n", uk_date(as_of, d1));
        fprintf(out, "%-8s %9s %9s %7s %11s %9s %7s %8s %7s %7s %8s\n", "la", "contacts",
                "referrals", "re-ref", "assessments", "completed", "open", "in 45wd",
                "S47", "ICPCs", "in 15wd");
}

static void pct_cell(FILE *out, mf_ratio_t r, int width) {
        double pct;
        if (mf_ratio_pct(r, &pct))
                fprintf(out, " %*.1f%%", width - 1, pct);
        else
                fprintf(out, " %*s", width, "-");
}

void mf_report_compact_row(FILE *out, const mf_indicators_t *d) {
        fprintf(out, "%-8s %9u %9u", d->la, d->contacts_6m, d->referrals_6m);
        pct_cell(out, d->rereferral_6m, 7);
        fprintf(out, " %11u %9u %7u", d->assessments_6m, d->assessments_completed_6m,
                d->assessments_open);
        pct_cell(out, d->assessments_in_time_6m, 8);
        fprintf(out, " %7u %7u", d->s47_6m, d->icpc_6m);
        pct_cell(out, d->icpc_in_time_6m, 8);
        fputc('\n', out);
}
