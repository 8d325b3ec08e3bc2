// The coordinator of a pipeline on stage hosts (remote_pipeline.h).
#include "segpipe/remote/internal/remote_pipeline.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <random>

#include <fmt/format.h>

#include "segpipe/core/internal/sha256.h"
#include "segpipe/device/internal/edgetpu_device.h"
#include "segpipe/pipeline/internal/plan.h"
#include "segpipe/remote/internal/probe.h"
#include "segpipe/remote/stage_host.grpc.pb.h"
#include "segpipe/tflite/internal/writer.h"

namespace segpipe::remote {
namespace {

constexpr int64_t kNoFailure = std::numeric_limits<int64_t>::max();
constexpr size_t kLatencySamples = 1 << 16;

// Consecutive stages on one host: one segment, one session.
struct Hop {
  std::string host;
  int first_stage = 0, last_stage = 0;
  std::string session;
  std::unique_ptr<StageHostService::Stub> stub;
};

std::string NewRunId() {
  std::random_device device;
  return fmt::format("{:08x}{:08x}", device(), device());
}

int64_t Percentile(std::vector<int64_t>& values, double p) {
  if (values.empty()) return 0;
  const size_t i = std::min(values.size() - 1,
                            static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5));
  std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(i), values.end());
  return values[i];
}

class RemotePipeline final : public StreamPipeline {
 public:
  RemotePipeline(const RemoteRunRequest& request, CoordinatorOptions options)
      : request_(request), options_(std::move(options)), latency_ns_(kLatencySamples, 0),
        accept_ns_(kLatencySamples, 0) {}
  ~RemotePipeline() override { Stop(); }

