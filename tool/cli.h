/*
 * cli.h - the command-line layer shared by every subcommand: one option table per command
 * feeds both getopt_long and --help (so they cannot drift), and one message helper prefixes
 * every diagnostic with "revtrace:".
 *
 * With the command mains, the tool layer (tool/) is the only code that writes to the user's
 * terminal; core/ returns codes and fills error buffers, and the tool layer decides what to
 * say.  Every line it writes to stderr goes through the rt_msg_* helpers below, which also
 * keep the one piece of terminal state there is: whether a live line (a progress line
 * redrawn in place with \r) is on the screen and must be ended before the next message.
 */
#ifndef RT_CLI_H
#define RT_CLI_H

#include <stddef.h>
#include <stdio.h>

/* Exit statuses, SPEC "One binary". */
enum {
    RT_EXIT_OK = 0,
    RT_EXIT_VERDICT = 1,     /* analysis done, a verdict failed */
    RT_EXIT_USAGE = 2,       /* usage or input error */
    RT_EXIT_RUNTIME = 3,     /* database, network set-up */
    RT_EXIT_SIGINT = 130,
    RT_EXIT_SIGTERM = 143
};

/* A command main's step returns RT_GO_ON when the command goes on, else the exit status to
   end with (its message already said). */
enum { RT_GO_ON = -1 };

/*
 * The exit status for a store error (the negative RT_STORE_E* codes of core/store.h), the
 * one mapping every command uses: 0 -> RT_EXIT_OK; -RT_STORE_EIO (SQLite, I/O, memory) and
 * -RT_STORE_EBUSY (locked) -> RT_EXIT_RUNTIME; every other code (not a revtrace database, a
 * newer one, a missing file, no such run) names an input the user can fix -> RT_EXIT_USAGE.
 */
int rt_exit_for_store(int rc);

struct rt_opt {
    const char *name;       /* long name without "--" */
    int short_name;         /* single-letter alias, 0 for none */
    const char *arg;        /* NULL: a flag; else the argument's name in --help ("RATE") */
    int id;                 /* handed to the handler; unique within one command */
    const char *help;       /* one line; "(repeatable)" etc. included by the author; --help
                               wraps it to 100 columns */
};

/* A titled group of options; an array of them ends with { NULL, NULL }. */
struct rt_opt_table {
    const char *title;
    const struct rt_opt *opts;   /* ends with an entry whose name is NULL */
};

struct rt_cmd_spec {
    const char *name;            /* "capture" */
    const char *usage;           /* "URL --revids FILE [options]" */
    const char *summary;         /* a paragraph: what the command does */
    const struct rt_opt_table *tables;
    const char *examples;        /* printed verbatim after the options */
};

/* Handler: apply one option.  Return 0, or -1 with a message in err (no prefix). */
typedef int (*rt_opt_fn)(void *ctx, int id, const char *arg, char *err, size_t errlen);

/*
 * Parse argv[1..] (argv[0] is the subcommand name) with getopt_long, calling fn for each
 * option in order.  --help/-h is built in.  Options and positionals may be mixed; on return
 * the positionals are argv[*first_positional .. argc-1].
 * Returns 0 to go on, 1 when --help was printed (exit 0), 2 after printing a usage error.
 */
int rt_cli_parse(const struct rt_cmd_spec *spec, int argc, char **argv,
                 rt_opt_fn fn, void *ctx, int *first_positional);

/* Write the command's --help text. */
void rt_cli_help(const struct rt_cmd_spec *spec, FILE *out);

/*
 * The manual page and the shell completion come from the same tables as --help, so an option
 * added to a table appears in all three.  rt_cli_parse answers two hidden first arguments:
 *   revtrace CMD --help-man    the command's section of revtrace(1), in man(7) roff;
 *   revtrace CMD --help-words  its option words on one line without a newline
 *                              ("--db --list -f --format ... -h --help").
 * revtrace.c wraps the sections into the whole page and the words into a bash completion
 * (revtrace --help-man, revtrace --help-completion); the Makefile runs them at build time.
 */
void rt_cli_man(const struct rt_cmd_spec *spec, FILE *out);
void rt_cli_words(const struct rt_cmd_spec *spec, FILE *out);
/* Write s as roff text: backslashes escaped, a leading '.' or '\'' defused, "-" as "\-" in
 * option-like words.  verbatim: s is one line of a no-fill block. */
void rt_cli_roff(FILE *out, const char *s);

/* The exit statuses every command shares, for the manual: RT_EXIT_* and their meaning. */
struct rt_exit_doc {
    int status;
    const char *meaning;
};
extern const struct rt_exit_doc rt_exit_docs[];   /* ends with meaning NULL */

/*
 * Every rt_msg_* helper writes one line to stderr in one write (where memory allows), after
 * ending a live line that is drawn (see rt_msg_live); rt_msg_live itself redraws in place.
 */

/* "revtrace: <msg>\n" on stderr. */
void rt_msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "revtrace: warning: <msg>\n" on stderr. */
void rt_msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "revtrace <cmd>: <msg>\nTry 'revtrace <cmd> --help'.\n" on stderr; returns RT_EXIT_USAGE. */
int rt_msg_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "revtrace: <msg>\n" on stderr: news, not an error (a run's summary line). */
void rt_msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "revtrace: <cmd>: <msg>\n" on stderr: a running command's news (progress, countdown). */
void rt_msg_status(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The live line, for a terminal: "\r<msg>\033[K" on stderr, or with cmd (not NULL)
 * "\rrevtrace: <cmd>: <msg>\033[K"; no newline, so the next call draws over it.  The line
 * counts as drawn until rt_msg_live_end or any other rt_msg_* helper ends it.
 */
void rt_msg_live(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* End the live line: "\n" on stderr when one is drawn, else nothing. */
void rt_msg_live_end(void);

/*
 * For option handlers (rt_opt_fn): the reason, formatted into err (truncated to errlen), and
 * -1 to return: `return rt_opt_fail(err, errlen, "give a number");`.
 */
int rt_opt_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One accepted word of an option that takes a keyword ("--order random"), and its value. */
struct rt_opt_word {
    const char *word;       /* NULL ends a table */
    int value;
};

/*
 * For option handlers: the value of the word arg in words (a table ending with a NULL word)
 * into *value, and 0; else "choose A, B or C" (the words in table order) into err, and -1.
 */
int rt_opt_choose(const char *arg, const struct rt_opt_word *words, int *value, char *err,
                  size_t errlen);

#endif
