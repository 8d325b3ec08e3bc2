// The Python module segpipe._segpipe: the C++ API (segpipe/segpipe.h) with numpy arrays in and
// out. segpipe/__init__.py re-exports it. Every call that may block or compute for long (loading,
// planning, running, push, pop, joining) releases the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "segpipe/segpipe.h"

namespace py = pybind11;

namespace segpipe::api {
namespace {

// segpipe.Error and one subclass per StatusCode, created once at import.
std::map<StatusCode, PyObject*>& ErrorClasses() {
  static auto* classes = new std::map<StatusCode, PyObject*>();
  return *classes;
}

struct StatusException {
  Status status;
};

[[noreturn]] void Throw(const Status& status) { throw StatusException{status}; }

template <typename T>
T ValueOrThrow(StatusOr<T> s) {
  if (!s.ok()) Throw(s.status());
  return std::move(s).value();
}

void CheckOk(const Status& s) {
  if (!s.ok()) Throw(s);
}

[[noreturn]] void ThrowInvalid(const std::string& message) { Throw(InvalidArgumentError(message)); }

// numpy dtypes by name, made once: building one from its name parses it, a cost on every push
// and pop. Never freed (it would outlive the interpreter at exit).
const py::dtype& DType(const std::string& name) {
  static auto* cache = new std::map<std::string, py::dtype>();
  auto it = cache->find(name);
  if (it == cache->end()) it = cache->emplace(name, py::dtype(name)).first;
  return it->second;
}

py::tuple ShapeTuple(const std::vector<int32_t>& shape) {
  py::tuple t(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) t[i] = shape[i];
  return t;
}

// One model input as a C-contiguous array of exactly the tensor's dtype and element count (any
// shape with that many elements, e.g. without the batch dimension).
py::array InputArray(const py::handle& value, const TensorInfo& info, size_t index) {
  py::array a = py::array::ensure(value, py::array::c_style);
  if (!a)
    ThrowInvalid("input " + std::to_string(index) + " ('" + info.name + "') must be a numpy array");
  if (!a.dtype().equal(DType(info.dtype)))
    ThrowInvalid("input " + std::to_string(index) + " ('" + info.name + "') must be " + info.dtype +
                 ", got " + std::string(py::str(a.dtype())));
  if (a.nbytes() != info.num_bytes)
    ThrowInvalid("input " + std::to_string(index) + " ('" + info.name + "') must have shape " +
                 std::string(py::str(ShapeTuple(info.shape))) + ", got " +
                 std::string(py::str(
                     py::tuple(py::cast(std::vector<ssize_t>(a.shape(), a.shape() + a.ndim()))))));
  return a;
}

// Inputs as a list in Model.inputs order or a dict by input name.
std::vector<py::array> InputArrays(const Model& model, const py::object& inputs) {
  const std::vector<TensorInfo>& infos = model.inputs();
  std::vector<py::array> arrays;
  if (py::isinstance<py::dict>(inputs)) {
    py::dict d = inputs.cast<py::dict>();
    for (auto item : d) {
      const std::string name = py::str(item.first);
      bool known = false;
      for (const TensorInfo& t : infos) known |= t.name == name;
      if (!known) ThrowInvalid("the model has no input named '" + name + "'");
    }
    for (size_t i = 0; i < infos.size(); ++i) {
      if (!d.contains(infos[i].name)) ThrowInvalid("missing input '" + infos[i].name + "'");
      arrays.push_back(InputArray(d[py::str(infos[i].name)], infos[i], i));
    }
    return arrays;
  }
  if (py::isinstance<py::array>(inputs) && infos.size() == 1) {
    arrays.push_back(InputArray(inputs, infos[0], 0));
    return arrays;
  }
  if (!py::isinstance<py::sequence>(inputs) || py::isinstance<py::str>(inputs))
    ThrowInvalid("inputs must be a list of numpy arrays (in model input order) or a dict by name");
  py::sequence seq = inputs.cast<py::sequence>();
  if (seq.size() != infos.size())
    ThrowInvalid("the model takes " + std::to_string(infos.size()) + " input(s), got " +
                 std::to_string(seq.size()));
  for (size_t i = 0; i < infos.size(); ++i) arrays.push_back(InputArray(seq[i], infos[i], i));
  return arrays;
}

std::vector<std::span<const uint8_t>> Spans(const std::vector<py::array>& arrays) {
  std::vector<std::span<const uint8_t>> spans;
  for (const py::array& a : arrays)
    spans.emplace_back(static_cast<const uint8_t*>(a.data()), static_cast<size_t>(a.nbytes()));
  return spans;
}

py::list NewOutputs(const Model& model, std::vector<std::span<uint8_t>>* spans) {
  py::list out;
  for (const TensorInfo& t : model.outputs()) {
    std::vector<ssize_t> shape(t.shape.begin(), t.shape.end());
    py::array a(DType(t.dtype), shape);
    spans->emplace_back(static_cast<uint8_t*>(a.mutable_data()), static_cast<size_t>(t.num_bytes));
    out.append(a);
  }
  return out;
}

// The Python runner: a C++ runner plus the context-manager protocol.
class PyRunner {
 public:
  PyRunner(const Model& model, const Plan& plan, int queue_size, const std::string& token,
           const std::string& tls_ca_pem) {
    RunnerOptions options;
    options.queue_size = queue_size;
    options.stage_host_token = token;
    options.stage_host_tls_ca_pem = tls_ca_pem;
    py::gil_scoped_release release;
    runner_ = ValueOrThrow(PipelinedModelRunner::Create(model, plan, nullptr, options));
  }
  ~PyRunner() {
    py::gil_scoped_release release;
    runner_.reset();
  }

