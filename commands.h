/*
 * commands.h - the subcommands' entry points, one per top-level folder.
 * Each receives argv with argv[0] = the subcommand name and returns the exit status.
 */
#ifndef RT_COMMANDS_H
#define RT_COMMANDS_H

int capture_main(int argc, char **argv);
int replay_main(int argc, char **argv);
int analyze_main(int argc, char **argv);
int emulate_main(int argc, char **argv);
int synth_main(int argc, char **argv);

#endif
