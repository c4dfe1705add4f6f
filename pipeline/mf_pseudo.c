#include "mf_pseudo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

mf_err_t mf_pseudo_load(mf_pseudo_t *p, const char *path, char *why, size_t whylen) {
        memset(p, 0, sizeof(*p));
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
                return MF_ERR_IO;
        }
        /* The checks are made on the file opened, not on the name. */
        struct stat st;
        mf_err_t rc = MF_ERR_INVALID;
        if (fstat(fd, &st) != 0) {
                snprintf(why, whylen, "cannot stat %s: %s", path, strerror(errno));
                rc = MF_ERR_IO;
        } else if (!S_ISREG(st.st_mode)) {
                snprintf(why, whylen, "%s is not a regular file", path);
        } else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
                snprintf(why, whylen,
                         "%s is open to its group or to others (mode %03o); the key "
                         "must be readable by its owner only (chmod 600)",
                         path, (unsigned)(st.st_mode & 0777));
        } else {
                ssize_t n = read(fd, p->key, sizeof(p->key));
                char extra;
                if (n < 0) {
                        snprintf(why, whylen, "cannot read %s: %s", path,
                                 strerror(errno));
                        rc = MF_ERR_IO;
                } else if (n == (ssize_t)sizeof(p->key) && read(fd, &extra, 1) > 0) {
                        snprintf(why, whylen, "the key in %s is longer than %d bytes",
                                 path, MF_PSEUDO_KEY_MAX);
                } else {
                        size_t len = (size_t)n;
                        if (len && p->key[len - 1] == '\n')
                                len--;
                        if (len < MF_PSEUDO_KEY_MIN)
                                snprintf(why, whylen,
                                         "the key in %s is %zu bytes; at least %d are "
                                         "needed (for example: openssl rand -hex 32)",
                                         path, len, MF_PSEUDO_KEY_MIN);
                        else {
                                p->key_len = len;
                                rc = MF_OK;
                        }
                }
        }
        close(fd);
        if (rc != MF_OK)
                mf_pseudo_clear(p);
        return rc;
}

void mf_pseudo_apply(const mf_pseudo_t *p, mf_str_t id, char out[MF_PSEUDO_LEN + 1]) {
        static const char hex[] = "0123456789abcdef";
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        HMAC(EVP_sha256(), p->key, (int)p->key_len, (const unsigned char *)id.ptr, id.len,
             mac, &len);
        for (unsigned i = 0; i < MF_PSEUDO_LEN / 2; i++) {
                out[2 * i] = hex[mac[i] >> 4];
                out[2 * i + 1] = hex[mac[i] & 15];
        }
        out[MF_PSEUDO_LEN] = '\0';
}

void mf_pseudo_clear(mf_pseudo_t *p) {
        OPENSSL_cleanse(p, sizeof(*p));
}
