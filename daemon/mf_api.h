/*
 * mf_api.h — what the daemon's HTTP endpoint serves.
 *
 *   /            the dashboard (one self-contained page)
 *   /metrics     Prometheus text exposition
 *   /healthz     the loop is alive
 *   /readyz      every assigned partition live and a broker reachable
 *   /indicators  every authority's indicators records (?as_of=YYYY-MM-DD)
 *   /trend       contacts, referrals and re-referrals per month (?months=N)
 *   /deadlines   open items nearest their deadline (?limit=N)
 *
 * Bodies that depend only on state (all but /healthz and /readyz) are
 * computed at most once a second and shared by every client in that second,
 * so a crowd of scrapers costs the pipeline no more than one.
 */
#ifndef MF_API_H
#define MF_API_H

#include "mf_http.h"
#include "mf_run_int.h"

mf_api_t *mf_api_new(mf_run_t *run);
void mf_api_free(mf_api_t *api);
/* The mf_http_handler_t of the endpoint; opaque is the mf_api_t. */
void mf_api_handle(void *opaque, const mf_http_req_t *req, mf_http_resp_t *resp);

#endif
