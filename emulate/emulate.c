/*
 * emulate.c - `revtrace emulate`: parse the options (options.c), then either print the model's
 * parameters (--describe, describe.c) or serve (server.c) until SIGINT/SIGTERM.
 */
#include "emulate/emulate.h"

#include "commands.h"
#include "tool/cli.h"

int emulate_main(int argc, char **argv)
{
    struct emu_config cfg;
    int rc = emu_config_parse(&cfg, argc, argv);
    if (rc == 1)
        return RT_EXIT_OK;
    if (rc != 0)
        return RT_EXIT_USAGE;
    if (cfg.describe) {
        emu_describe(&cfg, stdout);
        return RT_EXIT_OK;
    }
    return emu_server_run(&cfg);
}