  Status Build() {
    const Model& model = *request_.model;
    const std::vector<RemoteStage>& stages = request_.stages;
    for (int i = 0; i < static_cast<int>(stages.size()); ++i) {
      if (hops_.empty() || hops_.back().host != stages[static_cast<size_t>(i)].host)
        hops_.push_back(Hop{stages[static_cast<size_t>(i)].host, i, i});
      hops_.back().last_stage = i;
    }
    const std::string run = NewRunId();
    std::vector<int> hop_last_ops;
    for (size_t g = 0; g < hops_.size(); ++g) {
      hops_[g].session = fmt::format("{}-{}", run, g);
      hop_last_ops.push_back(stages[static_cast<size_t>(hops_[g].last_stage)].last_op);
    }
    SEGPIPE_ASSIGN_OR_RETURN(plan_, MakePipelinePlan(model, hop_last_ops));
    // Is every host there, and does it take our token?
    for (Hop& hop : hops_) {
      hop.stub = StageHostService::NewStub(MakeChannel(hop.host, options_.security));
      StatusOr<std::string> info =
          DescribeHost(hop.host, options_.security, options_.connect_timeout);
      if (!info.ok()) {
        const Status& s = info.status();
        if (s.code() == StatusCode::kUnauthenticated) return s;
        return Status(s.code(), fmt::format("{} (is `segpipe serve` running there?)", s.message()));
      }
    }
    // Load from the last hop to the first, so each host's downstream is ready when it streams.
    for (size_t g = hops_.size(); g-- > 0;) {
      Hop& hop = hops_[g];
      const StagePlan& sp = plan_.stages[g];
      LoadRequest load;
      load.set_session(hop.session);
      SEGPIPE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, WriteTflite(sp.segment));
      load.set_segment_sha256(Sha256Hex(bytes));
      load.set_segment_tflite(std::string(bytes.begin(), bytes.end()));
      for (int i = hop.first_stage; i <= hop.last_stage; ++i) {
        const RemoteStage& stage = stages[static_cast<size_t>(i)];
        StageSetup* setup = load.add_stages();
        setup->set_kind(std::string(DeviceKindName(stage.kind)));
        setup->set_last_op(stage.last_op - sp.first_op);
        for (const SimPhase& p : stage.phases) {
          auto* phase = setup->add_phases();
          phase->set_duration_ns(p.duration_ns);
          phase->set_resource(p.resource);
        }
      }
      for (int64_t b : plan_.edges[g].bytes) load.add_in_slot_bytes(b);
      for (int64_t b : plan_.edges[g + 1].bytes) load.add_out_slot_bytes(b);
      for (int s : sp.input_slots) load.add_input_slots(s);
      for (int s : sp.output_slots) load.add_output_slots(s);
      for (const StageForward& f : sp.forwards) {
        Forward* forward = load.add_forwards();
        forward->set_src_slot(f.src_slot);
        forward->set_dst_slot(f.dst_slot);
        forward->set_from_out_edge(f.from_out_edge);
      }
      if (g + 1 < hops_.size()) {
        load.set_downstream(hops_[g + 1].host);
        load.set_downstream_session(hops_[g + 1].session);
      }
      load.set_queue_capacity(std::max(1, request_.queue_capacity));
      load.set_edgetpu_compute(request_.edgetpu_compute);
      load.set_address(hop.host);
      grpc::ClientContext context;
      PrepareContext(context, options_.security, "", options_.load_timeout);
      LoadReply reply;
      grpc::Status status = hop.stub->Load(&context, load, &reply);
      if (!status.ok()) {
        FinishSessions();
        return FromGrpc(status).WithContext(
            fmt::format("loading ops {}-{} on stage host {}", sp.first_op, sp.last_op, hop.host));
      }
    }
    in_bytes_ = 0;
    for (int64_t b : plan_.edges.front().bytes) in_bytes_ += b;
    out_offsets_.clear();
    int64_t at = 0;
    for (int64_t b : plan_.edges.back().bytes) {
      out_offsets_.push_back(at);
      at += b;
    }
    out_bytes_ = at;
    OpenStreams();
    return OkStatus();
  }

  void OpenStreams() {
    PrepareContext(collect_context_, options_.security, "");
    SessionRequest collect;
    collect.set_session(hops_.back().session);
    collect_ = hops_.back().stub->Collect(&collect_context_, collect);
    PrepareContext(stream_context_, options_.security, hops_.front().session);
    stream_ = hops_.front().stub->Stream(&stream_context_);
    // The first hop's queue takes queue_capacity frames; with input_capacity the coordinator
    // may queue more (the paper's batch timing), which gRPC buffers until the host takes them.
    credits_ = std::max<int64_t>({request_.queue_capacity, request_.input_capacity, 1});
    out_frame_.mutable_data()->resize(static_cast<size_t>(in_bytes_));
  }

  // The streams opened in Build: inputs may be pushed before Start (RunPipeline's producer and
  // the paper's queued batch do).
  Status Start() override { return OkStatus(); }

  Status Push(std::span<const std::span<const uint8_t>> inputs) override {
    if (Status s = first_error(); !s.ok()) return s;
    if (input_closed_) return FailedPreconditionError("the pipeline's input is closed");
    while (credits_ == 0) {
      Credit credit;
      if (!stream_->Read(&credit)) {
        RecordFailure(accepted_.load(), StreamLost(hops_.front().host, stream_->Finish()));
        stream_finished_ = true;
        return first_error();
      }
      if (credit.error_code() != 0) {
        RecordFailure(accepted_.load(),
                      Diagnosed(StatusFromWire(credit.error_code(), credit.error())));
        return first_error();
      }
      credits_ += credit.frames();
    }
    uint8_t* data = reinterpret_cast<uint8_t*>(out_frame_.mutable_data()->data());
    int64_t at = 0;
    for (const std::span<const uint8_t>& in : inputs) {
      if (at + static_cast<int64_t>(in.size()) > in_bytes_)
        return InvalidArgumentError("the inputs are larger than the model's");
      std::memcpy(data + at, in.data(), in.size());
      at += static_cast<int64_t>(in.size());
    }
    if (at != in_bytes_) return InvalidArgumentError("the inputs do not match the model's");
    const int64_t sequence = accepted_.load();
    out_frame_.set_sequence(sequence);
    accept_ns_[static_cast<size_t>(sequence) % accept_ns_.size()] = SteadyNowNs();
    if (first_accept_ns_.load() < 0) first_accept_ns_ = SteadyNowNs();
    if (!stream_->Write(out_frame_)) {
      RecordFailure(sequence, StreamLost(hops_.front().host, grpc::Status::OK));
      return first_error();
    }
    --credits_;
    accepted_.fetch_add(1);
    return OkStatus();
  }

  void CloseInput() override {
    if (input_closed_.exchange(true)) return;
    if (stream_) stream_->WritesDone();
  }

  std::optional<PopResult> Pop(std::span<const std::span<uint8_t>> outputs) override {
    while (true) {
      const int64_t failed_from = failed_from_.load();
      if (next_pop_ >= failed_from) {
        // Every accepted input from the failure on gets the error; the producer may still be
        // inside a Push that is about to fail, so wait for it only as long as input is open.
        if (next_pop_ < accepted_.load()) return PopResult{next_pop_++, first_error()};
        return std::nullopt;
      }
      if (collect_done_) {
        if (next_pop_ < accepted_.load()) {
          RecordFailure(next_pop_, UnavailableError(fmt::format(
                                       "the last stage host {} ended its results early",
                                       hops_.back().host)));
          continue;
        }
        return std::nullopt;
      }
      if (!collect_->Read(&in_frame_)) {
        collect_done_ = true;
        grpc::Status status = collect_->Finish();
        collect_finished_ = true;
        if (!status.ok() || next_pop_ < accepted_.load() || !input_closed_)
          RecordFailure(next_pop_, StreamLost(hops_.back().host, status));
        continue;
      }
      if (in_frame_.error_code() != 0) {
        RecordFailure(std::min(next_pop_, in_frame_.sequence()),
                      StatusFromWire(in_frame_.error_code(), in_frame_.error()));
        continue;
      }
      if (in_frame_.sequence() != next_pop_ ||
          static_cast<int64_t>(in_frame_.data().size()) != out_bytes_) {
        RecordFailure(next_pop_, DataLossError(fmt::format(
                                     "stage host {} sent result {} ({} bytes) where result {} "
                                     "({} bytes) was due",
                                     hops_.back().host, in_frame_.sequence(),
                                     in_frame_.data().size(), next_pop_, out_bytes_)));
        continue;
      }
      const uint8_t* data = reinterpret_cast<const uint8_t*>(in_frame_.data().data());
      for (size_t j = 0; j < outputs.size() && j < out_offsets_.size(); ++j)
        std::memcpy(outputs[j].data(), data + out_offsets_[j],
                    std::min<size_t>(outputs[j].size(),
                                     static_cast<size_t>(plan_.edges.back().bytes[j])));
      const int64_t now = SteadyNowNs();
      {
        std::lock_guard lock(stats_mu_);
        latency_ns_[static_cast<size_t>(completed_) % latency_ns_.size()] =
            now - accept_ns_[static_cast<size_t>(next_pop_) % accept_ns_.size()];
        ++completed_;
        last_done_ns_ = now;
      }
      return PopResult{next_pop_++, OkStatus()};
    }
  }

  Status Finish() override {
    CloseInput();
    // Results nobody popped: drain them so the hosts finish their streams cleanly.
    if (first_error().ok() && collect_ && !collect_done_) {
      while (collect_->Read(&in_frame_)) {
      }
      collect_done_ = true;
    }
    if (collect_ && !collect_finished_) {
      grpc::Status status = collect_->Finish();
      collect_finished_ = true;
      if (!status.ok()) RecordFailure(next_pop_, StreamLost(hops_.back().host, status));
    }
    if (stream_ && !stream_finished_) {
      Credit credit;
      while (stream_->Read(&credit)) {
      }
      grpc::Status status = stream_->Finish();
      stream_finished_ = true;
      if (!status.ok()) RecordFailure(next_pop_, StreamLost(hops_.front().host, status));
    }
    FinishSessions();
    return first_error();
  }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    RecordFailure(next_pop_, CancelledError("the pipeline was stopped"));
    stream_context_.TryCancel();
    collect_context_.TryCancel();
  }

  PipelineStats Stats() const override {
    std::lock_guard lock(stats_mu_);
    PipelineStats stats = stats_;
    stats.completed = completed_;
    stats.failed = std::max<int64_t>(0, accepted_.load() - completed_);
    if (first_accept_ns_.load() >= 0) stats.elapsed_ns = last_done_ns_ - first_accept_ns_.load();
    if (stats.elapsed_ns > 0)
      stats.throughput_per_s = static_cast<double>(completed_) * 1e9 /
                               static_cast<double>(stats.elapsed_ns);
    std::vector<int64_t> kept(latency_ns_.begin(),
                              latency_ns_.begin() + static_cast<ptrdiff_t>(std::min<int64_t>(
                                                        completed_, latency_ns_.size())));
    stats.latency_p50_ns = Percentile(kept, 0.5);
    stats.latency_p90_ns = Percentile(kept, 0.9);
    stats.latency_p99_ns = Percentile(kept, 0.99);
    stats.latency_max_ns = kept.empty() ? 0 : *std::max_element(kept.begin(), kept.end());
    return stats;
  }

 private:
  // The first error, saying from which input on there are no results.
  Status first_error() const {
    std::lock_guard lock(error_mu_);
    if (first_error_.ok() || first_error_.code() == StatusCode::kCancelled) return first_error_;
    return Status(first_error_.code(),
                  fmt::format("{}; inputs from sequence {} on have no result",
                              first_error_.message(), failed_from_.load()));
  }

  // The first error explains every failure; later ones only move the first input without a
  // result earlier (a lost result stream stops results before the producer's failure point).
  void RecordFailure(int64_t sequence, const Status& status) {
    std::lock_guard lock(error_mu_);
    if (first_error_.ok()) first_error_ = status;
    if (sequence < failed_from_.load()) failed_from_.store(sequence);
  }

  // A stream to `host` ended without its results: say which host fails to answer (the host of
  // the stream may be fine, its neighbour dead).
  Status StreamLost(const std::string& host, const grpc::Status& status) {
    const std::string detail =
        status.ok() ? std::string("the stream ended early")
                    : fmt::format("{} ({})", status.error_message(),
                                  StatusCodeName(FromGrpc(status).code()));
    return Diagnosed(UnavailableError(fmt::format("the stream with stage host {} failed: {}",
                                                  host, detail)));
  }

  // `error` (a stream or host failure), led by the first host that no longer answers, if any.
  Status Diagnosed(const Status& error) {
    if (stopped_) return CancelledError("the pipeline was stopped");
    for (const Hop& hop : hops_) {
      StatusOr<std::string> info =
          DescribeHost(hop.host, options_.security, options_.check_timeout);
      if (!info.ok())
        return UnavailableError(fmt::format("{} (it does not answer); {}",
                                            info.status().message(), error.message()));
    }
    return error;
  }

  // Ends every session (frees the hosts' devices) and keeps the stage statistics.
  void FinishSessions() {
    if (sessions_finished_) return;
    sessions_finished_ = true;
    std::vector<StageStats> stages;
    for (const Hop& hop : hops_) {
      if (!hop.stub) continue;
      grpc::ClientContext context;
      PrepareContext(context, options_.security, "", options_.check_timeout);
      SessionRequest request;
      request.set_session(hop.session);
      FinishReply reply;
      grpc::Status status = hop.stub->Finish(&context, request, &reply);
      for (int i = hop.first_stage; i <= hop.last_stage; ++i) {
        StageStats s;
        const int local = i - hop.first_stage;
        s.device = fmt::format("{} @{}", DeviceKindName(request_.stages[static_cast<size_t>(i)].kind),
                               hop.host);
        s.first_op = request_.stages[static_cast<size_t>(i)].first_op;
        s.last_op = request_.stages[static_cast<size_t>(i)].last_op;
        if (status.ok() && local < reply.stages_size()) {
          s.count = reply.stages(local).count();
          s.busy_ns = reply.stages(local).busy_ns();
          s.device = fmt::format("{} @{}", reply.stages(local).device(), hop.host);
        }
        stages.push_back(s);
      }
    }
    std::lock_guard lock(stats_mu_);
    stats_.stages = std::move(stages);
  }

  RemoteRunRequest request_;
  CoordinatorOptions options_;
  std::vector<Hop> hops_;
  PipelinePlan plan_;
  int64_t in_bytes_ = 0, out_bytes_ = 0;
  std::vector<int64_t> out_offsets_;

  // Producer side (Push, CloseInput).
  grpc::ClientContext stream_context_;
  std::unique_ptr<grpc::ClientReaderWriter<Frame, Credit>> stream_;
  Frame out_frame_;  // reused: the steady state serializes into the same buffer
  int64_t credits_ = 0;
  bool stream_finished_ = false;
  std::atomic<bool> input_closed_{false};
  std::atomic<int64_t> accepted_{0};

  // Consumer side (Pop).
  grpc::ClientContext collect_context_;
  std::unique_ptr<grpc::ClientReader<Frame>> collect_;
  Frame in_frame_;
  int64_t next_pop_ = 0;
  bool collect_done_ = false, collect_finished_ = false;

  std::atomic<bool> stopped_{false};
  bool sessions_finished_ = false;
  std::atomic<int64_t> failed_from_{kNoFailure};
  mutable std::mutex error_mu_;
  Status first_error_;  // guarded by error_mu_

  mutable std::mutex stats_mu_;
  PipelineStats stats_;               // stages, after FinishSessions
  std::vector<int64_t> latency_ns_;   // ring, guarded by stats_mu_
  std::vector<int64_t> accept_ns_;    // by sequence, ring
  int64_t completed_ = 0;
  std::atomic<int64_t> first_accept_ns_{-1};  // written by the producer
  int64_t last_done_ns_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<StreamPipeline>> CreateRemotePipeline(const RemoteRunRequest& request,
                                                               const CoordinatorOptions& options) {
  if (request.model == nullptr || request.stages.empty())
    return InvalidArgumentError("a remote pipeline needs a model and stages");
  for (const RemoteStage& s : request.stages)
    if (s.host.empty()) return InvalidArgumentError("every stage of a remote pipeline needs a host");
  auto pipeline = std::make_unique<RemotePipeline>(request, options);
  SEGPIPE_RETURN_IF_ERROR(pipeline->Build());
  return std::unique_ptr<StreamPipeline>(std::move(pipeline));
}

RemotePipelineFactory RemotePipelineFactoryFor(CoordinatorOptions options) {
  return [options](const RemoteRunRequest& request) {
    return CreateRemotePipeline(request, options);
  };
}

}  // namespace segpipe::remote
