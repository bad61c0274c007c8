#pragma once
// Renders the keyviz matrix (kv::KeyVizSampler) for people and tools: the Admin
// GetKeyVizMatrix response, the /keyviz JSON document and the /keyviz.html heatmap.
//
// Rows are the routes of the node's current table, in key order, followed by routes that
// no longer exist but still have traffic in the window. The HTML page is self-contained
// (inline CSS, JS and SVG; the data is embedded), so it renders without any network.

#include <cstdint>
#include <string>

#include "admin.pb.h"
#include "server/kv/keyviz.h"
#include "server/kv/route_table.h"

namespace raftlab::api {

raftlab::admin::GetKeyVizMatrixResponse KeyVizToProto(const kv::KeyVizMatrix& m, const kv::RouteTable& table);

// {"node_id", "column_width_ms", "column_start_unix_ms": [...], "rows": [{"route_id",
//  "group_id", "start_key", "end_key" (printable, "-" = open end), "reads": [...],
//  "writes": [...], "read_bytes": [...], "write_bytes": [...]}]}
std::string KeyVizJson(const kv::KeyVizMatrix& m, const kv::RouteTable& table, uint64_t node_id);

// The heatmap page: routes × time, a metric picker, a colour legend, per-cell tooltips.
std::string KeyVizHtml(const kv::KeyVizMatrix& m, const kv::RouteTable& table, uint64_t node_id);

}  // namespace raftlab::api
