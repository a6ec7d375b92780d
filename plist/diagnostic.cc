// Diagnostics: positions in source text and the file:line:col rendering with a caret.
#include "plist/diagnostic.h"

#include <algorithm>
#include <cstring>

namespace cmdm {

SourceText::SourceText(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {}

const std::vector<std::size_t>& SourceText::line_starts() const {
  std::call_once(line_starts_once_, [this] {
    line_starts_.push_back(0);
    // memchr: a byte loop over a large document is noticeably slower.
    const char* begin = text_.data();
    const char* end = begin + text_.size();
    for (const char* p = begin; (p = static_cast<const char*>(std::memchr(p, '\n', end - p)));) {
      ++p;
      line_starts_.push_back(static_cast<std::size_t>(p - begin));
    }
  });
  return line_starts_;
}

SourceText::Position SourceText::position(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  const std::vector<std::size_t>& starts = line_starts();
  auto it = std::upper_bound(starts.begin(), starts.end(), offset);
  std::size_t line_index = static_cast<std::size_t>(it - starts.begin()) - 1;
  std::size_t start = starts[line_index];
  // Columns count code points: skip UTF-8 continuation bytes.
  int column = 1;
  // A UTF-8 byte-order mark is invisible in an editor: it does not count as a column.
  if (start == 0 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0 && offset >= 3) start = 3;
  for (std::size_t i = start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  }
  return {static_cast<int>(line_index) + 1, column};
}

std::string_view SourceText::line_text(int line) const {
  const std::vector<std::size_t>& starts = line_starts();
  if (line < 1 || static_cast<std::size_t>(line) > starts.size()) return {};
  std::size_t start = starts[line - 1];
  if (start == 0 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0) start = 3;
  std::size_t end =
      static_cast<std::size_t>(line) < starts.size() ? starts[line] - 1 : text_.size();
  std::string_view view(text_.data() + start, end - start);
  if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
  return view;
}

Diagnostic Diagnostic::at(const SourceText& source, std::size_t offset, std::string message,
                          Severity severity) {
  Diagnostic d;
  d.severity = severity;
  d.file = source.name();
  SourceText::Position p = source.position(offset);
  d.line = p.line;
  d.column = p.column;
  d.message = std::move(message);
  d.source_line = std::string(source.line_text(p.line));
  return d;
}

namespace {

std::string_view severity_word(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "error";
}

// Keeps the echoed line printable: control characters (other than tab) become '?', and very long
// lines are cut around the column so the caret stays visible.
std::string printable_line(std::string_view line, int column, int* caret_column) {
  constexpr int kWidth = 160;
  std::string out;
  int col = 1;
  int start_col = column > kWidth ? column - kWidth / 2 : 1;
  *caret_column = column;
  if (start_col > 1) {
    out = "...";
    *caret_column = column - start_col + 1 + 3;
  }
  for (std::size_t i = 0; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    bool continuation = (c & 0xC0) == 0x80;
    if (!continuation && i > 0) ++col;
    if (col < start_col) continue;
    if (col >= start_col + kWidth) {
      out += "...";
      break;
    }
    out += static_cast<char>(c);
  }
  return printable_text(out);
}

}  // namespace

std::string printable_text(std::string_view text, bool keep_newline) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\t' || (c == '\n' && keep_newline)) {
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      out += '?';
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out += '?';  // a C1 control, two bytes in UTF-8
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Diagnostic::format() const {
  std::string out;
  if (!file.empty()) {
    out += printable_text(file);
    out += ':';
  }
  if (line > 0) {
    out += std::to_string(line);
    out += ':';
    if (column > 0) {
      out += std::to_string(column);
      out += ':';
    }
  }
  if (!out.empty()) out += ' ';
  out += severity_word(severity);
  out += ": ";
  out += printable_text(message, /*keep_newline=*/true);
  if (!key_path.empty()) {
    out += " (at ";
    out += printable_text(key_path);
    out += ')';
  }
  out += '\n';
  if (line > 0 && column > 0 && !source_line.empty()) {
    int caret = column;
    std::string shown = printable_line(source_line, column, &caret);
    out += shown;
    out += '\n';
    // Tabs in the line are kept under the caret so it lines up in a terminal.
    std::string pad;
    int c = 1;
    for (std::size_t i = 0; i < shown.size() && c < caret; ++i) {
      unsigned char ch = static_cast<unsigned char>(shown[i]);
      if ((ch & 0xC0) == 0x80) continue;
      pad += ch == '\t' ? '\t' : ' ';
      ++c;
    }
    while (c < caret) {
      pad += ' ';
      ++c;
    }
    out += pad;
    out += "^\n";
  }
  return out;
}

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += d.format();
  return out;
}

Error Error::make(ExitCode c, std::string file, std::string message) {
  Diagnostic d;
  d.file = std::move(file);
  d.message = std::move(message);
  return Error(c, std::move(d));
}

}  // namespace cmdm
