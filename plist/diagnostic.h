// Diagnostics and the Result type: the one error channel of cmdm's libraries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cmdm {

// Exit codes of DESIGN.md ("Errors and exit codes"). Only main() turns one into a process status.
enum class ExitCode : int {
  kOk = 0,
  kCheckFailed = 1,
  kUsage = 2,
  kDataError = 65,
  kUnavailable = 69,
  kInternal = 70,
  kIoError = 74,
  kNoPermission = 77,  // EX_NOPERM: a server refused the credentials (cmdm apply)
};

enum class Severity { kError, kWarning, kNote };

// The text a diagnostic points into: keeps the file name and the bytes, and maps byte offsets to
// 1-based line and column (columns count Unicode code points, so a caret lines up under UTF-8
// text).
class SourceText {
 public:
  SourceText(std::string name, std::string text);
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  struct Position {
    int line = 0;
    int column = 0;
  };
  Position position(std::size_t offset) const;
  // The line (1-based) without its terminator (LF or CRLF).
  std::string_view line_text(int line) const;

 private:
  // Line starts are found on first use: most parsed documents never make a diagnostic, and the
  // scan was a tenth of parse time. call_once keeps concurrent readers of a shared source safe.
  const std::vector<std::size_t>& line_starts() const;

  std::string name_;
  std::string text_;
  mutable std::once_flag line_starts_once_;
  mutable std::vector<std::size_t> line_starts_;
};

// One message about the input: where (file, line, column, key path) and what.
struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;      // empty when the input has no name
  int line = 0;          // 1-based; 0 when unknown
  int column = 0;        // 1-based; 0 when unknown
  std::string key_path;  // e.g. PayloadContent[2].PayloadUUID; empty when not inside a value
  std::string message;
  std::string source_line;  // the text of `line`, for the caret; empty when unknown

  // Makes a diagnostic that points at `offset` of `source`.
  static Diagnostic at(const SourceText& source, std::size_t offset, std::string message,
                       Severity severity = Severity::kError);

  // "file:line:col: error: message [at key.path]" followed, when the source line is known, by the
  // line and a caret under the column. Ends with a newline.
  std::string format() const;
};

// Formats a list of diagnostics one after the other.
std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics);

// Text from a source (an identifier, a file name, a key) made safe for a terminal or a CI log:
// C0 control characters, DEL and C1 controls (U+0080-U+009F) become '?', so a hostile profile
// cannot set the terminal's title, clear the screen or hide log lines. Tab stays; newline stays
// only when `keep_newline` (multi-line messages). Diagnostics, tables and excerpts all use it.
std::string printable_text(std::string_view text, bool keep_newline = false);

// What went wrong: the exit code main() should use and one or more diagnostics.
struct Error {
  ExitCode code = ExitCode::kDataError;
  std::vector<Diagnostic> diagnostics;

  Error() = default;
  Error(ExitCode c, Diagnostic d) : code(c) { diagnostics.push_back(std::move(d)); }
  Error(ExitCode c, std::vector<Diagnostic> d) : code(c), diagnostics(std::move(d)) {}
  // A diagnostic with a message only (no position).
  static Error make(ExitCode c, std::string file, std::string message);
  std::string format() const { return format_diagnostics(diagnostics); }
};

// A value or an Error. Library functions return it; callers must look.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace cmdm
