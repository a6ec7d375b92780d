// The HTML size report: inline CSS and SVG drawn here from optimizer::explain's measured shares,
// so the page opens anywhere (a CI artifact, a mail attachment) with nothing to fetch.
#include "cli/size_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "plist/file_io.h"

namespace cmdm::cli {

Result<ExplainedSource> explain_source(const std::string& file,
                                       const optimizer::OptimizeOptions& options,
                                       const compiler::Context& context,
                                       const pipeline::SourceOptions& sources) {
  Result<std::string> bytes = read_file(file);
  if (!bytes) return bytes.error();
  Result<pipeline::Source> source = pipeline::read_source(*bytes, file, context, sources);
  if (!source) return source.error();
  optimizer::ExplainInput input;
  input.stored_bytes = source->stored_bytes;
  input.stored_command_size = options.target->command_size(*bytes);
  input.source_signed = source->was_signed;
  Result<optimizer::Explanation> ex = optimizer::explain(source->profile, options, input);
  if (!ex) return ex.error();
  return ExplainedSource{.explanation = std::move(*ex), .warnings = std::move(source->warnings)};
}

std::string identifier_of(const optimizer::Explanation& explanation) {
  const std::string* id = explanation.result.profile.get_string("PayloadIdentifier");
  return id ? *id : std::string();
}

std::vector<std::string> fix_steps(const optimizer::Explanation& explanation) {
  std::vector<std::string> steps;
  for (const std::string& step : explanation.next_steps) {
    if (!step.starts_with("does not fit")) steps.push_back(step);
  }
  return steps;
}

namespace {

// Text for HTML: control characters as printable_text makes them, then the markup characters.
std::string escape(std::string_view text, bool keep_newline = false) {
  std::string out;
  for (char c : printable_text(text, keep_newline)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// 12345 -> "12,345", as the README writes figures.
std::string figure(long long n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// ---- treemap ---------------------------------------------------------------------------------

struct Box {
  double x, y, w, h;
};

// One rectangle of the treemap: a leaf (a key, the wrapper) or a group (a payload) with children.
struct Tile {
  std::string label;
  double chars = 0;
  std::vector<Tile> children;
};

double worst_ratio(double row_min, double row_max, double sum, double side) {
  double s2 = side * side, sum2 = sum * sum;
  return std::max(s2 * row_max / sum2, sum2 / (s2 * row_min));
}

// Squarified layout (Bruls, Huizing, van Wijk): `areas` sorted largest first, summing to the
// area of `box`; rows are laid along the shorter side while that keeps tiles closer to square.
std::vector<Box> squarify(const std::vector<double>& areas, Box box) {
  std::vector<Box> out;
  std::size_t i = 0;
  while (i < areas.size()) {
    double side = std::min(box.w, box.h);
    std::size_t j = i;
    double sum = 0, worst = INFINITY;
    while (j < areas.size()) {
      double next = worst_ratio(areas[j], areas[i], sum + areas[j], side);
      if (j > i && next > worst) break;
      worst = next;
      sum += areas[j++];
    }
    double thickness = side > 0 ? sum / side : 0;
    double along = 0;
    for (std::size_t k = i; k < j; ++k) {
      double length = thickness > 0 ? areas[k] / thickness : 0;
      if (box.w >= box.h) {
        out.push_back({box.x, box.y + along, thickness, length});
      } else {
        out.push_back({box.x + along, box.y, length, thickness});
      }
      along += length;
    }
    if (box.w >= box.h) {
      box.x += thickness;
      box.w -= thickness;
    } else {
      box.y += thickness;
      box.h -= thickness;
    }
    i = j;
  }
  return out;
}

// Lays `tiles` (largest first) into `box`, scaled so that their total fills it.
std::vector<Box> layout(const std::vector<Tile>& tiles, Box box) {
  double total = 0;
  for (const Tile& t : tiles) total += t.chars;
  std::vector<double> areas;
  for (const Tile& t : tiles) areas.push_back(total > 0 ? t.chars / total * box.w * box.h : 0);
  return squarify(areas, box);
}

std::string fill(int hue, int lightness) {
  return "hsl(" + std::to_string(hue) + ",55%," + std::to_string(lightness) + "%)";
}

void draw_leaf(std::ostream& out, const Tile& t, Box b, const std::string& color, double total,
               const std::string& group) {
  out << "<g class=\"leaf\" data-chars=\"" << static_cast<long long>(t.chars) << "\" data-group=\""
      << escape(group) << "\"><rect x=\"" << number(b.x) << "\" y=\"" << number(b.y)
      << "\" width=\"" << number(b.w) << "\" height=\"" << number(b.h) << "\" fill=\"" << color
      << "\"><title>" << escape(t.label) << ": " << figure(static_cast<long long>(t.chars))
      << " characters (" << number(100 * t.chars / total) << "%)</title></rect>";
  std::size_t room = b.w > 8 ? static_cast<std::size_t>((b.w - 8) / 6.6) : 0;
  if (b.h >= 26 && room >= 3) {
    std::string label = t.label.size() > room ? t.label.substr(0, room - 1) + "…" : t.label;
    out << "<text x=\"" << number(b.x + 4) << "\" y=\"" << number(b.y + 13) << "\">"
        << escape(label) << "</text><text class=\"n\" x=\"" << number(b.x + 4) << "\" y=\""
        << number(b.y + 24) << "\">" << figure(static_cast<long long>(t.chars)) << "</text>";
  }
  out << "</g>";
}

// A payload: its name in a band at the top, its keys below.
void draw_group(std::ostream& out, const Tile& group, Box b, int hue, double total) {
  out << "<g class=\"group\" data-chars=\"" << static_cast<long long>(group.chars) << "\">"
      << "<rect x=\"" << number(b.x) << "\" y=\"" << number(b.y) << "\" width=\"" << number(b.w)
      << "\" height=\"" << number(b.h) << "\" fill=\"" << fill(hue, 35) << "\"><title>"
      << escape(group.label) << ": " << figure(static_cast<long long>(group.chars))
      << " characters</title></rect>";
  Box inner = b;
  if (b.h > 40 && b.w > 40) {
    std::size_t room = static_cast<std::size_t>((b.w - 8) / 6.6);
    std::string label =
        group.label.size() > room ? group.label.substr(0, room ? room - 1 : 0) + "…" : group.label;
    out << "<text class=\"head\" x=\"" << number(b.x + 4) << "\" y=\"" << number(b.y + 12) << "\">"
        << escape(label) << "</text>";
    inner = {b.x + 2, b.y + 16, b.w - 4, b.h - 18};
  }
  std::vector<Box> boxes = layout(group.children, inner);
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    draw_leaf(out, group.children[i], boxes[i], fill(hue, 52 + static_cast<int>(i % 3) * 8), total,
              group.label);
  }
  out << "</g>";
}

// Payloads (then their keys), the top-level keys as one group, and the command wrapper. A key's
// share is measured alone, so a payload's keys may not add up to the payload: the rest (its dict,
// what the keys share) is drawn as "payload structure".
std::vector<Tile> tiles_of(const optimizer::Explanation& ex) {
  std::vector<Tile> tiles;
  auto group = [](const std::string& label, std::size_t chars,
                  const std::vector<optimizer::Share>& keys) {
    Tile g{.label = label, .chars = static_cast<double>(chars)};
    double keys_total = 0;
    for (const optimizer::Share& k : keys) {
      g.children.push_back({.label = k.what, .chars = static_cast<double>(k.chars)});
      keys_total += static_cast<double>(k.chars);
    }
    if (g.chars > keys_total) g.children.push_back({"payload structure", g.chars - keys_total, {}});
    if (g.chars < keys_total) g.chars = keys_total;
    std::stable_sort(g.children.begin(), g.children.end(),
                     [](const Tile& a, const Tile& b) { return a.chars > b.chars; });
    return g;
  };
  for (const optimizer::Share& p : ex.payloads) tiles.push_back(group(p.what, p.chars, p.keys));
  if (!ex.top_level.empty()) {
    std::size_t sum = 0;
    for (const optimizer::Share& k : ex.top_level) sum += k.chars;
    tiles.push_back(group("top-level keys", sum, ex.top_level));
  }
  tiles.push_back({.label = "command wrapper and empty dict", .chars = double(ex.envelope)});
  std::erase_if(tiles, [](const Tile& t) { return t.chars <= 0; });
  std::stable_sort(tiles.begin(), tiles.end(),
                   [](const Tile& a, const Tile& b) { return a.chars > b.chars; });
  return tiles;
}

void treemap(std::ostream& out, const optimizer::Explanation& ex) {
  const double width = 960, height = 380;
  std::vector<Tile> tiles = tiles_of(ex);
  double total = 0;
  for (const Tile& t : tiles) total += t.chars;
  out << "<svg class=\"treemap\" viewBox=\"0 0 960 380\" width=\"960\" height=\"380\" "
         "role=\"img\">";
  std::vector<Box> boxes = layout(tiles, {0, 0, width, height});
  int hue = 205;
  for (std::size_t i = 0; i < tiles.size(); ++i) {
    if (tiles[i].children.empty()) {
      draw_leaf(out, tiles[i], boxes[i], "hsl(220,8%,62%)", total, "");
    } else {
      draw_group(out, tiles[i], boxes[i], hue, total);
      hue = (hue + 67) % 360;
    }
  }
  out << "</svg>";
}

// ---- the other parts of a profile's section ---------------------------------------------------

// Bars for the profile as given, as minimal XML and at the level, against the limit line.
void size_bars(std::ostream& out, const optimizer::Explanation& ex) {
  const optimizer::Optimized& r = ex.result;
  struct Bar {
    std::string label;
    std::size_t size;
    const char* cls;
  };
  std::vector<Bar> bars;
  if (ex.input_command_size) bars.push_back({"as given", ex.input_command_size, "was"});
  bars.push_back({"minimal XML", r.baseline_command_size, "was"});
  bars.push_back({"at " + std::string(optimizer::level_name(r.level)), r.command_size,
                  r.limit && r.command_size > r.limit ? "over" : "ok"});
  double scale_max = static_cast<double>(r.limit);
  for (const Bar& b : bars) scale_max = std::max(scale_max, static_cast<double>(b.size));
  const double left = 110, room = 780, row = 26;
  double height = row * static_cast<double>(bars.size()) + 22;
  out << "<svg class=\"bars\" viewBox=\"0 0 960 " << number(height) << "\" width=\"960\" height=\""
      << number(height) << "\">";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    double y = 18 + row * static_cast<double>(i);
    double w = scale_max > 0 ? room * static_cast<double>(bars[i].size) / scale_max : 0;
    out << "<text x=\"0\" y=\"" << number(y + 14) << "\">" << escape(bars[i].label) << "</text>"
        << "<rect class=\"" << bars[i].cls << "\" x=\"" << left << "\" y=\"" << number(y)
        << "\" width=\"" << number(std::max(w, 1.0)) << "\" height=\"18\"/>"
        << "<text x=\"" << number(left + w + 6) << "\" y=\"" << number(y + 14) << "\">"
        << figure(static_cast<long long>(bars[i].size)) << "</text>";
  }
  if (r.limit) {
    double x = left + room * static_cast<double>(r.limit) / scale_max;
    out << "<line class=\"limit\" x1=\"" << number(x) << "\" y1=\"12\" x2=\"" << number(x)
        << "\" y2=\"" << number(height) << "\"/><text class=\"limit\" x=\"" << number(x + 4)
        << "\" y=\"11\">limit " << figure(static_cast<long long>(r.limit)) << "</text>";
  }
  out << "</svg>";
}

void pass_savings(std::ostream& out, const optimizer::Optimized& r) {
  out << "<h3>What each pass saved</h3>";
  if (r.savings.empty()) {
    out << "<p class=\"quiet\">No pass runs at this level.</p>";
    return;
  }
  long long most = 1;
  for (const optimizer::PassSaving& s : r.savings) most = std::max(most, std::llabs(s.chars));
  out << "<table class=\"passes\">";
  for (const optimizer::PassSaving& s : r.savings) {
    double w = 180.0 * static_cast<double>(std::llabs(s.chars)) / static_cast<double>(most);
    out << "<tr data-pass=\"" << escape(s.id) << "\" data-chars=\"" << s.chars << "\"><td>"
        << escape(s.id) << "</td><td class=\"num\">" << figure(s.chars)
        << "</td><td><span class=\"saved\" style=\"width:" << number(w) << "px\"></span></td></tr>";
  }
  out << "</table>";
  for (const std::string& n : r.notes) out << "<p class=\"quiet\">note: " << escape(n) << "</p>";
}

void levels_and_next(std::ostream& out, const optimizer::Explanation& ex) {
  out << "<h3>At each level</h3><table class=\"levels\">";
  for (const auto& l : ex.levels) {
    out << "<tr class=\"" << (l.fits ? "fits" : "over") << "\"><td>"
        << optimizer::level_name(l.level) << "</td><td class=\"num\">"
        << figure(static_cast<long long>(l.command_size)) << "</td><td>"
        << (l.fits ? "fits" : "does not fit") << "</td></tr>";
  }
  out << "</table><h3>What would make it fit</h3><ul class=\"next\">";
  for (const std::string& step : fix_steps(ex)) out << "<li>" << escape(step) << "</li>";
  out << "</ul>";
}

void profile_section(std::ostream& out, const ReportEntry& e, std::size_t index) {
  out << "<section class=\"profile\" id=\"p" << index << "\" data-file=\"" << escape(e.file)
      << "\"";
  if (!e.explanation) {
    out << " data-error=\"true\"><h2>" << escape(e.file) << "</h2><pre class=\"error\">"
        << escape(e.error, true) << "</pre></section>";
    return;
  }
  const optimizer::Explanation& ex = *e.explanation;
  const optimizer::Optimized& r = ex.result;
  std::string id = identifier_of(ex);
  out << " data-identifier=\"" << escape(id) << "\" data-command=\"" << r.command_size
      << "\" data-limit=\"" << r.limit << "\" data-fits=\"" << (r.fits ? "true" : "false")
      << "\"><h2>" << escape(e.file) << " <span class=\"id\">" << escape(id)
      << "</span> <span class=\"badge " << (r.fits ? "fits" : "over") << "\">"
      << (r.fits ? "fits" : "over by " + figure(static_cast<long long>(r.command_size - r.limit)))
      << "</span></h2><p class=\"quiet\">level " << optimizer::level_name(r.level)
      << ", encoded as " << escape(r.encoding.describe()) << "; profile "
      << figure(static_cast<long long>(r.bytes.size())) << " bytes</p>";
  size_bars(out, ex);
  out << "<h3>Where the characters go</h3>";
  treemap(out, ex);
  out << "<div class=\"cols\"><div>";
  pass_savings(out, r);
  out << "</div><div>";
  levels_and_next(out, ex);
  out << "</div></div></section>";
}

void summary_table(std::ostream& out, const std::vector<ReportEntry>& entries) {
  out << "<table class=\"summary\"><tr><th>profile</th><th class=\"num\">command</th>"
         "<th class=\"num\">limit</th><th>result</th></tr>";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ReportEntry& e = entries[i];
    out << "<tr><td><a href=\"#p" << i << "\">" << escape(e.file) << "</a></td>";
    if (!e.explanation) {
      out << "<td></td><td></td><td class=\"over\">error</td></tr>";
      continue;
    }
    const optimizer::Optimized& r = e.explanation->result;
    out << "<td class=\"num\">" << figure(static_cast<long long>(r.command_size))
        << "</td><td class=\"num\">" << (r.limit ? figure(static_cast<long long>(r.limit)) : "none")
        << "</td><td class=\"" << (r.fits ? "fits" : "over") << "\">"
        << (r.fits ? "fits" : "does not fit") << "</td></tr>";
  }
  out << "</table>";
}

constexpr const char* kStyle = R"(
body{font:14px/1.45 -apple-system,"Helvetica Neue",Arial,sans-serif;margin:24px auto;max-width:1000px;color:#1d2430;background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 4px}h3{font-size:14px;margin:18px 0 6px}
section.profile{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:16px 18px;margin:18px 0}
.id{color:#5b6472;font-weight:normal}.quiet{color:#5b6472;margin:2px 0}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;color:#fff;vertical-align:middle}
.badge.fits{background:#2f8f4e}.badge.over{background:#c93c37}
td.fits{color:#2f8f4e}td.over,tr.over td:last-child{color:#c93c37}tr.fits td:last-child{color:#2f8f4e}
table{border-collapse:collapse}td,th{padding:2px 10px 2px 0;text-align:left}.num{text-align:right;font-variant-numeric:tabular-nums}
table.summary{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:8px 12px;border-collapse:separate}
svg{display:block;font-size:12px}svg text{fill:#1d2430}.treemap text{fill:#fff;font-size:11px}.treemap text.n{fill:#f0f3f7;opacity:.85}
.treemap text.head{font-weight:bold}.treemap rect{stroke:#fff;stroke-width:1}
.bars rect.was{fill:#9aa5b4}.bars rect.ok{fill:#2f8f4e}.bars rect.over{fill:#c93c37}
line.limit{stroke:#c93c37;stroke-width:2;stroke-dasharray:5 3}text.limit{fill:#c93c37}
span.saved{display:inline-block;height:10px;background:#3a7bd5;border-radius:2px}
.cols{display:flex;gap:40px}.cols>div{flex:1}ul.next{margin:0;padding-left:18px}pre.error{color:#c93c37;white-space:pre-wrap}
a{color:#2456a6}table.passes td:first-child{white-space:nowrap;font-family:ui-monospace,Menlo,monospace;font-size:12px}
)";

}  // namespace

std::string html_report(const std::vector<ReportEntry>& entries, const std::string& target,
                        const std::string& title) {
  std::size_t fit = 0;
  for (const ReportEntry& e : entries) fit += e.explanation && e.explanation->result.fits;
  // What needs attention first: profiles that do not fit, then errors, then the rest, each in the
  // order given.
  auto rank = [](const ReportEntry& e) {
    return !e.explanation ? 1 : e.explanation->result.fits ? 2 : 0;
  };
  std::vector<ReportEntry> sorted = entries;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const ReportEntry& a, const ReportEntry& b) { return rank(a) < rank(b); });
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << escape(title)
      << "</title><style>" << kStyle << "</style></head><body>"
      << "<h1>" << escape(title) << "</h1><p class=\"quiet\" id=\"verdict\">" << fit << " of "
      << entries.size() << " profiles fit " << escape(target)
      << ". Sizes are the characters the target counts, measured on the encoded profile; a "
         "share is the size with the part minus the size without it.</p>";
  summary_table(out, sorted);
  for (std::size_t i = 0; i < sorted.size(); ++i) profile_section(out, sorted[i], i);
  out << "</body></html>\n";
  return out.str();
}

}  // namespace cmdm::cli
