// Column widths are measured after escaping and in code points, so the columns line up.
#include "cli/table.h"

#include <algorithm>
#include <ostream>

#include "plist/diagnostic.h"

namespace cmdm::cli {

std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

Table::Table(std::vector<std::string> header, std::vector<bool> right_aligned)
    : header_(std::move(header)), right_(std::move(right_aligned)) {
  right_.resize(header_.size(), false);
}

void Table::add(std::vector<std::string> row) {
  for (std::string& cell : row) cell = printable_text(cell);
  row.resize(header_.size());
  rows_.push_back({std::move(row), {}});
}

void Table::add_note(std::string note) {
  if (!rows_.empty()) rows_.back().notes.push_back(printable_text(note));
}

void Table::print(std::ostream& out) const {
  std::vector<std::size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      width[i] = std::max(width[i], display_width(cells[i]));
    }
  };
  measure(header_);
  for (const Row& r : rows_) measure(r.cells);
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const bool last = i + 1 == cells.size();
      std::string pad(width[i] - display_width(cells[i]), ' ');
      text += right_[i] ? pad + cells[i] : cells[i] + (last ? "" : pad);
      if (!last) text += "  ";
    }
    out << text << '\n';
  };
  line(header_);
  for (const Row& r : rows_) {
    line(r.cells);
    for (const std::string& note : r.notes) out << "    " << note << '\n';
  }
}

}  // namespace cmdm::cli
