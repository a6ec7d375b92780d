// Reads a `profiles` command line as Apple's tool does (frontend/args.h).
#include "frontend/args.h"

#include <algorithm>
#include <optional>

namespace cmdm::frontend {
namespace {

// The legacy letters the front end answers; `takes_value` as getopt's "o:".
struct Letter {
  char letter;
  bool takes_value;
};
constexpr Letter kLetters[] = {
    {.letter = 'P', .takes_value = false}, {.letter = 'C', .takes_value = false},
    {.letter = 'L', .takes_value = false}, {.letter = 'I', .takes_value = false},
    {.letter = 'R', .takes_value = false}, {.letter = 'f', .takes_value = false},
    {.letter = 'U', .takes_value = true},  {.letter = 'o', .takes_value = true},
    {.letter = 'F', .takes_value = true},  {.letter = 'p', .takes_value = true}};

// The letters seen and their values, in getopt's reading; nullopt when an argument is not one
// the front end knows (the real tool decides).
struct Letters {
  std::string seen;
  std::string user, output, file, identifier;
};

std::string* value_slot(Letters& l, char letter) {
  switch (letter) {
    case 'U':
      return &l.user;
    case 'o':
      return &l.output;
    case 'F':
      return &l.file;
    default:
      return &l.identifier;
  }
}

// BSD getopt: options grouped in one argument ("-IF"), a value in the rest of the argument or
// the next one; no operands (the front end takes none).
std::optional<Letters> read_letters(const std::vector<std::string>& args) {
  Letters l;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") return std::nullopt;
    for (std::size_t j = 1; j < arg.size(); ++j) {
      auto known = std::find_if(std::begin(kLetters), std::end(kLetters),
                                [&](const Letter& k) { return k.letter == arg[j]; });
      if (known == std::end(kLetters)) return std::nullopt;
      l.seen += arg[j];
      if (!known->takes_value) continue;
      if (j + 1 < arg.size()) {
        *value_slot(l, arg[j]) = arg.substr(j + 1);
      } else if (i + 1 < args.size()) {
        *value_slot(l, arg[j]) = args[++i];
      } else {
        return std::nullopt;  // getopt's "option requires an argument": the tool says so
      }
      break;
    }
  }
  return l;
}

// -o / -output: stdout is the text listing, stdout-xml the property list, anything else a file.
void set_output(ProfilesRequest& r, const std::string& output) {
  if (output.empty() || output == "stdout") {
    r.format = ListFormat::kText;
  } else if (output == "stdout-xml") {
    r.format = ListFormat::kXml;
  } else {
    r.format = ListFormat::kXmlToFile;
    r.output_path = output_file_name(output);
  }
}

ProfilesRequest from_letters(const Letters& l) {
  auto has = [&](char c) { return l.seen.find(c) != std::string::npos; };
  ProfilesRequest r;
  const bool list = has('P') || has('C') || has('L');
  const int verbs = (list ? 1 : 0) + (has('I') ? 1 : 0) + (has('R') ? 1 : 0);
  if (verbs != 1) return r;
  if (list && !has('F') && !has('p')) {
    r.action = ProfilesAction::kList;
    r.scope = has('P') || (has('C') && has('L')) ? ListScope::kAll
              : has('C')                         ? ListScope::kComputer
                                                 : ListScope::kUser;
    r.user = l.user;
    set_output(r, l.output);
  } else if (has('I') && has('F') && !has('p') && !has('U') && !has('o')) {
    r.action = ProfilesAction::kInstall;
    r.path = l.file;
  } else if (has('R') && has('p') && !has('F') && !has('U') && !has('o')) {
    r.action = ProfilesAction::kRemove;
    r.identifier = l.identifier;
  }
  return r;
}

// The verb form: a verb, then "-name value" options and a few flags that change only prompts.
ProfilesRequest from_verb(const std::vector<std::string>& args) {
  ProfilesRequest pass;
  const std::string& verb = args[0];
  std::string type, output, user, path, identifier;
  struct Named {
    std::string_view name;
    std::string* value;
  };
  const Named named[] = {
      {.name = "-type", .value = &type}, {.name = "-output", .value = &output},
      {.name = "-o", .value = &output},  {.name = "-user", .value = &user},
      {.name = "-path", .value = &path}, {.name = "-identifier", .value = &identifier}};
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-forced" || args[i] == "-quiet") continue;
    auto option = std::find_if(std::begin(named), std::end(named),
                               [&](const Named& n) { return n.name == args[i]; });
    if (option == std::end(named) || i + 1 >= args.size()) return pass;
    *option->value = args[++i];
  }
  if (!type.empty() && type != "configuration") return pass;
  ProfilesRequest r;
  if ((verb == "list" || (verb == "show" && !output.empty())) && path.empty() &&
      identifier.empty()) {
    r.action = ProfilesAction::kList;
    r.scope = user.empty() ? ListScope::kAll : ListScope::kUser;
    r.user = user;
    set_output(r, output);
  } else if (verb == "install" && !path.empty() && identifier.empty() && user.empty() &&
             output.empty()) {
    r.action = ProfilesAction::kInstall;
    r.path = path;
  } else if (verb == "remove" && !identifier.empty() && path.empty() && user.empty() &&
             output.empty()) {
    r.action = ProfilesAction::kRemove;
    r.identifier = identifier;
  }
  return r;
}

}  // namespace

std::string output_file_name(std::string_view given) {
  std::string_view last = given.substr(given.find_last_of('/') + 1);
  std::string name(given);
  if (last.find('.') == std::string_view::npos) name += ".plist";
  return name;
}

ProfilesRequest parse_profiles_args(const std::vector<std::string>& args) {
  if (args.empty()) return {};
  if (!args[0].empty() && args[0][0] != '-') return from_verb(args);
  std::optional<Letters> letters = read_letters(args);
  return letters ? from_letters(*letters) : ProfilesRequest{};
}

}  // namespace cmdm::frontend
