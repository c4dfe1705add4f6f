/*
 * mf_cmd.h — the subcommands of the mashflow binary. Each takes the argument
 * vector that follows its name (argv[0] is the subcommand name) and returns
 * the process exit status (see the README's "Exit codes").
 */
#ifndef MF_CMD_H
#define MF_CMD_H

/* Exit statuses shared by every subcommand. */
#define MF_EXIT_OK      0
#define MF_EXIT_FAILURE 1 /* a run-time failure (I/O, broker, ...) */
#define MF_EXIT_USAGE   2 /* bad command line */
#define MF_EXIT_CONFIG  3 /* bad configuration or calendar file */

int mf_cmd_gen(int argc, char **argv);
int mf_cmd_replay(int argc, char **argv);
int mf_cmd_validate(int argc, char **argv);
int mf_cmd_broker(int argc, char **argv);
int mf_cmd_check_config(int argc, char **argv);
int mf_cmd_run(int argc, char **argv);
int mf_cmd_demo(int argc, char **argv);

#endif
