#pragma once
// A small read-only YAML document model over libyaml, for policies and policy test tables.
// The API mirrors the subset of yaml-cpp's Node that the loaders use (Type, IsMap, Scalar,
// Mark, operator[], map iteration), so positions and null handling read the same way.
//
// Why not yaml-cpp: `airlock hook` loads the policy once per tool call, and yaml-cpp's
// scanner cost about 5 million instructions on the 3 KB default policy, half of the whole
// call; libyaml parses it in a fraction of that.
//
// Limits (bounded memory and time): nesting deeper than 64 levels, more than one document,
// and aliases (`*name`, whose expansion could multiply work) are errors. A Document and
// the Nodes taken from it share ownership of the parsed data; they are immutable and safe to
// read from several threads.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace airlock::policy::yaml {

// 0-based like yaml-cpp; -1 when unknown. `pos` is the byte offset in the source.
struct Mark {
  int line = -1;
  int column = -1;
  int pos = -1;
};

enum class NodeType : std::uint8_t { kUndefined, kNull, kScalar, kSequence, kMap };
enum class Style : std::uint8_t { kPlain, kSingleQuoted, kDoubleQuoted, kLiteral, kFolded, kFlow, kBlock };

struct Data;
struct Document;

class Node {
 public:
  Node() = default;  // undefined: what a missing key or index gives

  NodeType Type() const;
  bool IsDefined() const { return Type() != NodeType::kUndefined; }
  bool IsNull() const { return Type() == NodeType::kNull; }
  bool IsScalar() const { return Type() == NodeType::kScalar; }
  bool IsSequence() const { return Type() == NodeType::kSequence; }
  bool IsMap() const { return Type() == NodeType::kMap; }
  explicit operator bool() const { return IsDefined(); }

  const std::string& Scalar() const;  // empty unless a scalar
  Style style() const;
  // yaml-cpp's convention: "!" for a quoted or block scalar, "?" for a plain one.
  std::string Tag() const;
  yaml::Mark Mark() const;
  std::size_t size() const;  // entries of a map or sequence, else 0

  Node operator[](std::string_view key) const;  // first entry with that key, else undefined
  Node operator[](std::size_t index) const;     // sequence element, else undefined
  Node operator[](int index) const { return (*this)[static_cast<std::size_t>(index)]; }
  Node operator[](const char* key) const { return (*this)[std::string_view(key)]; }
  Node operator[](const std::string& key) const { return (*this)[std::string_view(key)]; }

  // Iteration as in yaml-cpp: over a map, `it->first` is the key and `it->second` the value;
  // over a sequence, `*it` is the element.
  class iterator;
  iterator begin() const;
  iterator end() const;

 private:
  friend struct Builder;
  Node(std::shared_ptr<const Document> doc, const Data* data) : doc_(std::move(doc)), data_(data) {}
  std::shared_ptr<const Document> doc_;
  const Data* data_ = nullptr;
};

struct IteratorValue : Node {
  Node first;
  Node second;
};

class Node::iterator {
 public:
  using Entry = IteratorValue;
  const Entry& operator*() const { return entry_; }
  const Entry* operator->() const { return &entry_; }
  iterator& operator++();
  bool operator!=(const iterator& o) const { return index_ != o.index_; }
  bool operator==(const iterator& o) const { return index_ == o.index_; }

 private:
  friend class Node;
  iterator(Node owner, std::size_t index);
  Node owner_;  // a copy: iterating a temporary node is safe
  std::size_t index_ = 0;
  Entry entry_;
};

// Parses one YAML document. An empty input gives a null root. Errors (kInvalidArgument) carry
// the message; *errorMark says where (0-based line and column).
core::Result<Node> load(std::string_view text, Mark* errorMark);

}  // namespace airlock::policy::yaml
