/* cmd.h: the subcommand entry points and what the dispatcher knows of them. */
#ifndef FR_CMD_H
#define FR_CMD_H

#include <stdbool.h>
#include <sys/types.h>

/* Exit codes shared by every command. */
enum {
	FR_EXIT_OK = 0,
	FR_EXIT_ERROR = 1,	/* failed, or (dump) data lost in a damaged capture */
	FR_EXIT_USAGE = 2,	/* bad options */
};

enum {
	FR_CMD_NEEDS_BPF = 1u << 0,	/* root or CAP_BPF+CAP_PERFMON */
	FR_CMD_HIDDEN = 1u << 2,
};

struct fr_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	unsigned flags;
};

extern const struct fr_cmd fr_cmds[];

int cmd_record(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_trigger(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_mark(int argc, char **argv);

struct fr_recorder;

/* record/trigger -- COMMAND: the child, held before exec until the probes
 * are attached. */
struct fr_child {
	pid_t pid;
	int go_fd;	/* closing it lets the child exec */
	int err_fd;	/* the child's exec errno, or EOF on success */
};
int fr_spawn(char **command, struct fr_child *c);
struct fr_proctab;
/* Name the child in pt as COMMAND (cmdline: its line), not as the
 * flightrec it still is until its exec. */
void fr_name_child(struct fr_proctab *pt, const struct fr_child *child, char **command,
		   const char *cmdline);
/* End it: SIGTERM, then SIGKILL after a grace period, recording its last
 * events meanwhile; its wait status in *status. */
void fr_end_child(struct fr_recorder *r, struct fr_child *c, int *status);
/* argv as one line a shell would split back into the same words. */
char *fr_join_args(int argc, char **argv);

/* argv[0] for a subcommand's messages: "flightrec record". */
const char *fr_cmd_progname(const char *name);
/* Print the feature report of --version. */
void fr_print_version(void);

#endif
