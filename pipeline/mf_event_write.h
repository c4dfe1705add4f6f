/*
 * mf_event_write.h — encoding input events, the inverse of mf_event's
 * decoders: used by the generator and by tests that need wire bytes.
 *
 * Keys are written in EVENTS.md's order (v, type, id, la, child, then the
 * type's keys); optional fields that are not set are left out.
 */
#ifndef MF_EVENT_WRITE_H
#define MF_EVENT_WRITE_H

#include "mf_buf.h"
#include "mf_event.h"

/* Appends one MessagePack map. */
mf_err_t mf_event_write_msgpack(mf_buf_t *out, const mf_event_t *ev);
/* Appends one JSON object and a newline. */
mf_err_t mf_event_write_json(mf_buf_t *out, const mf_event_t *ev);

#endif
