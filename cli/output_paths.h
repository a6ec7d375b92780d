// Where a command that takes several inputs writes each output: -o names a file for one input,
// or a directory that receives each output under its input's file name.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cmdm::cli {

bool is_directory(const std::string& path);

// The output path for `input`: `out` itself for one input written to a file; otherwise
// `out/<input's file name>`.
std::string output_path(const std::string& out, const std::string& input, bool many);

// The first output path that two inputs would share (d1/x.plist and d2/x.plist into one
// directory), or nullopt. Commands refuse such runs instead of letting one output replace another.
std::optional<std::string> shared_output(const std::string& out,
                                         const std::vector<std::string>& inputs);

}  // namespace cmdm::cli
