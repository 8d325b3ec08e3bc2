// Every subcommand's --json output against its schema in docs/json/ (one vocabulary across the
// CLI: `model` and `segpipe_version` everywhere, stages and segments with the same keys). The
// validator below covers the subset of JSON Schema those files use and refuses any other
// keyword, so a schema cannot silently promise more than is checked.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace segpipe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSchemaDir = fs::path(SEGPIPE_SOURCE_DIR) / "docs" / "json";
const std::string kShared = SEGPIPE_SHARED_DIR;

json LoadJsonFile(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(
      std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

class SchemaValidator {
 public:
  // Appends "where: what" for each violation of `schema` (from file `file`) by `value`.
  void Validate(const json& value, const json& schema, const std::string& file,
                const std::string& where, std::vector<std::string>* errors) {
    static const std::set<std::string> kKnown = {
        "$schema",  "$id",        "title",   "description", "definitions", "type",
        "required", "properties", "items",   "enum",        "const",       "minimum",
        "minItems", "maxItems",   "pattern", "allOf",       "$ref"};
    for (const auto& [key, unused] : schema.items())
      if (!kKnown.count(key))
        errors->push_back(fmt(file, "schema keyword '" + key + "' is not supported"));
    if (schema.contains("$ref")) {
      const std::string ref = schema["$ref"];
      const size_t hash = ref.find('#');
      const std::string target_file = hash == 0 ? file : ref.substr(0, hash);
      const json& doc = Document(target_file);
      json::json_pointer pointer(ref.substr(hash + 1));
      Validate(value, doc.at(pointer), target_file, where, errors);
    }
    if (schema.contains("allOf"))
      for (const json& sub : schema["allOf"]) Validate(value, sub, file, where, errors);
    if (schema.contains("type") && !HasType(value, schema["type"]))
      errors->push_back(fmt(
          where, "expected type " + schema["type"].dump() + ", got " + value.dump().substr(0, 80)));
    if (schema.contains("const") && value != schema["const"])
      errors->push_back(fmt(where, "expected " + schema["const"].dump()));
    if (schema.contains("enum") &&
        std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end())
      errors->push_back(fmt(where, "expected one of " + schema["enum"].dump()));
    if (schema.contains("minimum") && value.is_number() &&
        value.get<double>() < schema["minimum"].get<double>())
      errors->push_back(fmt(where, "below the minimum " + schema["minimum"].dump()));
    if (schema.contains("pattern") && value.is_string() &&
        !std::regex_search(value.get<std::string>(),
                           std::regex(schema["pattern"].get<std::string>())))
      errors->push_back(fmt(where, "does not match " + schema["pattern"].dump()));
    if (value.is_object()) {
      if (schema.contains("required"))
        for (const json& key : schema["required"])
          if (!value.contains(key.get<std::string>()))
            errors->push_back(fmt(where, "missing key " + key.dump()));
      if (schema.contains("properties"))
        for (const auto& [key, sub] : schema["properties"].items())
          if (value.contains(key)) Validate(value[key], sub, file, where + "." + key, errors);
    }
    if (value.is_array()) {
      if (schema.contains("minItems") && value.size() < schema["minItems"].get<size_t>())
        errors->push_back(fmt(where, "fewer items than " + schema["minItems"].dump()));
      if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<size_t>())
        errors->push_back(fmt(where, "more items than " + schema["maxItems"].dump()));
      if (schema.contains("items"))
        for (size_t i = 0; i < value.size(); ++i)
          Validate(value[i], schema["items"], file, where + "[" + std::to_string(i) + "]", errors);
    }
  }

  const json& Document(const std::string& file) {
    auto it = documents_.find(file);
    if (it == documents_.end())
      it = documents_.emplace(file, LoadJsonFile(kSchemaDir / file)).first;
    return it->second;
  }

 private:
  static std::string fmt(const std::string& where, const std::string& what) {
    return where + ": " + what;
  }
  static bool HasType(const json& v, const json& type) {
    if (type.is_array()) {
      for (const json& t : type)
        if (HasType(v, t)) return true;
      return false;
    }
    const std::string t = type;
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    return false;
  }
  std::map<std::string, json> documents_;
};

std::string RunCliStdout(const std::string& args, int* exit_code) {
  const std::string cmd = std::string("'") + SEGPIPE_CLI_PATH + "' " + args + " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

struct Case {
  std::string schema, args;
};

TEST(CliJsonSchemaTest, EverySubcommandMatchesItsSchema) {
  const fs::path dir = fs::path(SEGPIPE_BINARY_DIR) / "cli_json_schema";
  fs::create_directories(dir);
  const std::string v1 = kShared + "/models/coral/mobilenet_v1_0.25_128_quant.tflite";
  const std::string small = kShared + "/models/tflite_micro/hello_world_int8.tflite";
  const std::string image = kShared + "/inputs/coral/cat.bmp";
  const std::string plan_file = (dir / "plan.json").string();
  const std::vector<Case> cases = {
      {"inspect.schema.json", "inspect '" + small + "' --json"},
      {"run.schema.json", "run '" + small + "' --repeat 3 --json"},
      {"run-pipeline.schema.json",
       "run '" + v1 + "' --devices edgetpu:2 --simulate --batch 4 --json"},
      {"run-pipeline.schema.json", "run '" + small + "' --devices cpu:2 --batch 4 --json"},
      {"classify.schema.json", "classify '" + v1 + "' '" + image + "' --json"},
      {"compile.schema.json", "compile '" + v1 + "' --segments 2 --json"},
      {"plan.schema.json", "plan '" + v1 + "' --devices edgetpu:2 --json -o '" + plan_file + "'"},
      {"plan-compare.schema.json",
       "plan '" + v1 + "' --devices edgetpu:2 --compare --strategies uniform,optimal --json"},
  };
  SchemaValidator validator;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    int code = -1;
    const std::string out = RunCliStdout(c.args, &code);
    ASSERT_EQ(code, 0) << out;
    const json value = json::parse(out, nullptr, false);
    ASSERT_FALSE(value.is_discarded()) << out;
    std::vector<std::string> errors;
    validator.Validate(value, validator.Document(c.schema), c.schema, "$", &errors);
    for (const std::string& e : errors) ADD_FAILURE() << c.schema << ": " << e;
  }
  // The plan file is the plan's --json: the same schema.
  std::vector<std::string> errors;
  validator.Validate(LoadJsonFile(plan_file), validator.Document("plan.schema.json"),
                     "plan.schema.json", "$", &errors);
  for (const std::string& e : errors) ADD_FAILURE() << "plan file: " << e;
}

// The validator itself: a wrong document is caught, an unknown keyword is refused.
TEST(CliJsonSchemaTest, ValidatorCatchesViolations) {
  SchemaValidator validator;
  const json schema =
      json::parse(R"({"allOf": [{"$ref": "common.schema.json#/definitions/stage"}]})");
  std::vector<std::string> errors;
  validator.Validate(json::parse(R"({"index": 0, "first_op": 1, "last_op": 2, "layers": [1],
                                     "device": "gpu:0", "stage_ms": 1.0})"),
                     schema, "inline", "$", &errors);
  EXPECT_EQ(errors.size(), 3u);  // index below 1, one layer, device pattern
  errors.clear();
  validator.Validate(json(1), json::parse(R"({"maximum": 0})"), "inline", "$", &errors);
  EXPECT_EQ(errors.size(), 1u);
}

}  // namespace
}  // namespace segpipe
