/*
 * mf_report.h — the headline figures as a table for people, laid out like
 * the ChAT headline page that performance teams read today.
 */
#ifndef MF_REPORT_H
#define MF_REPORT_H

#include <stdio.h>

#include "mf_indicators.h"

/* One authority's figures, section by section. */
void mf_report_print(FILE *out, const mf_indicators_t *ind);
/* One line per authority (for many authorities); call head once first. */
void mf_report_compact_head(FILE *out, mf_date_t as_of);
void mf_report_compact_row(FILE *out, const mf_indicators_t *ind);

#endif
