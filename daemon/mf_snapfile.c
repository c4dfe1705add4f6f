#include "mf_snapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int path_of(char *out, size_t cap, const char *dir, const char *topic,
                   int32_t partition, const char *suffix) {
        int n = snprintf(out, cap, "%s/%s.%d.snap%s", dir, topic, (int)partition, suffix);
        return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int fail(char *why, size_t whylen, const char *what, const char *path) {
        snprintf(why, whylen, "%s %s: %s", what, path, strerror(errno));
        return -1;
}

int mf_snapfile_prepare(const char *dir, char *why, size_t whylen) {
        struct stat st;
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                return fail(why, whylen, "cannot create", dir);
        if (stat(dir, &st) != 0)
                return fail(why, whylen, "cannot reach", dir);
        if (!S_ISDIR(st.st_mode)) {
                errno = ENOTDIR;
                return fail(why, whylen, "cannot use", dir);
        }
        return 0;
}

static int write_all(int fd, const char *p, size_t n) {
        while (n) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

int mf_snapfile_write(const char *dir, const char *topic, int32_t partition,
                      const char *data, size_t len, char *why, size_t whylen) {
        char path[4096], tmp[4096], suffix[32];
        snprintf(suffix, sizeof(suffix), ".tmp%ld", (long)getpid());
        if (path_of(path, sizeof(path), dir, topic, partition, "") ||
            path_of(tmp, sizeof(tmp), dir, topic, partition, suffix)) {
                errno = ENAMETOOLONG;
                return fail(why, whylen, "cannot write in", dir);
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return fail(why, whylen, "cannot create", tmp);
        if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
                fail(why, whylen, "cannot write", tmp);
                close(fd);
                unlink(tmp);
                return -1;
        }
        if (close(fd) != 0) {
                fail(why, whylen, "cannot write", tmp);
                unlink(tmp);
                return -1;
        }
        if (rename(tmp, path) != 0) {
                fail(why, whylen, "cannot rename to", path);
                unlink(tmp);
                return -1;
        }
        /* The rename itself lasts only once the directory is on disk. */
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
        }
        return 0;
}

int mf_snapfile_read(const char *dir, const char *topic, int32_t partition, mf_buf_t *out,
                     char *why, size_t whylen) {
        char path[4096];
        if (path_of(path, sizeof(path), dir, topic, partition, "")) {
                errno = ENAMETOOLONG;
                return fail(why, whylen, "cannot read in", dir);
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 1 : fail(why, whylen, "cannot open", path);
        struct stat st;
        int rc = 0;
        mf_buf_reset(out);
        if (fstat(fd, &st) != 0 || mf_buf_reserve(out, (size_t)st.st_size) != MF_OK) {
                rc = fail(why, whylen, "cannot read", path);
        } else {
                while (out->len < (size_t)st.st_size) {
                        ssize_t n =
                            read(fd, out->data + out->len, (size_t)st.st_size - out->len);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                if (n == 0)
                                        errno = EIO; /* shrank while read */
                                rc = fail(why, whylen, "cannot read", path);
                                break;
                        }
                        out->len += (size_t)n;
                }
        }
        close(fd);
        return rc;
}
