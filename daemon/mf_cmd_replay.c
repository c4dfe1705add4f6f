#include <stdio.h>
#include "mf_cmd.h"
/* In progress: replaced by the real replay and validate commands. */
int mf_cmd_replay(int argc, char **argv) {
        (void)argc, (void)argv;
        fprintf(stderr, "replay: not built yet\n");
        return 1;
}
int mf_cmd_validate(int argc, char **argv) {
        (void)argc, (void)argv;
        fprintf(stderr, "validate: not built yet\n");
        return 1;
}
