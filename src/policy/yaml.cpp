#include "policy/yaml.h"

#include <yaml.h>

#include <algorithm>
#include <deque>
#include <vector>

#include <fmt/format.h>

namespace airlock::policy::yaml {

constexpr std::size_t kMaxDepth = 64;

struct Data {
  NodeType type = NodeType::kUndefined;
  Style style = Style::kPlain;
  yaml::Mark mark;
  std::string scalar;
  std::vector<const Data*> items;  // sequence elements, or map keys and values interleaved
};

struct Document {
  std::deque<Data> nodes;  // stable addresses
};

namespace {
const std::string& emptyString() {
  static const std::string s;
  return s;
}
}  // namespace

NodeType Node::Type() const { return data_ ? data_->type : NodeType::kUndefined; }
const std::string& Node::Scalar() const { return data_ && data_->type == NodeType::kScalar ? data_->scalar : emptyString(); }
Style Node::style() const { return data_ ? data_->style : Style::kPlain; }
std::string Node::Tag() const {
  return data_ && data_->type == NodeType::kScalar && data_->style != Style::kPlain ? "!" : "?";
}
yaml::Mark Node::Mark() const { return data_ ? data_->mark : yaml::Mark{}; }

std::size_t Node::size() const {
  if (!data_) return 0;
  if (data_->type == NodeType::kSequence) return data_->items.size();
  if (data_->type == NodeType::kMap) return data_->items.size() / 2;
  return 0;
}

Node Node::operator[](std::string_view key) const {
  if (!data_ || data_->type != NodeType::kMap) return {};
  for (std::size_t i = 0; i + 1 < data_->items.size(); i += 2) {
    const Data* k = data_->items[i];
    if (k->type == NodeType::kScalar && k->scalar == key) return Node(doc_, data_->items[i + 1]);
  }
  return {};
}

Node Node::operator[](std::size_t index) const {
  if (!data_ || data_->type != NodeType::kSequence || index >= data_->items.size()) return {};
  return Node(doc_, data_->items[index]);
}

Node::iterator::iterator(Node owner, std::size_t index) : owner_(std::move(owner)), index_(index) {
  entry_ = IteratorValue{};
  if (index_ >= owner_.size()) return;
  if (owner_.IsMap()) {
    entry_.first = Node(owner_.doc_, owner_.data_->items[2 * index_]);
    entry_.second = Node(owner_.doc_, owner_.data_->items[2 * index_ + 1]);
  } else {
    static_cast<Node&>(entry_) = Node(owner_.doc_, owner_.data_->items[index_]);
  }
}

Node::iterator& Node::iterator::operator++() {
  *this = iterator(owner_, index_ + 1);
  return *this;
}

Node::iterator Node::begin() const { return iterator(*this, 0); }
Node::iterator Node::end() const { return iterator(*this, size()); }

// Builds the document from libyaml's event stream with an explicit stack (no recursion).
struct Builder {
  static core::Result<Node> run(std::string_view text, yaml::Mark* errorMark) {
    auto doc = std::make_shared<Document>();
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return core::makeError(core::Code::kInternal, "cannot initialise the YAML parser");
    static const char kEmpty[] = "";
    const char* bytes = text.empty() ? kEmpty : text.data();  // libyaml asserts on a null pointer
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(bytes), text.size());
    std::vector<Data*> stack;
    const Data* root = nullptr;
    int documents = 0;
    auto markOf = [](const yaml_mark_t& m) {
      return yaml::Mark{static_cast<int>(m.line), static_cast<int>(m.column), static_cast<int>(m.index)};
    };
    auto fail = [&](yaml::Mark at, std::string message) -> core::Result<Node> {
      if (errorMark) *errorMark = at;
      yaml_parser_delete(&parser);
      return core::makeError(core::Code::kInvalidArgument, std::move(message));
    };
    auto add = [&](Data d) -> Data* {
      doc->nodes.push_back(std::move(d));
      Data* node = &doc->nodes.back();
      if (stack.empty()) root = node;
      else stack.back()->items.push_back(node);
      return node;
    };
    bool done = false;
    while (!done) {
      yaml_event_t ev;
      if (!yaml_parser_parse(&parser, &ev)) {
        std::string msg = parser.problem ? parser.problem : "invalid YAML";
        if (parser.context) msg = fmt::format("{} {}", parser.context, msg);
        yaml::Mark where = markOf(parser.problem_mark);
        if (parser.error == YAML_READER_ERROR) {
          // Encoding errors carry a byte offset, not a mark: count lines up to it.
          std::size_t off = std::min<std::size_t>(parser.problem_offset, text.size());
          std::size_t lineStart = text.rfind('\n', off == 0 ? 0 : off - 1);
          lineStart = lineStart == std::string_view::npos || off == 0 ? 0 : lineStart + 1;
          int line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(lineStart), '\n'));
          where = yaml::Mark{line, static_cast<int>(off - lineStart), static_cast<int>(off)};
        }
        std::size_t at = parser.problem_mark.index;
        if (parser.error != YAML_READER_ERROR && at < text.size() && text[at] == '\t')
          msg = "a tab here: YAML indentation must use spaces";
        return fail(where, msg);
      }
      yaml::Mark at = markOf(ev.start_mark);
      std::string error;
      switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
          if (++documents > 1) error = "a policy is one YAML document; found a second ('---')";
          break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          if (stack.size() >= kMaxDepth) {
            error = fmt::format("nested deeper than {} levels", kMaxDepth);
            break;
          }
          Data d;
          d.type = ev.type == YAML_MAPPING_START_EVENT ? NodeType::kMap : NodeType::kSequence;
          bool flow = ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                                                          : ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
          d.style = flow ? Style::kFlow : Style::kBlock;
          d.mark = at;
          stack.push_back(add(std::move(d)));
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          stack.pop_back();
          break;
        case YAML_SCALAR_EVENT: {
          Data d;
          d.mark = at;
          d.scalar.assign(reinterpret_cast<const char*>(ev.data.scalar.value), ev.data.scalar.length);
          switch (ev.data.scalar.style) {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: d.style = Style::kSingleQuoted; break;
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: d.style = Style::kDoubleQuoted; break;
            case YAML_LITERAL_SCALAR_STYLE: d.style = Style::kLiteral; break;
            case YAML_FOLDED_SCALAR_STYLE: d.style = Style::kFolded; break;
            default: d.style = Style::kPlain; break;
          }
          // Plain untagged `~`, `null` and nothing are null, as in yaml-cpp.
          const std::string& v = d.scalar;
          bool isNull = d.style == Style::kPlain && ev.data.scalar.plain_implicit &&
                        (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL");
          d.type = isNull ? NodeType::kNull : NodeType::kScalar;
          if (isNull) d.scalar.clear();
          add(std::move(d));
          break;
        }
        case YAML_ALIAS_EVENT:
          error = "aliases (*name) are not supported in policies; write the value out";
          break;
        case YAML_STREAM_END_EVENT:
          done = true;
          break;
        default:
          break;
      }
      yaml_event_delete(&ev);
      if (!error.empty()) return fail(at, error);
    }
    yaml_parser_delete(&parser);
    if (root == nullptr) {
      Data d;
      d.type = NodeType::kNull;
      d.mark = yaml::Mark{0, 0, 0};
      doc->nodes.push_back(std::move(d));
      root = &doc->nodes.back();
    }
    return Node(doc, root);
  }
};

core::Result<Node> load(std::string_view text, Mark* errorMark) { return Builder::run(text, errorMark); }

}  // namespace airlock::policy::yaml