  void Push(const py::object& inputs) {
    std::vector<py::array> arrays = InputArrays(Runner().model(), inputs);
    std::vector<std::span<const uint8_t>> spans = Spans(arrays);
    Status s;
    {
      py::gil_scoped_release release;
      s = Runner().Push(spans);
    }
    CheckOk(s);
  }

  py::object Pop() {
    std::vector<std::span<uint8_t>> spans;
    py::list outputs = NewOutputs(Runner().model(), &spans);
    std::optional<RunnerResult> r;
    {
      py::gil_scoped_release release;
      r = Runner().Pop(spans);
    }
    if (!r) return py::none();
    CheckOk(r->status);
    return outputs;
  }

  void Close() { Runner().Close(); }

  // Closes, discards what was not popped and joins the threads.
  void Join() {
    if (!runner_) return;
    py::gil_scoped_release release;
    runner_->Close();
    (void)runner_->Finish();
  }

  py::dict Stats() const {
    RunnerStats s;
    {
      py::gil_scoped_release release;
      s = Runner().Stats();
    }
    py::dict d;
    d["completed"] = s.completed;
    d["failed"] = s.failed;
    d["elapsed_ms"] = s.elapsed_ms;
    d["throughput_per_s"] = s.throughput_per_s;
    d["latency_p50_ms"] = s.latency_p50_ms;
    d["latency_p90_ms"] = s.latency_p90_ms;
    d["latency_p99_ms"] = s.latency_p99_ms;
    d["latency_max_ms"] = s.latency_max_ms;
    py::list stages;
    for (const RunnerStageStats& st : s.stages) {
      py::dict x;
      x["device"] = st.device;
      x["first_op"] = st.first_op;
      x["last_op"] = st.last_op;
      x["replicas"] = st.replicas;
      x["count"] = st.count;
      x["busy_ms"] = st.busy_ms;
      x["wait_input_ms"] = st.wait_input_ms;
      x["blocked_output_ms"] = st.blocked_output_ms;
      stages.append(x);
    }
    d["stages"] = stages;
    return d;
  }

 private:
  PipelinedModelRunner& Runner() const {
    if (!runner_) Throw(FailedPreconditionError("the runner was closed"));
    return *runner_;
  }
  std::unique_ptr<PipelinedModelRunner> runner_;
};

py::dict SimulationDict(const SimulationReport& r) {
  py::dict d;
  d["batch"] = r.batch;
  d["host_profile"] = r.host_profile;
  d["time_per_inference_ms"] = r.time_per_inference_ms;
  d["throughput_per_s"] = r.throughput_per_s;
  d["latency_p50_ms"] = r.latency_p50_ms;
  d["latency_p90_ms"] = r.latency_p90_ms;
  d["latency_p99_ms"] = r.latency_p99_ms;
  d["latency_max_ms"] = r.latency_max_ms;
  py::list stages;
  for (const SimulatedStage& st : r.stages) {
    py::dict x;
    x["first_op"] = st.first_op;
    x["last_op"] = st.last_op;
    x["device"] = st.device;
    x["replicas"] = st.replicas;
    x["service_ms"] = st.service_ms;
    x["utilisation"] = st.utilisation;
    stages.append(x);
  }
  d["stages"] = stages;
  return d;
}

void RegisterErrors(py::module_& m) {
  PyObject* base = PyErr_NewExceptionWithDoc(
      "segpipe.Error", "A segpipe failure; the subclass names its kind (one per status code).",
      PyExc_Exception, nullptr);
  m.add_object("Error", py::handle(base));
  const std::pair<StatusCode, const char*> codes[] = {
      {StatusCode::kInvalidArgument, "InvalidArgumentError"},
      {StatusCode::kNotFound, "NotFoundError"},
      {StatusCode::kDataLoss, "DataLossError"},
      {StatusCode::kUnimplemented, "UnimplementedError"},
      {StatusCode::kFailedPrecondition, "FailedPreconditionError"},
      {StatusCode::kResourceExhausted, "ResourceExhaustedError"},
      {StatusCode::kCancelled, "CancelledError"},
      {StatusCode::kDeadlineExceeded, "DeadlineExceededError"},
      {StatusCode::kUnavailable, "UnavailableError"},
      {StatusCode::kWriteFailed, "WriteFailedError"},
      {StatusCode::kUnauthenticated, "UnauthenticatedError"},
      {StatusCode::kInternal, "InternalError"},
  };
  ErrorClasses()[StatusCode::kOk] = base;
  for (const auto& [code, name] : codes) {
    PyObject* cls = PyErr_NewException((std::string("segpipe.") + name).c_str(), base, nullptr);
    m.add_object(name, py::handle(cls));
    ErrorClasses()[code] = cls;
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusException& e) {
      auto it = ErrorClasses().find(e.status.code());
      PyObject* cls = it != ErrorClasses().end() ? it->second : ErrorClasses()[StatusCode::kOk];
      PyErr_SetString(cls, e.status.message().c_str());
    }
  });
}

}  // namespace
}  // namespace segpipe::api

