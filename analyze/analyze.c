/* analyze.c - placeholder until the subcommand lands. */
#include "commands.h"
#include "core/cli.h"

int analyze_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    rt_msg_error("'analyze' is not built yet");
    return RT_EXIT_RUNTIME;
}
