// Entry points of the subcommands, one per cli/cmd_<name>.cc.
#pragma once

#include "cli/command.h"

namespace cmdm::cli {

int run_build(const Args& args);
int run_compile(const Args& args);
int run_fmt(const Args& args);
int run_inspect(const Args& args);
int run_targets(const Args& args);
int run_unbundle(const Args& args);
int run_apply(const Args& args);
int run_profiles(const Args& args);
int run_relay(const Args& args);
int run_sign(const Args& args);
int run_verify(const Args& args);
int run_unwrap(const Args& args);
int run_passes(const Args& args);
int run_check(const Args& args);
int run_explain(const Args& args);
int run_optimize(const Args& args);
int run_validate(const Args& args);
int run_split(const Args& args);

}  // namespace cmdm::cli
