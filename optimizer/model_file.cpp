// Reading and writing rnnopt model files (the safetensors bytes; the manifest is manifest.cpp);
// the format is optimizer/MODEL_FORMAT.md.
//
// The reader treats the bytes as hostile: it checks every length against what is actually there
// before allocating, bounds the JSON nesting (nlohmann's copy and dump recurse), and reports every
// problem as ModelError("<source>: <problem>"). The fuzzer (fuzz/) relies on this.
#include "optimizer/model_file.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "core/durable_file.h"
#include "optimizer/internal/model_json.h"

namespace rnnopt {

namespace {

std::uint64_t read_u64_le(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void append_u64_le(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// One entry of the safetensors header, checked against the data section.
struct TensorEntry {
  std::string name;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

TensorEntry parse_tensor_entry(const std::string& name, const json& v, std::uint64_t data_size,
                               const std::string& source) {
  const std::string where = "tensor " + shown(name);
  if (!v.is_object()) fail(source, where + ": entry must be an object, got " + v.type_name());
  TensorEntry e;
  e.name = name;
  const std::string dtype = as_string(member(v, "dtype", source, where), source, where + " dtype");
  if (dtype != "F32") {
    fail(source, where + " has dtype " + shown(dtype) + ", only F32 is supported");
  }
  const json& shape = as_array(member(v, "shape", source, where), source, where + " shape");
  for (const json& dim : shape) {
    if (!dim.is_number_unsigned() ||
        dim.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      fail(source, where + " shape entries must be integers in [0, 2^63)");
    }
    e.shape.push_back(static_cast<std::int64_t>(dim.get<std::uint64_t>()));
  }
  // numel is bounded by the data size while it is multiplied up, so it cannot overflow.
  const std::uint64_t max_numel = data_size / 4;
  std::uint64_t numel = 1;
  if (std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end()) {
    numel = 0;
  } else {
    for (std::int64_t n : e.shape) {
      const auto u = static_cast<std::uint64_t>(n);
      if (numel > max_numel / u) {
        fail(source, where + " shape " + shape_string(e.shape) +
                         " needs more bytes than the data section holds (" +
                         std::to_string(data_size) + ")");
      }
      numel *= u;
    }
  }
  const json& offsets =
      as_array(member(v, "data_offsets", source, where), source, where + " data_offsets");
  if (offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
    fail(source, where + " data_offsets must be two non-negative integers [begin, end]");
  }
  e.begin = offsets[0].get<std::uint64_t>();
  e.end = offsets[1].get<std::uint64_t>();
  if (e.begin > e.end) {
    fail(source, where + " data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] are reversed");
  }
  if (e.end > data_size) {
    fail(source, where + " data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] fall outside the data section of " +
                     std::to_string(data_size) + " bytes");
  }
  if (e.end - e.begin != 4 * numel) {
    fail(source, where + " data_offsets [" + std::to_string(e.begin) + ", " +
                     std::to_string(e.end) + "] hold " + std::to_string(e.end - e.begin) +
                     " bytes but shape " + shape_string(e.shape) + " needs " +
                     std::to_string(4 * numel));
  }
  return e;
}

// The checks on the tensors present against those the manifest requires, shared by the reader and
// the writer so that both accept exactly the same files.
template <typename ShapeOf>
void check_tensor_set(const std::map<std::string, std::vector<std::int64_t>>& expected,
                      const std::vector<std::string>& present, ShapeOf shape_of,
                      const std::string& source) {
  for (const auto& [name, shape] : expected) {
    if (!contains(present, name)) {
      fail(source,
           "missing tensor " + shown(name) + " (expected shape " + shape_string(shape) + ")");
    }
    const std::vector<std::int64_t>& got = shape_of(name);
    if (got != shape) {
      fail(source, "tensor " + shown(name) + " has shape " + shape_string(got) + ", expected " +
                       shape_string(shape));
    }
  }
  for (const std::string& name : present) {
    if (expected.count(name) == 0) fail(source, "unexpected tensor " + shown(name));
  }
}

void check_finite(const std::string& name, const float* values, std::size_t n,
                  const std::string& source) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i])) {
      fail(source,
           "tensor " + shown(name) + " has a non-finite value at index " + std::to_string(i));
    }
  }
}

