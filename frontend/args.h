// The command lines of Apple's `profiles` tool that the front end answers itself, read the way
// the tool reads them: legacy letters grouped as getopt allows (`-IF path`, `-Rp id`, `-C -o
// stdout-xml`, `-ostdout-xml`) and the verb form (`show -output stdout-xml`, `install -path F`,
// `remove -identifier I`, `status -type enrollment`). Anything else is handed to the real tool
// unchanged, so a caller never meets a `profiles` that knows less than Apple's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cmdm::frontend {

enum class ProfilesAction {
  kList,         // -P, -C, -L; show, list
  kInstall,      // -I -F path; install -path path
  kRemove,       // -R -p id; remove -identifier id
  kPassThrough,  // anything else, status included: the real tool runs with the same argv
};

// Which profiles a listing shows: -P every owner, -C the computer's, -L the user's (-U names the
// user; without it, every user's).
enum class ListScope { kAll, kComputer, kUser };

enum class ListFormat {
  kText,       // no -o / -output: "_computerlevel[1] attribute: profileIdentifier: …" lines
  kXml,        // -o stdout-xml
  kXmlToFile,  // -o FILE: the property list written to FILE (".plist" added without extension)
};

struct ProfilesRequest {
  ProfilesAction action = ProfilesAction::kPassThrough;
  ListScope scope = ListScope::kAll;
  std::string user;  // -U / -user
  ListFormat format = ListFormat::kText;
  std::string output_path;  // kXmlToFile: where, ".plist" already added when needed
  std::string path;         // install: the profile file
  std::string identifier;   // remove: the profile's identifier
};

// Reads `args` (argv without argv[0]). Never fails: what the front end does not answer, or does
// not understand, is kPassThrough, and the real tool gives its own answer and exit status.
ProfilesRequest parse_profiles_args(const std::vector<std::string>& args);

// `-o FILE` as Apple's tool writes it: FILE, with ".plist" appended when its last path component
// has no extension ("DIR/profiles" → "DIR/profiles.plist").
std::string output_file_name(std::string_view given);

}  // namespace cmdm::frontend
