// SPDX-License-Identifier: MIT
// Token management over REST (SPEC §7: scope admin), next to the CLI.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

#include "rest/rest_handlers.hpp"
#include "auth/token_store_factory.hpp"
#include "sensorhub/auth/token_where.hpp"

namespace sensorhubd {

using sensorhub::errc;

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_scopes(json_writer& w, sensorhub::scope_set s) {
  w.StartArray();
  for (auto bit : {sensorhub::scope_read, sensorhub::scope_write, sensorhub::scope_admin}) {
    if ((s & bit) != 0) w.String(sensorhub::format_scopes(bit).c_str());
  }
  w.EndArray();
}

void write_time(json_writer& w, const std::optional<sensorhub::timestamp>& t) {
  if (t) {
    w.String(sensorhub::format_time(*t).c_str());
  } else {
    w.Null();
  }
}

void write_info(json_writer& w, const sensorhub::token_info& t) {
  w.Key("name");
  w.String(t.name.c_str());
  w.Key("scopes");
  write_scopes(w, t.scopes);
  w.Key("created_at");
  write_time(w, t.created_at);
  w.Key("last_used");
  write_time(w, t.last_used);
  w.Key("revoked_at");
  write_time(w, t.revoked_at);
  w.Key("where");  // SPEC 7.1: {} when the token sees everything
  const std::string where = sensorhub::where_to_json(t.where);
  w.RawValue(where.data(), where.size(), rapidjson::kObjectType);
}

// The "where" member: the data scope of SPEC 7.1, or a field error.
void parse_where(const rapidjson::Value& v, sensorhub::data_scope& out,
                 sensorhub::field_errors& fields) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  v.Accept(w);
  try {
    out = sensorhub::where_from_json(std::string_view(buf.GetString(), buf.GetSize()));
  } catch (const sensorhub::error& e) {
    fields["where"] = e.what();
  }
}

// {"name": "...", "scopes": ["read", ...], "where": {...}}; anything else is
// a 400/422.
sensorhub::token_params parse_create(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(),
                                                                                    body.size());
  if (doc.HasParseError()) throw sensorhub::error(errc::invalid_json, "malformed JSON");
  if (!doc.IsObject()) {
    throw sensorhub::validation_error({{"body", "must be an object"}}, "validation failed");
  }
  sensorhub::field_errors fields;
  sensorhub::token_params out;
  std::string& name = out.name;
  sensorhub::scope_set& scopes = out.scopes;
  bool has_scopes = false;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const auto& v = it->value;
    if (key == "name") {
      if (!v.IsString()) {
        fields["name"] = "must be a string";
      } else {
        name.assign(v.GetString(), v.GetStringLength());
      }
    } else if (key == "scopes") {
      has_scopes = true;
      if (!v.IsArray() || v.Empty()) {
        fields["scopes"] = "must be a non-empty array of read, write, admin";
        continue;
      }
      for (const auto& s : v.GetArray()) {
        const auto one = s.IsString() ? sensorhub::parse_scopes(s.GetString()) : std::nullopt;
        if (!one || s.GetStringLength() == 0 ||
            std::string_view(s.GetString()).find(',') != std::string_view::npos) {
          fields["scopes"] = "must be a non-empty array of read, write, admin";
          break;
        }
        scopes |= *one;
      }
    } else if (key == "where") {
      parse_where(v, out.where, fields);
    } else {
      fields[key] = "unknown field";
    }
  }
  if (doc.FindMember("name") == doc.MemberEnd()) fields["name"] = "required";
  if (!has_scopes) fields["scopes"] = "required";
  if (!fields.empty()) throw sensorhub::validation_error(std::move(fields), "validation failed");
  return out;
}

}  // namespace

void add_token_routes(router& r, app& a) {
  auto* ap = &a;
  r.add({"GET", "/api/v1/tokens",
         [ap](const http_request&, const path_params&, const scope_t&, http_responder respond) {
           run_blocking(*ap, std::move(respond), [ap] {
             const auto store_ptr = open_token_store(ap->config.db);
             sensorhub::token_store& store = *store_ptr;
             rapidjson::StringBuffer buf;
             json_writer w(buf);
             w.StartArray();
             for (const auto& t : store.list()) {
               w.StartObject();
               write_info(w, t);
               w.EndObject();
             }
             w.EndArray();
             return json_response(200, buf.GetString());
           });
         }});
  r.add({"POST", "/api/v1/tokens",
         [ap](const http_request& req, const path_params&, const scope_t&, http_responder respond) {
           run_blocking(*ap, std::move(respond), [ap, body = req.body] {
             const auto params = parse_create(body);
             const std::string& name = params.name;
             const auto store_ptr = open_token_store(ap->config.db);
             sensorhub::token_store& store = *store_ptr;
             std::string token;
             try {
               token = store.create(params);
             } catch (const sensorhub::error& e) {
               if (e.code() != errc::invalid_parameter) throw;
               throw sensorhub::validation_error({{"name", e.what()}}, "validation failed");
             }
             sensorhub::token_info info;
             for (auto& t : store.list()) {
               if (t.name == name) info = std::move(t);
             }
             rapidjson::StringBuffer buf;
             json_writer w(buf);
             w.StartObject();
             write_info(w, info);
             w.Key("token");
             w.String(token.c_str());
             w.EndObject();
             return json_response(201, buf.GetString());
           });
         }});
  r.add({"DELETE", "/api/v1/tokens/{name}",
         [ap](const http_request&, const path_params& p, const scope_t&, http_responder respond) {
           run_blocking(*ap, std::move(respond), [ap, name = p.at(0)] {
             const auto store_ptr = open_token_store(ap->config.db);
             sensorhub::token_store& store = *store_ptr;
             if (!store.revoke(name)) {
               return error_response(errc::not_found, "no active token with this name");
             }
             http_response res;
             res.status = 204;
             res.content_type.clear();
             return res;
           });
         }});
}

}  // namespace sensorhubd