// Everything a writer checks before producing bytes; errors name `source`.
void validate_for_writing(const ModelFile& file, const std::string& source) {
  file.manifest.validate(source);
  std::vector<std::string> present;
  for (const auto& [name, tensor] : file.tensors) present.push_back(name);
  check_tensor_set(
      file.manifest.expected_tensors(), present,
      [&](const std::string& name) -> const std::vector<std::int64_t>& {
        return file.tensors.at(name).shape;
      },
      source);
  for (const auto& [name, tensor] : file.tensors) {
    if (tensor.data.size() != static_cast<std::size_t>(tensor.numel())) {
      fail(source, "tensor " + shown(name) + " has " + std::to_string(tensor.data.size()) +
                       " values, shape " + shape_string(tensor.shape) + " needs " +
                       std::to_string(tensor.numel()));
    }
    check_finite(name, tensor.data.data(), tensor.data.size(), source);
  }
}

}  // namespace

ModelFile parse_model_bytes(std::span<const std::uint8_t> bytes, const std::string& source) {
  if (bytes.size() < 8) {
    fail(source, "truncated: " + std::to_string(bytes.size()) +
                     " bytes, shorter than the 8-byte header length");
  }
  const std::uint64_t header_size = read_u64_le(bytes.data());
  if (header_size > kMaxHeaderBytes) {
    fail(source, "header length " + std::to_string(header_size) + " exceeds the limit of " +
                     std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (header_size > bytes.size() - 8) {
    fail(source, "truncated: the header length is " + std::to_string(header_size) +
                     " bytes but only " + std::to_string(bytes.size() - 8) + " follow");
  }
  const std::string_view header_text(reinterpret_cast<const char*>(bytes.data() + 8),
                                     static_cast<std::size_t>(header_size));
  const std::span<const std::uint8_t> data = bytes.subspan(8 + header_size);
  const json header = parse_json(header_text, source, "header JSON");
  if (!header.is_object()) {
    fail(source,
         std::string("malformed header: a JSON object is required, got ") + header.type_name());
  }

  // __metadata__: a map of string to string, with format and manifest.
  const auto meta_it = header.find("__metadata__");
  if (meta_it == header.end()) fail(source, "malformed header: no \"__metadata__\"");
  if (!meta_it->is_object()) fail(source, "malformed header: \"__metadata__\" is not an object");
  for (const auto& [k, v] : meta_it->items()) {
    if (!v.is_string()) {
      fail(source, "malformed header: __metadata__ value " + shown(k) + " is not a string");
    }
  }
  const auto format_it = meta_it->find("format");
  if (format_it == meta_it->end()) fail(source, "__metadata__ has no \"format\"");
  if (format_it->get<std::string>() != "rnnopt-model") {
    fail(source, "__metadata__ format is " + shown(format_it->get<std::string>()) +
                     ", expected 'rnnopt-model'");
  }
  const auto manifest_it = meta_it->find("manifest");
  if (manifest_it == meta_it->end()) fail(source, "__metadata__ has no \"manifest\"");

  // Tensor entries: each checked alone, then together (no overlaps, no gaps, no trailing bytes).
  std::vector<TensorEntry> entries;
  for (const auto& [name, v] : header.items()) {
    if (name == "__metadata__") continue;
    entries.push_back(parse_tensor_entry(name, v, data.size(), source));
  }
  std::vector<const TensorEntry*> by_offset;
  for (const TensorEntry& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorEntry* a, const TensorEntry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::uint64_t covered = 0;
  const TensorEntry* previous = nullptr;
  for (const TensorEntry* e : by_offset) {
    if (e->begin < covered) {
      fail(source, "tensor " + shown(e->name) + " overlaps tensor " + shown(previous->name));
    }
    if (e->begin > covered) {
      fail(source, "gap of " + std::to_string(e->begin - covered) + " bytes before tensor " +
                       shown(e->name) + " (tensors must be tightly packed)");
    }
    covered = e->end;
    previous = e;
  }
  if (covered != data.size()) {
    fail(source, std::to_string(data.size() - covered) +
                     " bytes in the data section after the last tensor");
  }

  ModelFile file;
  file.manifest = parse_manifest(manifest_it->get<std::string>(), source);

  std::vector<std::string> names;
  for (const TensorEntry& e : entries) names.push_back(e.name);
  check_tensor_set(
      file.manifest.expected_tensors(), names,
      [&](const std::string& name) -> const std::vector<std::int64_t>& {
        return std::find_if(entries.begin(), entries.end(),
                            [&](const TensorEntry& e) { return e.name == name; })
            ->shape;
      },
      source);

  // Sizes are checked against the data section above, so these allocations are bounded by it.
  for (const TensorEntry& e : entries) {
    Tensor t;
    t.shape = e.shape;
    const std::size_t n = static_cast<std::size_t>((e.end - e.begin) / 4);
    t.data.resize(n);
    const std::uint8_t* p = data.data() + e.begin;
    if constexpr (std::endian::native == std::endian::little) {
      if (n > 0) std::memcpy(t.data.data(), p, 4 * n);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t u = 0;
        for (int b = 3; b >= 0; --b) u = (u << 8) | p[4 * i + static_cast<std::size_t>(b)];
        t.data[i] = std::bit_cast<float>(u);
      }
    }
    check_finite(e.name, t.data.data(), n, source);
    file.tensors.emplace(e.name, std::move(t));
  }
  return file;
}

ModelFile read_model_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    fail(path, "cannot read the model file: " + (ec ? ec.message() : std::string("no such file")));
  }
  if (!fs::is_regular_file(status)) fail(path, "cannot read the model file: not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read the model file: " + ec.message());
  if (size > kMaxModelFileBytes) {
    fail(path, "the file has " + std::to_string(size) + " bytes, more than the limit of " +
                   std::to_string(kMaxModelFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the model file for reading");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    fail(path, "cannot read the model file: it shrank while being read");
  }
  return parse_model_bytes(bytes, path);
}

std::vector<std::uint8_t> model_file_bytes(const ModelFile& file, const std::string& source) {
  validate_for_writing(file, source);
  json header = json::object();
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : file.tensors) {
    const std::uint64_t bytes = 4 * tensor.data.size();
    header[name] = {
        {"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  header["__metadata__"] = {{"format", "rnnopt-model"},
                            {"manifest", manifest_to_json(file.manifest)}};
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    fail(source, std::string("cannot serialise the header: ") + e.what());
  }
  // Pad with spaces so that the data section starts 8-byte aligned (8 + N is a multiple of 8).
  text.append((8 - text.size() % 8) % 8, ' ');
  if (text.size() > kMaxHeaderBytes) {
    fail(source, "the header would have " + std::to_string(text.size()) +
                     " bytes, more than the limit of " + std::to_string(kMaxHeaderBytes));
  }
  std::vector<std::uint8_t> out;
  out.reserve(8 + text.size() + offset);
  append_u64_le(out, text.size());
  out.insert(out.end(), text.begin(), text.end());
  for (const auto& [name, tensor] : file.tensors) {
    for (float v : tensor.data) {
      const auto u = std::bit_cast<std::uint32_t>(v);
      for (int b = 0; b < 4; ++b) out.push_back(static_cast<std::uint8_t>(u >> (8 * b)));
    }
  }
  if (out.size() > kMaxModelFileBytes) {
    fail(source, "the file would have " + std::to_string(out.size()) +
                     " bytes, more than the limit of " + std::to_string(kMaxModelFileBytes));
  }
  return out;
}

void write_model_file(const std::string& path, const ModelFile& file) {
  const std::vector<std::uint8_t> bytes = model_file_bytes(file, path);
  try {
    write_file_durably(path, bytes);
  } catch (const std::runtime_error& e) {
    throw ModelError(e.what());  // "<path>: <what failed>: <system error>"
  }
}

}  // namespace rnnopt
