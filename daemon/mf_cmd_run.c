/*
 * mf_cmd_run.c — `mashflow run --config FILE`: the daemon.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "mf_cmd.h"
#include "mf_config.h"
#include "mf_log.h"
#include "mf_run.h"

static void usage(FILE *out) {
        fprintf(
            out,
            "usage: mashflow run --config FILE [--clock-file FILE]\n"
            "\n"
            "Runs the daemon: consumes the input topics as a member of the consumer\n"
            "group, keeps every assigned partition's state, and writes referral,\n"
            "indicators and dead-letter records to the output topics (exactly once by\n"
            "default). SIGTERM or SIGINT stop it cleanly; SIGHUP re-opens the log file.\n"
            "See config/mashflow.conf.example and 'mashflow check-config --reference'.\n"
            "\n"
            "  --clock-file FILE  take the clock from FILE instead of wall time: an\n"
            "                     instant in milliseconds since the epoch, or "
            "YYYY-MM-DD\n"
            "                     for the end of that day, re-read every second. Events\n"
            "                     still move each partition's clock forward. For tests\n"
            "                     and drills; never in production.\n"
            "\n"
            "Exit status: 0 after a clean stop, 1 on a fatal error, 2 on a bad command\n"
            "line, 3 on a bad configuration (the message names file, line and key).\n");
}

int mf_cmd_run(int argc, char **argv) {
        static const struct option opts[] = {
            {"config", required_argument, NULL, 'c'},
            {"clock-file", required_argument, NULL, 'k'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        const char *path = NULL, *clock_file = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "c:k:h", opts, NULL)) != -1) {
                switch (c) {
                        case 'c':
                                path = optarg;
                                break;
                        case 'k':
                                clock_file = optarg;
                                break;
                        case 'h':
                                usage(stdout);
                                return MF_EXIT_OK;
                        default:
                                usage(stderr);
                                return MF_EXIT_USAGE;
                }
        }
        if (!path || optind != argc) {
                usage(stderr);
                return MF_EXIT_USAGE;
        }
        mf_config_t cfg;
        char err[768];
        mf_config_defaults(&cfg);
        if (mf_config_load(&cfg, path, err, sizeof(err)) != 0) {
                fprintf(stderr, "mashflow: %s\n", err);
                mf_config_destroy(&cfg);
                return MF_EXIT_CONFIG;
        }
        mf_log_init(cfg.log_level, cfg.log_file);
        int rc = mf_run(&cfg, clock_file, NULL);
        mf_config_destroy(&cfg);
        return rc;
}
