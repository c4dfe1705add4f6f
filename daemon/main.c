/*
 * main.c — the mashflow binary: one executable, one subcommand per job.
 */
#include <stdio.h>
#include <string.h>

#include "mf_cmd.h"

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *summary;
} commands[] = {
    {"demo", mf_cmd_demo, "broker, daemon and a streaming borough, end to end"},
    {"run", mf_cmd_run, "the daemon: Kafka in, Kafka out (--config FILE)"},
    {"replay", mf_cmd_replay, "run the pipeline over event files, in event time"},
    {"gen", mf_cmd_gen, "generate synthetic events for N authorities"},
    {"validate", mf_cmd_validate, "check event files against the event contract"},
    {"check-config", mf_cmd_check_config, "validate a configuration file"},
    {"broker", mf_cmd_broker, "a Kafka-protocol broker on 127.0.0.1 for development"},
};

static void usage(FILE *out) {
        fprintf(out, "usage: mashflow <command> [options]\n\ncommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
        fprintf(out, "\n'mashflow <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv) {
        if (argc < 2) {
                usage(stderr);
                return MF_EXIT_USAGE;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
            !strcmp(argv[1], "help")) {
                usage(stdout);
                return MF_EXIT_OK;
        }
        if (!strcmp(argv[1], "--version")) {
                printf("mashflow %s\n", MF_VERSION);
                return MF_EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (!strcmp(argv[1], commands[i].name))
                        return commands[i].fn(argc - 1, argv + 1);
        fprintf(stderr, "mashflow: unknown command '%s'\n\n", argv[1]);
        usage(stderr);
        return MF_EXIT_USAGE;
}
