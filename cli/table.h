// Text tables for the commands' summaries: every column as wide as its widest cell (so long
// identifiers never run into the next column), numbers right-aligned, and every cell passed
// through printable_text (a hostile identifier cannot drive the terminal).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace cmdm::cli {

class Table {
 public:
  // `right_aligned[i]`: column i holds numbers.
  Table(std::vector<std::string> header, std::vector<bool> right_aligned);
  void add(std::vector<std::string> row);
  // A line under the last row, indented, not part of the columns (a reason, a note).
  void add_note(std::string note);
  void print(std::ostream& out) const;

 private:
  struct Row {
    std::vector<std::string> cells;
    std::vector<std::string> notes;
  };
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<Row> rows_;
};

// Display width of UTF-8 text in columns (code points; no East Asian wide forms).
std::size_t display_width(const std::string& text);

}  // namespace cmdm::cli
