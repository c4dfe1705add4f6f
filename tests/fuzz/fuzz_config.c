/*
 * fuzz_config.c — libFuzzer target for mf_config_load.
 *
 * The input is a configuration file's bytes. mf_config_load takes a path,
 * so the bytes are written to one memfd made at start-up (rewritten for
 * every input) and loaded as /proc/self/fd/N over the defaults, as
 * `mashflow run` and `check-config` do; then mf_config_destroy. LeakSanitizer
 * sees anything a load, failed or not, leaves behind. Beyond crashes it
 * checks the loader's contract: 0, or -1 with a "FILE:..." message; a loaded
 * configuration has at least one input topic and every integer in range.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "mf_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (fd < 0) {
                fd = memfd_create("fuzz_config.conf", MFD_CLOEXEC);
                FUZZ_CHECK(fd >= 0);
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        }
        FUZZ_CHECK(ftruncate(fd, 0) == 0);
        FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);

        mf_config_t cfg;
        char err[1024];
        err[0] = '\0';
        mf_config_defaults(&cfg);
        int rc = mf_config_load(&cfg, path, err, sizeof(err));
        if (rc == 0) {
                FUZZ_CHECK(cfg.path && !strcmp(cfg.path, path));
                FUZZ_CHECK(cfg.n_input_topics >= 1 &&
                           cfg.n_input_topics <= MF_CONFIG_MAX_TOPICS);
                for (int i = 0; i < cfg.n_input_topics; i++)
                        FUZZ_CHECK(cfg.input_topics[i] && cfg.input_topics[i][0]);
                FUZZ_CHECK(cfg.n_passthru >= 0 &&
                           cfg.n_passthru <= MF_CONFIG_MAX_PASSTHRU);
                FUZZ_CHECK(cfg.batch_max_records >= 1 &&
                           cfg.batch_max_records <= 1000000);
                FUZZ_CHECK(cfg.batch_max_ms >= 1 && cfg.batch_max_ms <= 60000);
                FUZZ_CHECK(cfg.http_max_connections >= 1 &&
                           cfg.http_max_connections <= 10000);
                FUZZ_CHECK(cfg.suppress_below >= 0 && cfg.suppress_below <= 1000);
                FUZZ_CHECK(cfg.input_encoding == 0 || cfg.input_encoding == 1);
                FUZZ_CHECK(cfg.log_level >= 0 && cfg.log_level <= 3);
                FUZZ_CHECK(cfg.brokers && cfg.group_id && cfg.http_listen);
        } else {
                FUZZ_CHECK(rc == -1);
                FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
                FUZZ_CHECK(!strncmp(err, path, strlen(path)));
        }
        mf_config_destroy(&cfg);
        return 0;
}
