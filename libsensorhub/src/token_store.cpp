#include "sensorhub/token_store.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <SQLiteCpp/Transaction.h>

#include <cerrno>

#include "sensorhub/error.hpp"
#include "sha256.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "storage/sqlite/sqlite_schema.hpp"

namespace sensorhub {

namespace {

constexpr std::size_t token_bytes = 32;
constexpr const char* token_prefix = "shk_";

struct scope_name {
  scope_set bit;
  std::string_view name;
};
constexpr scope_name scope_names[] = {
    {scope_read, "read"}, {scope_write, "write"}, {scope_admin, "admin"}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

void os_random(std::uint8_t* out, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::getrandom(out + got, size - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  if (got == size) return;
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw error(errc::internal, "no OS random source");
  got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, out + got, size - got);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (!(n < 0 && errno == EINTR)) {
      break;
    }
  }
  ::close(fd);
  if (got != size) throw error(errc::internal, "reading /dev/urandom failed");
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<timestamp> opt_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return from_micros(c.getInt64());
}

}  // namespace

std::optional<scope_set> parse_scopes(std::string_view csv) {
  scope_set out = 0;
  while (true) {
    const auto comma = csv.find(',');
    const std::string_view part = trim(csv.substr(0, comma));
    bool known = false;
    for (const auto& s : scope_names) {
      if (part == s.name) {
        out |= s.bit;
        known = true;
      }
    }
    if (!known) return std::nullopt;
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return out == 0 ? std::nullopt : std::optional<scope_set>(out);
}

std::string format_scopes(scope_set scopes) {
  std::string out;
  for (const auto& s : scope_names) {
    if ((scopes & s.bit) == 0) continue;
    if (!out.empty()) out.push_back(',');
    out += s.name;
  }
  return out;
}

std::string generate_token() {
  std::array<std::uint8_t, token_bytes> raw{};
  os_random(raw.data(), raw.size());
  return token_prefix + detail::to_hex(raw.data(), raw.size());
}

token_hash hash_token(std::string_view token) noexcept { return detail::sha256::hash(token); }

bool hashes_equal(const token_hash& a, const token_hash& b) noexcept {
  volatile std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

struct token_store::impl {
  detail::sqlite_connection con;

  impl(const std::string& path, std::chrono::milliseconds busy)
      : con(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, busy) {
    SQLite::Database& db = con.db();
    detail::sqlite_check_schema_version(db);
    db.exec("PRAGMA journal_mode=WAL");
    detail::sqlite_migrate(db);
  }
};

template <typename Fn>
auto storage_call(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw error(errc::storage, std::string("token store: ") + e.what());
  }
}

token_store::token_store(const std::string& db_path, std::chrono::milliseconds busy_timeout) {
  storage_call([&] {
    impl_ = std::make_unique<impl>(db_path, busy_timeout);
    return 0;
  });
}

token_store::~token_store() = default;

std::string token_store::create(const std::string& name, scope_set scopes) {
  if (!valid_name(name)) {
    throw error(errc::invalid_parameter,
                "token name: 1 to 64 characters of A-Z a-z 0-9 . _ - are allowed");
  }
  if ((scopes & (scope_read | scope_write | scope_admin)) == 0 ||
      (scopes & ~(scope_read | scope_write | scope_admin)) != 0) {
    throw error(errc::invalid_parameter, "scopes: one or more of read, write, admin");
  }
  return storage_call([&] {
    SQLite::Transaction tx(impl_->con.db(), SQLite::TransactionBehavior::IMMEDIATE);
    {
      auto st = impl_->con.prepare("SELECT 1 FROM tokens WHERE name = ?");
      st->bind(1, name);
      if (st->executeStep()) {
        throw error(errc::invalid_parameter,
                    "a token named '" + name + "' already exists (revoked names stay taken)");
      }
    }
    const std::string token = generate_token();
    const token_hash h = hash_token(token);
    {
      auto st = impl_->con.prepare(
          "INSERT INTO tokens(name, hash, scopes, created_at) VALUES (?, ?, ?, ?)");
      st->bind(1, name);
      st->bind(2, h.data(), static_cast<int>(h.size()));
      st->bind(3, format_scopes(scopes));
      st->bind(4, static_cast<std::int64_t>(to_micros(now())));
      st->exec();
    }
    tx.commit();
    return token;
  });
}

std::vector<token_info> token_store::list() {
  return storage_call([&] {
    std::vector<token_info> out;
    auto st = impl_->con.prepare(
        "SELECT name, scopes, created_at, last_used, revoked_at FROM tokens ORDER BY name");
    while (st->executeStep()) {
      token_info t;
      t.name = st->getColumn(0).getString();
      t.scopes = parse_scopes(st->getColumn(1).getString()).value_or(0);
      t.created_at = from_micros(st->getColumn(2).getInt64());
      t.last_used = opt_time(st->getColumn(3));
      t.revoked_at = opt_time(st->getColumn(4));
      out.push_back(std::move(t));
    }
    return out;
  });
}

bool token_store::revoke(const std::string& name) {
  return storage_call([&] {
    auto st = impl_->con.prepare(
        "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL");
    st->bind(1, static_cast<std::int64_t>(to_micros(now())));
    st->bind(2, name);
    return st->exec() > 0;
  });
}

std::vector<active_token> token_store::active() {
  return storage_call([&] {
    std::vector<active_token> out;
    auto st = impl_->con.prepare("SELECT name, scopes, hash FROM tokens WHERE revoked_at IS NULL");
    while (st->executeStep()) {
      active_token t;
      t.name = st->getColumn(0).getString();
      t.scopes = parse_scopes(st->getColumn(1).getString()).value_or(0);
      const SQLite::Column h = st->getColumn(2);
      if (h.getBytes() != static_cast<int>(t.hash.size())) continue;
      const auto* p = static_cast<const std::uint8_t*>(h.getBlob());
      std::copy(p, p + t.hash.size(), t.hash.begin());
      out.push_back(std::move(t));
    }
    return out;
  });
}

void token_store::mark_used(const std::string& name, timestamp when) {
  storage_call([&] {
    auto st = impl_->con.prepare(
        "UPDATE tokens SET last_used = ? WHERE name = ? AND (last_used IS NULL OR last_used < ?)");
    const auto us = static_cast<std::int64_t>(to_micros(when));
    st->bind(1, us);
    st->bind(2, name);
    st->bind(3, us);
    st->exec();
    return 0;
  });
}

}  // namespace sensorhub
