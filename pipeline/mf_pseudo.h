/*
 * mf_pseudo.h — keyed pseudonyms for child identifiers on output topics.
 *
 * A pseudonym is HMAC-SHA-256 (OpenSSL) of the raw identifier's bytes under a
 * secret key, written as 64 lowercase hex digits. The same key gives the same
 * pseudonym for a child in every record and on every instance of a
 * deployment, so a warehouse can still count and join by child; without the
 * key the raw identifier cannot be recovered or confirmed by guessing.
 *
 * The key is read from a file that must be a regular file readable by its
 * owner only (no group or world permission bits): anything else is refused.
 * The key is the file's bytes, less one trailing newline (so the output of
 * `openssl rand -hex 32` works as it is), and at least MF_PSEUDO_KEY_MIN
 * bytes long.
 */
#ifndef MF_PSEUDO_H
#define MF_PSEUDO_H

#include <stddef.h>

#include "mf_common.h"

#define MF_PSEUDO_KEY_MIN 16
#define MF_PSEUDO_KEY_MAX 1024
#define MF_PSEUDO_LEN     64 /* hex digits of a pseudonym */

typedef struct {
        unsigned char key[MF_PSEUDO_KEY_MAX];
        size_t key_len;
} mf_pseudo_t;

/* Reads the key from path. On failure returns an error and writes why (no
 * key material) to why. */
mf_err_t mf_pseudo_load(mf_pseudo_t *p, const char *path, char *why, size_t whylen);
/* Writes id's pseudonym, MF_PSEUDO_LEN hex digits and a NUL, to out. */
void mf_pseudo_apply(const mf_pseudo_t *p, mf_str_t id, char out[MF_PSEUDO_LEN + 1]);
/* Overwrites the key in memory. */
void mf_pseudo_clear(mf_pseudo_t *p);

#endif