PYBIND11_MODULE(_segpipe, m) {
  using namespace segpipe::api;  // NOLINT: the whole module binds this namespace
  using segpipe::StatusOr;
  m.doc() = "segpipe: split quantized models across accelerators and run them as a pipeline";
  m.attr("__version__") = std::string(Version());
  RegisterErrors(m);

  py::class_<TensorInfo>(m, "TensorInfo")
      .def_readonly("name", &TensorInfo::name)
      .def_property_readonly("shape", [](const TensorInfo& t) { return ShapeTuple(t.shape); })
      .def_property_readonly("dtype", [](const TensorInfo& t) { return DType(t.dtype); })
      .def_readonly("scale", &TensorInfo::scale)
      .def_readonly("zero_point", &TensorInfo::zero_point)
      .def("__repr__", [](const TensorInfo& t) {
        return "TensorInfo(name='" + t.name +
               "', shape=" + std::string(py::str(ShapeTuple(t.shape))) + ", dtype=" + t.dtype + ")";
      });

  py::class_<Model>(m, "Model")
      .def_property_readonly("inputs", &Model::inputs)
      .def_property_readonly("outputs", &Model::outputs)
      .def_property_readonly("ops", &Model::num_ops)
      .def_property_readonly("macs", &Model::macs)
      .def_property_readonly("path", &Model::path)
      .def("__repr__", [](const Model& model) {
        return "Model('" + model.path() + "', " + std::to_string(model.num_ops()) + " ops)";
      });

  py::class_<PlanSegment>(m, "Segment")
      .def_readonly("first_op", &PlanSegment::first_op)
      .def_readonly("last_op", &PlanSegment::last_op)
      .def_readonly("device", &PlanSegment::device)
      .def_readonly("replicas", &PlanSegment::replicas)
      .def_readonly("on_chip_bytes", &PlanSegment::on_chip_bytes)
      .def_readonly("off_chip_bytes", &PlanSegment::off_chip_bytes)
      .def_readonly("stage_ms", &PlanSegment::stage_ms)
      .def("__repr__", [](const PlanSegment& s) {
        return "Segment(ops " + std::to_string(s.first_op) + "-" + std::to_string(s.last_op) +
               " on " + s.device + (s.replicas > 1 ? " x" + std::to_string(s.replicas) : "") + ")";
      });

  py::class_<Plan>(m, "Plan")
      .def_property_readonly("segments", &Plan::segments)
      .def_property_readonly("time_per_inference_ms", &Plan::time_per_inference_ms)
      .def_property_readonly("strategy", &Plan::strategy)
      .def(
          "save", [](const Plan& p, const std::string& path) { CheckOk(p.Save(path)); },
          py::arg("path"))
      .def_static(
          "load",
          [](const std::string& path) {
            py::gil_scoped_release release;
            return ValueOrThrow(Plan::Load(path));
          },
          py::arg("path"))
      .def("to_json", &Plan::ToJson)
      .def("__repr__", [](const Plan& p) {
        return "Plan(" + std::to_string(p.segments().size()) + " segments, " +
               std::to_string(p.time_per_inference_ms()) + " ms per inference)";
      });

  m.def(
      "load_model",
      [](const std::string& path) {
        py::gil_scoped_release release;
        return ValueOrThrow(Model::Load(path));
      },
      py::arg("path"), "Reads a quantized .tflite model.");

  m.def(
      "run",
      [](const Model& model, const py::object& inputs, const std::string& kernels) {
        const Kernels k = ValueOrThrow(ParseKernels(kernels));
        std::vector<py::array> arrays = InputArrays(model, inputs);
        std::vector<std::span<const uint8_t>> spans = Spans(arrays);
        std::vector<std::vector<uint8_t>> outputs;
        {
          py::gil_scoped_release release;
          StatusOr<std::vector<std::vector<uint8_t>>> r = RunModel(model, spans, k);
          if (!r.ok()) {
            py::gil_scoped_acquire acquire;
            Throw(r.status());
          }
          outputs = std::move(r).value();
        }
        std::vector<std::span<uint8_t>> out_spans;
        py::list out = NewOutputs(model, &out_spans);
        for (size_t i = 0; i < outputs.size(); ++i)
          std::copy(outputs[i].begin(), outputs[i].end(), out_spans[i].begin());
        return out;
      },
      py::arg("model"), py::arg("inputs"), py::arg("kernels") = "fast",
      "Runs the whole model once on the CPU; returns its outputs.");

  m.def(
      "plan",
      [](const Model& model, const std::string& devices, const std::string& strategy,
         const std::string& objective, const std::string& profile,
         const std::string& host_profile) {
        Planner planner({.devices = devices,
                         .strategy = strategy,
                         .objective = objective,
                         .profile = profile,
                         .host_profile = host_profile});
        py::gil_scoped_release release;
        return ValueOrThrow(planner.MakePlan(model));
      },
      py::arg("model"), py::arg("devices") = "edgetpu:4", py::arg("strategy") = "auto",
      py::arg("objective") = "throughput", py::arg("profile") = "model",
      py::arg("host_profile") = "native", "Chooses how to split the model over the devices.");

  m.def(
      "compile",
      [](const Model& model, const std::string& out_dir, std::optional<int> segments,
         std::optional<Plan> plan) {
        if (segments && plan) ThrowInvalid("give segments or plan, not both");
        py::gil_scoped_release release;
        return ValueOrThrow(
            CompileSegments(model, out_dir, segments.value_or(1), plan ? &*plan : nullptr));
      },
      py::arg("model"), py::arg("out_dir"), py::arg("segments") = py::none(),
      py::arg("plan") = py::none(),
      "Writes the segments as CPU .tflite files for edgetpu_compiler; returns their paths.");

  m.def(
      "simulate",
      [](const Model& model, const Plan& plan, int batch, const std::string& host_profile) {
        SimulationReport r;
        {
          py::gil_scoped_release release;
          StatusOr<SimulationReport> s =
              Simulate(model, plan, {.batch = batch, .host_profile = host_profile});
          if (!s.ok()) {
            py::gil_scoped_acquire acquire;
            Throw(s.status());
          }
          r = std::move(s).value();
        }
        return SimulationDict(r);
      },
      py::arg("model"), py::arg("plan"), py::arg("batch") = 50, py::arg("host_profile") = "native",
      "Runs the plan in virtual time.");

  m.def(
      "read_image",
      [](const Model& model, const std::string& path) {
        std::vector<uint8_t> bytes;
        {
          py::gil_scoped_release release;
          StatusOr<std::vector<uint8_t>> r = ImageInput(model, path);
          if (!r.ok()) {
            py::gil_scoped_acquire acquire;
            Throw(r.status());
          }
          bytes = std::move(r).value();
        }
        const TensorInfo& t = model.inputs()[0];
        std::vector<ssize_t> shape(t.shape.begin(), t.shape.end());
        py::array a(DType(t.dtype), shape);
        std::copy(bytes.begin(), bytes.end(), static_cast<uint8_t*>(a.mutable_data()));
        return a;
      },
      py::arg("model"), py::arg("path"),
      "The image file (BMP, PNG, JPEG) as the model's first input: resized, channels converted.");

  py::class_<PyRunner>(m, "PipelinedModelRunner")
      .def(py::init<const Model&, const Plan&, int, const std::string&, const std::string&>(),
           py::arg("model"), py::arg("plan"), py::arg("queue_size") = 1,
           py::arg("stage_host_token") = "", py::arg("stage_host_tls_ca_pem") = "",
           "Runs `plan` as a pipeline. A plan on stage hosts (devices `cpu:1@HOST:PORT`, "
           "docs/distributed.md) needs the hosts' token, and for TLS the PEM text of the "
           "certificates to trust.")
      .def("push", &PyRunner::Push, py::arg("inputs"),
           "Pushes one input (a list in model input order, or a dict by name); blocks while "
           "the pipeline is full.")
      .def("pop", &PyRunner::Pop,
           "The next result (list of numpy arrays), None at end of stream; raises the pipeline's "
           "error for an input that failed.")
      .def("close", &PyRunner::Close, "End of input: pop returns None once the rest drained.")
      .def("stats", &PyRunner::Stats)
      .def("__enter__", [](PyRunner& r) -> PyRunner& { return r; })
      .def("__exit__", [](PyRunner& r, const py::args&) { r.Join(); });
}
