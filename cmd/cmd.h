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

struct fr_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

extern const struct fr_cmd fr_cmds[];

int cmd_record(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_trigger(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_mark(int argc, char **argv);
int cmd_ctl(int argc, char **argv);

/* argv[0] for a subcommand's messages: "flightrec record". */
const char *fr_cmd_progname(const char *name);
/* Print the feature report of --version. */
void fr_print_version(void);

#endif
