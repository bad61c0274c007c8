#include "server/api/keyviz_page.h"

#include <nlohmann/json.hpp>

#include <set>

#include "server/kv/cluster_file.h"

namespace raftlab::api {
namespace {

struct Row {
  uint64_t route_id = 0;
  uint64_t group_id = 0;  // 0 = no longer in the table
  std::string start, end;
  const std::vector<kv::KeyVizCell>* cells = nullptr;  // null = no traffic
};

std::vector<Row> Rows(const kv::KeyVizMatrix& m, const kv::RouteTable& table) {
  std::vector<Row> rows;
  std::set<uint64_t> seen;
  for (const kv::Route& r : table.routes()) {
    auto it = m.rows.find(r.route_id);
    rows.push_back({r.route_id, r.group_id, r.start, r.end, it == m.rows.end() ? nullptr : &it->second});
    seen.insert(r.route_id);
  }
  for (const auto& [id, cells] : m.rows) {
    if (!seen.count(id)) rows.push_back({id, 0, "", "", &cells});
  }
  return rows;
}

}  // namespace

raftlab::admin::GetKeyVizMatrixResponse KeyVizToProto(const kv::KeyVizMatrix& m, const kv::RouteTable& table) {
  raftlab::admin::GetKeyVizMatrixResponse out;
  out.set_column_width_ms(static_cast<uint64_t>(m.column_width_ms));
  for (int64_t t : m.column_start_ms) out.add_column_start_unix_ms(t);
  for (const Row& r : Rows(m, table)) {
    auto* row = out.add_rows();
    row->set_route_id(r.route_id);
    row->set_start_key(r.start);
    row->set_end_key(r.end);
    for (size_t i = 0; i < m.column_start_ms.size(); ++i) {
      auto* cell = row->add_cells();
      if (r.cells == nullptr) continue;
      const kv::KeyVizCell& c = (*r.cells)[i];
      cell->set_reads(c.reads);
      cell->set_writes(c.writes);
      cell->set_read_bytes(c.read_bytes);
      cell->set_write_bytes(c.write_bytes);
    }
  }
  return out;
}

std::string KeyVizJson(const kv::KeyVizMatrix& m, const kv::RouteTable& table, uint64_t node_id) {
  nlohmann::json doc;
  doc["node_id"] = node_id;
  doc["column_width_ms"] = m.column_width_ms;
  doc["column_start_unix_ms"] = m.column_start_ms;
  doc["route_table_version"] = table.version();
  doc["rows"] = nlohmann::json::array();
  for (const Row& r : Rows(m, table)) {
    nlohmann::json row;
    row["route_id"] = r.route_id;
    row["group_id"] = r.group_id;
    row["start_key"] = kv::PrintableKey(r.start);
    row["end_key"] = kv::PrintableKey(r.end);
    std::vector<uint64_t> reads, writes, rb, wb;
    for (size_t i = 0; i < m.column_start_ms.size(); ++i) {
      const kv::KeyVizCell c = r.cells == nullptr ? kv::KeyVizCell{} : (*r.cells)[i];
      reads.push_back(c.reads);
      writes.push_back(c.writes);
      rb.push_back(c.read_bytes);
      wb.push_back(c.write_bytes);
    }
    row["reads"] = reads;
    row["writes"] = writes;
    row["read_bytes"] = rb;
    row["write_bytes"] = wb;
    doc["rows"].push_back(std::move(row));
  }
  return doc.dump();
}

namespace {

constexpr const char* kPageHead = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>raftlab keyviz</title>
<style>
body{font:14px system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px} .sub{color:#666;margin-bottom:10px}
.picker button{font:13px system-ui;margin-right:4px;padding:3px 10px;border:1px solid #999;background:#f4f4f4;border-radius:3px;cursor:pointer}
.picker button.on{background:#8b0000;color:#fff;border-color:#8b0000}
svg text{font:11px ui-monospace,monospace;fill:#333}
#empty{color:#a00;margin:8px 0}
</style></head><body>
<h1>Key visualizer</h1>
<div class="sub" id="sub"></div>
<div class="picker" id="picker"></div>
<div id="empty"></div>
<div id="chart"></div>
<script>
const DATA = )HTML";

constexpr const char* kPageTail = R"HTML(;
const METRICS = [["ops","reads + writes"],["reads","reads"],["writes","writes"],
                 ["read_bytes","read bytes"],["write_bytes","write bytes"]];
let metric = "ops";
function values(row) {
  if (metric === "ops") return row.reads.map((r, i) => r + row.writes[i]);
  return row[metric];
}
function colour(v, max) {
  if (v === 0 || max === 0) return "#f2f2f2";
  const t = Math.log1p(v) / Math.log1p(max);
  const l = 92 - 62 * t;
  return "hsl(" + (50 - 50 * t) + ",90%," + l + "%)";
}
function fmtTime(ms) {
  const d = new Date(ms);
  return d.toISOString().substring(11, 19);
}
function el(name, attrs, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function draw() {
  const rows = DATA.rows, cols = DATA.column_start_unix_ms;
  document.getElementById("sub").textContent = "node " + DATA.node_id + " \u00b7 route table v" +
      DATA.route_table_version + " \u00b7 " + rows.length + " routes \u00d7 " + cols.length +
      " columns of " + (DATA.column_width_ms / 1000) + " s \u00b7 rows: key ranges, columns: time (oldest left)";
  let max = 0, total = 0;
  for (const r of rows) for (const v of values(r)) { max = Math.max(max, v); total += v; }
  document.getElementById("empty").textContent = total === 0 ? "No " + metric + " in this window." : "";
  const labelW = 260, cellW = Math.max(6, Math.min(40, Math.floor(880 / Math.max(1, cols.length)))),
        cellH = Math.max(14, Math.min(40, Math.floor(560 / Math.max(1, rows.length)))), top = 8;
  const width = labelW + cols.length * cellW + 80, height = top + rows.length * cellH + 70;
  const svg = el("svg", {width: width, height: height, role: "img"});
  rows.forEach((r, y) => {
    const label = "#" + r.route_id + (r.group_id ? " g" + r.group_id : " (gone)") + " [" + r.start_key + ", " + r.end_key + ")";
    svg.appendChild(el("text", {x: labelW - 6, y: top + y * cellH + cellH / 2 + 4, "text-anchor": "end"}, label));
    values(r).forEach((v, x) => {
      const rect = el("rect", {x: labelW + x * cellW, y: top + y * cellH, width: cellW - 1, height: cellH - 1,
                               fill: colour(v, max)});
      rect.appendChild(el("title", {}, label + "\n" + fmtTime(cols[x]) + "\nreads " + r.reads[x] + ", writes " +
          r.writes[x] + "\nread bytes " + r.read_bytes[x] + ", write bytes " + r.write_bytes[x]));
      svg.appendChild(rect);
    });
  });
  const axisY = top + rows.length * cellH + 14;
  const step = Math.max(1, Math.ceil(60 / cellW));
  for (let x = 0; x < cols.length; x += step) {
    svg.appendChild(el("text", {x: labelW + x * cellW, y: axisY}, fmtTime(cols[x])));
  }
  const legendY = axisY + 16;
  svg.appendChild(el("text", {x: labelW - 6, y: legendY + 10, "text-anchor": "end"}, metric + " per column:"));
  for (let i = 0; i <= 10; ++i) {
    const v = i === 0 ? 0 : Math.round(Math.expm1(Math.log1p(max) * i / 10));
    svg.appendChild(el("rect", {x: labelW + i * 22, y: legendY, width: 21, height: 14, fill: colour(v, max)}));
  }
  svg.appendChild(el("text", {x: labelW + 11 * 22 + 4, y: legendY + 11}, "0 \u2026 " + max + " (log scale)"));
  const chart = document.getElementById("chart");
  chart.replaceChildren(svg);
}
const picker = document.getElementById("picker");
for (const [key, name] of METRICS) {
  const b = document.createElement("button");
  b.textContent = name;
  b.onclick = () => { metric = key; for (const o of picker.children) o.className = ""; b.className = "on"; draw(); };
  if (key === metric) b.className = "on";
  picker.appendChild(b);
}
draw();
</script></body></html>
)HTML";

}  // namespace

std::string KeyVizHtml(const kv::KeyVizMatrix& m, const kv::RouteTable& table, uint64_t node_id) {
  std::string json = KeyVizJson(m, table, node_id);
  // Embedded in <script>: "</" would end it early.
  std::string safe;
  safe.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] == '<') {
      safe += "\\u003c";
    } else {
      safe.push_back(json[i]);
    }
  }
  return std::string(kPageHead) + safe + kPageTail;
}

}  // namespace raftlab::api
